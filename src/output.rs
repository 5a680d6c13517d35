//! The four SuperTrend outputs: their names, a selection of them, and a sweep's result.

use std::fmt;

use ndarray::Array2;

use crate::params::SweepColumns;
use crate::sweep::SweepState;

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

/// A selection of outputs, for sweeps that need only some of them.
///
/// A user who needs only the direction should not pay for three `f64` matrices:
/// `OutputSet::only(Output::Superd)` makes a sweep allocate and write one `i8` matrix.
///
/// # Example
/// ```
/// use ta_sweep::{Output, OutputSet};
///
/// let set = OutputSet::only(Output::Superd).with(Output::Supert);
/// assert!(set.contains(Output::Supert) && !set.contains(Output::Superl));
/// assert_eq!(set.iter().collect::<Vec<_>>(), [Output::Supert, Output::Superd]);
/// assert_eq!(set.bytes_per_bar(), 9);
/// assert_eq!(OutputSet::ALL.bytes_per_bar(), 25);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutputSet(u8);

impl OutputSet {
    /// All four outputs.
    pub const ALL: OutputSet = OutputSet(0b1111);
    /// No output (a sweep then computes only what else was asked, such as final states).
    pub const NONE: OutputSet = OutputSet(0);

    fn bit(output: Output) -> u8 {
        1 << output as u8
    }

    /// Just `output`.
    pub fn only(output: Output) -> Self {
        OutputSet(Self::bit(output))
    }

    /// This set and `output`.
    #[must_use]
    pub fn with(self, output: Output) -> Self {
        OutputSet(self.0 | Self::bit(output))
    }

    /// This set without `output`.
    #[must_use]
    pub fn without(self, output: Output) -> Self {
        OutputSet(self.0 & !Self::bit(output))
    }

    /// Whether `output` is selected.
    pub fn contains(self, output: Output) -> bool {
        self.0 & Self::bit(output) != 0
    }

    /// Whether nothing is selected.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The selected outputs, in the order of [`Output::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Output> {
        Output::ALL.into_iter().filter(move |&o| self.contains(o))
    }

    /// Bytes one bar of one column takes over the selected outputs (25 for all four).
    pub fn bytes_per_bar(self) -> usize {
        self.iter().map(Output::bytes_per_bar).sum()
    }
}

impl Default for OutputSet {
    /// All four outputs.
    fn default() -> Self {
        OutputSet::ALL
    }
}

impl fmt::Debug for OutputSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl From<Output> for OutputSet {
    fn from(output: Output) -> Self {
        OutputSet::only(output)
    }
}

impl FromIterator<Output> for OutputSet {
    fn from_iter<I: IntoIterator<Item = Output>>(iter: I) -> Self {
        iter.into_iter().fold(OutputSet::NONE, OutputSet::with)
    }
}

/// The result of a [`Sweep`](crate::Sweep): one column per (period, multiplier, symbol).
///
/// Every selected output is an `Array2` of shape (bars, columns) in column-major (Fortran)
/// order, so `array.column(j)` is one contiguous slice (`.as_slice()` is `Some`) and `.t()` is
/// a free view with one row per column. Unselected outputs are `None`.
///
/// # Example
/// ```
/// use ta_sweep::{ColumnKey, ParamGrid, Prices, Sweep};
///
/// let (high, low, close) = ([10.0, 10.5, 10.4, 10.9], [9.0, 9.6, 9.7, 10.1], [9.5, 10.2, 10.0, 10.8]);
/// let prices = Prices::single(&high, &low, &close)?;
/// let out = Sweep::new(&prices, &ParamGrid::product(&[1, 2], &[1.0, 3.0])?).run()?;
///
/// let supert = out.supert.as_ref().unwrap();
/// assert_eq!(supert.dim(), (4, 4)); // (bars, columns)
/// let j = out.columns.column(ColumnKey { period: 2, multiplier: 1.0, symbol: 0 }).unwrap();
/// let line: &[f64] = supert.column(j).to_slice().unwrap();
/// assert_eq!(line.len(), 4);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SweepOutput {
    /// The number of bars: every output has this many rows.
    pub bars: usize,
    /// What each column holds.
    pub columns: SweepColumns,
    /// The SuperTrend lines, if selected.
    pub supert: Option<Array2<f64>>,
    /// The directions, if selected.
    pub superd: Option<Array2<i8>>,
    /// The long bands, if selected.
    pub superl: Option<Array2<f64>>,
    /// The short bands, if selected.
    pub supers: Option<Array2<f64>>,
    /// The streaming state of every column after the last bar, if
    /// [`with_states`](crate::Sweep::with_states) was asked for.
    pub states: Option<SweepState>,
}
