//! What the API fuzz targets share: the arbitrary prices, periods and multipliers, the
//! symbols and grids built from them, and the thread pools.

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use ta_sweep::{supertrend, Error};

/// A SuperTrend grid: (period, multiplier) rows.
pub type SuperTrendGrid = ta_sweep::Grid<(usize, f64)>;

/// Bounds that keep one execution well under a millisecond.
pub const MAX_BARS: usize = 64;

/// One bar: high, low, close.
pub type Bar = (f64, f64, f64);

/// A price: usually one a market could print, sometimes any bits at all.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Price {
    Cents(i32),
    Near(u8),
    Bits(f64),
}

impl Price {
    pub fn value(self) -> f64 {
        match self {
            Price::Cents(c) => f64::from(c) / 100.0,
            Price::Near(k) => 100.0 + f64::from(k) / 16.0,
            Price::Bits(x) => x,
        }
    }
}

/// A period: usually small, sometimes any `usize` (0 and `usize::MAX` included).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Period {
    Small(u8),
    Any(usize),
}

impl Period {
    pub fn value(self) -> usize {
        match self {
            Period::Small(p) => usize::from(p % 32),
            Period::Any(p) => p,
        }
    }
}

/// A multiplier: usually tenths, sometimes any bits (NaN, infinite, negative included).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Multiplier {
    Tenths(u8),
    Bits(f64),
}

impl Multiplier {
    pub fn value(self) -> f64 {
        match self {
            Multiplier::Tenths(k) => f64::from(k) / 10.0,
            Multiplier::Bits(x) => x,
        }
    }
}

/// At most `max_symbols` symbols of bars: each cut to `bars` (at most [`MAX_BARS`] and the
/// shortest symbol's length, so that the lengths agree), or kept as drawn without `bars`.
pub fn symbols(
    drawn: &[Vec<(Price, Price, Price)>],
    max_symbols: usize,
    bars: Option<u8>,
) -> Vec<Vec<Bar>> {
    let mut data: Vec<Vec<Bar>> = drawn
        .iter()
        .take(max_symbols)
        .map(|s| {
            s.iter()
                .map(|b| (b.0.value(), b.1.value(), b.2.value()))
                .collect()
        })
        .collect();
    let shortest = data.iter().map(Vec::len).min().unwrap_or(0);
    let bars = bars.map_or(MAX_BARS, |b| {
        (usize::from(b) % (MAX_BARS + 1)).min(shortest)
    });
    for series in &mut data {
        series.truncate(bars);
    }
    data
}

/// A symbol's high, low and close series.
pub fn split(series: &[Bar]) -> [Vec<f64>; 3] {
    let pick = |f: fn(&Bar) -> f64| series.iter().map(f).collect();
    [pick(|b| b.0), pick(|b| b.1), pick(|b| b.2)]
}

/// A grid: any periods and multipliers, valid or not, duplicates included.
#[derive(Debug, Arbitrary)]
pub struct Grid {
    periods: Vec<Period>,
    multipliers: Vec<Multiplier>,
    /// A pair grid instead of the product, when present.
    pairs: Option<Vec<(Period, Multiplier)>>,
}

impl Grid {
    /// The product of at most `max_values` periods and multipliers, or at most twice as many
    /// pairs: `None` for an error `supertrend::grid` and `supertrend::pairs` document, a panic
    /// for any other.
    pub fn build(&self, max_values: usize) -> Option<SuperTrendGrid> {
        let grid = match &self.pairs {
            Some(pairs) => {
                let pairs: Vec<(usize, f64)> = pairs
                    .iter()
                    .take(2 * max_values)
                    .map(|(p, m)| (p.value(), m.value()))
                    .collect();
                supertrend::pairs(&pairs)
            }
            None => {
                let periods: Vec<usize> = self
                    .periods
                    .iter()
                    .take(max_values)
                    .map(|p| p.value())
                    .collect();
                let multipliers: Vec<f64> = self
                    .multipliers
                    .iter()
                    .take(max_values)
                    .map(|m| m.value())
                    .collect();
                supertrend::grid(&periods, &multipliers)
            }
        };
        match grid {
            Ok(grid) => Some(grid),
            Err(
                Error::EmptyGrid
                | Error::InvalidPeriod { .. }
                | Error::InvalidMultiplier { .. }
                | Error::DuplicateParams { .. },
            ) => None,
            Err(e) => panic!("supertrend grid: undocumented {e:?}"),
        }
    }
}

/// A pool of 1 to 3 threads, built once.
pub fn pool(threads: u8) -> &'static rayon::ThreadPool {
    static POOLS: OnceLock<Vec<rayon::ThreadPool>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        (1..=3)
            .map(|n| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .unwrap()
            })
            .collect()
    });
    &pools[usize::from(threads) % pools.len()]
}
