//! Names of the four SuperTrend outputs.

use std::fmt;

/// One of the four SuperTrend output series.
///
/// | output | meaning | type |
/// |---|---|---|
/// | [`Supert`](Output::Supert) | the SuperTrend line: the lower band in an uptrend, the upper band in a downtrend | `f64` |
/// | [`Superd`](Output::Superd) | the direction: `+1` up, `-1` down; `+1` during warm-up, never missing | `i8` |
/// | [`Superl`](Output::Superl) | the long (lower) band where the direction is up, else NaN | `f64` |
/// | [`Supers`](Output::Supers) | the short (upper) band where the direction is down, else NaN | `f64` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Output {
    /// The SuperTrend line.
    Supert,
    /// The direction, `+1` or `-1`.
    Superd,
    /// The long band (NaN in downtrends).
    Superl,
    /// The short band (NaN in uptrends).
    Supers,
}

impl Output {
    /// All four outputs, in their conventional order.
    pub const ALL: [Output; 4] = [
        Output::Supert,
        Output::Superd,
        Output::Superl,
        Output::Supers,
    ];

    /// The established short name: `"supert"`, `"superd"`, `"superl"` or `"supers"`.
    pub fn name(self) -> &'static str {
        match self {
            Output::Supert => "supert",
            Output::Superd => "superd",
            Output::Superl => "superl",
            Output::Supers => "supers",
        }
    }

    /// Bytes one bar of this output takes: 8 for the `f64` series, 1 for the `i8` direction.
    pub fn bytes_per_bar(self) -> usize {
        match self {
            Output::Superd => std::mem::size_of::<i8>(),
            _ => std::mem::size_of::<f64>(),
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
