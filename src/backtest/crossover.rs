//! The crossover of two outputs (`docs/STRATEGIES.md` section 4): enter where the fast one
//! crosses above the slow one, exit where it crosses below; and vectorbt's dual moving-average
//! strategy built from it.

use std::borrow::Cow;

use super::rules::{SignalBuffer, SignalRule, Signals, Strategy};
use crate::error::Result;
use crate::factory::{typed_position, ColumnView, Indicator, OutputSet, Pair};
use crate::kernel::cross::crossing_words;
use crate::ma::{Ma, MaKind};
use crate::prices::Prices;
use crate::schema::Dtype;

/// Entries where output `fast` crosses above output `slow`, exits where it crosses below
/// (vectorbt's `fast.ma_crossed_above(slow)` and `ma_crossed_below`, `wait = 0`). Both are
/// `f64` outputs of the same indicator, such as the `fast_ma` and `slow_ma` of a
/// [`Pair`](crate::Pair) of [`Ma`](crate::Ma)s.
///
/// A crossing is an edge: `fast > slow` on the bar, `fast <= slow` on the bar before, and
/// `fast < slow` at some bar since the last NaN in either (a NaN clears the history). So the
/// first valid bar never signals, and a touch (`>`, `==`, `>`) signals again.
///
/// # Example
/// ```
/// use ta_sweep::backtest::{trace, Crossover};
/// use ta_sweep::{BacktestConfig, Ma, Pair, Prices};
///
/// let close = [10.0, 11.0, 12.0, 11.0, 10.0, 11.0, 12.5, 9.5, 16.0, 15.0, 13.0, 12.0];
/// let prices = Prices::from_close_series([&close[..]])?;
/// let strategy = (Pair::new(Ma::simple(), Ma::simple()), Crossover::new("fast_ma", "slow_ma"));
/// let bars = trace(&strategy, &prices, (2, 3), &BacktestConfig::default())?;
/// assert_eq!(bars.entry.iter().filter(|&&e| e).count(), 2); // bars 6 and 8
/// assert!(bars.exit[4] && bars.exit[10]);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Crossover {
    fast: Cow<'static, str>,
    slow: Cow<'static, str>,
}

impl Crossover {
    /// The crossover of output `fast` over output `slow`.
    pub fn new(fast: impl Into<Cow<'static, str>>, slow: impl Into<Cow<'static, str>>) -> Self {
        Crossover {
            fast: fast.into(),
            slow: slow.into(),
        }
    }
}

/// The positions of a [`Crossover`]'s two outputs.
#[derive(Debug, Clone, Copy)]
pub struct CrossoverPlan {
    fast: usize,
    slow: usize,
}

impl<I: Indicator> SignalRule<I> for Crossover {
    type Plan = CrossoverPlan;
    type Scratch = SignalBuffer;

    fn plan(&self, indicator: &I, _prices: &Prices<'_>) -> Result<(CrossoverPlan, OutputSet)> {
        let schema = indicator.outputs();
        let fast = typed_position(schema, &self.fast, Dtype::F64)?;
        let slow = typed_position(schema, &self.slow, Dtype::F64)?;
        Ok((
            CrossoverPlan { fast, slow },
            OutputSet::NONE.with(fast).with(slow),
        ))
    }

    fn scratch(&self, bars: usize) -> SignalBuffer {
        SignalBuffer::new(bars)
    }

    fn signals<'a>(
        &'a self,
        plan: &'a CrossoverPlan,
        column: ColumnView<'a, I::Params>,
        scratch: &'a mut SignalBuffer,
    ) -> impl Signals + 'a {
        let fast = column
            .get_at::<f64>(plan.fast)
            .expect("the fast output is selected");
        let slow = column
            .get_at::<f64>(plan.slow)
            .expect("the slow output is selected");
        let (entry, exit) = scratch.words_mut();
        crossing_words(fast, slow, entry, exit);
        scratch.signals()
    }
}

/// vectorbt's README flagship: the crossover of a fast and a slow moving average of one kind,
/// over grids of (fast window, slow window), typically every pair of one axis
/// ([`Grid::combinations`](crate::Grid::combinations)).
///
/// The indicator is a [`Pair`] of two [`Ma`]s (outputs `fast_ma`, `slow_ma`; the fast average
/// computed once per group of columns that share it), the rule their [`Crossover`].
///
/// # Example
/// ```
/// use ta_sweep::backtest::MaCrossover;
/// use ta_sweep::{Backtest, BacktestConfig, ColumnKey, Grid, Prices};
///
/// let close: Vec<f64> = (0..500).map(|i| 100.0 + (i as f64 * 0.05).sin() * 10.0).collect();
/// let prices = Prices::from_close_series([&close[..]])?;
/// let windows: Vec<usize> = (2..=30).collect();
/// let grid = Grid::combinations(&["fast", "slow"], &windows)?;
/// let out = Backtest::new(MaCrossover::simple(), &prices, &grid, BacktestConfig::default()).run()?;
/// assert_eq!(out.metrics.len(), 29 * 28 / 2);
/// assert_eq!(out.columns.label(0).unwrap(), "fast2_slow3_c0");
/// assert!(out.get(ColumnKey::new((5, 20), 0)).unwrap().trades > 0);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MaCrossover {
    indicator: Pair<Ma, Ma>,
    rule: Crossover,
}

impl MaCrossover {
    /// The crossover of two averages of `kind`.
    pub fn new(kind: MaKind) -> Self {
        MaCrossover {
            indicator: Pair::new(Ma::new(kind), Ma::new(kind)),
            rule: Crossover::new("fast_ma", "slow_ma"),
        }
    }

    /// Simple averages.
    pub fn simple() -> Self {
        MaCrossover::new(MaKind::Simple)
    }

    /// Exponential averages.
    pub fn exponential() -> Self {
        MaCrossover::new(MaKind::Exponential)
    }
}

impl Strategy for MaCrossover {
    type Indicator = Pair<Ma, Ma>;
    type Rule = Crossover;

    fn indicator(&self) -> &Pair<Ma, Ma> {
        &self.indicator
    }

    fn rule(&self) -> &Crossover {
        &self.rule
    }
}
