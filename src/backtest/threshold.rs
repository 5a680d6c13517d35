//! Signals from one output against fixed levels: levels held (`rsi < 30`) or crossed.

use std::borrow::Cow;

use super::rules::{SignalBuffer, SignalRule, Signals};
use crate::error::{Error, Result};
use crate::factory::{typed_position, ColumnView, Indicator, OutputSet};
use crate::kernel::cross::CrossedAbove;
use crate::prices::Prices;
use crate::schema::Dtype;

/// A condition of one output against a level, bar by bar. Comparisons with NaN are false.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    /// The value is above the level (vectorbt's `rsi_above`): true on every such bar.
    Above(f64),
    /// The value is below the level: true on every such bar.
    Below(f64),
    /// The value crosses above the level (vectorbt's `crossed_above` against a constant: the
    /// first bar above after a bar at or below, with a bar below since the last NaN).
    CrossedAbove(f64),
    /// The value crosses below the level.
    CrossedBelow(f64),
}

impl Level {
    fn level(self) -> f64 {
        match self {
            Level::Above(x) | Level::Below(x) | Level::CrossedAbove(x) | Level::CrossedBelow(x) => {
                x
            }
        }
    }
}

/// Entries and exits from one `f64` output against levels: for example an RSI bought below 30
/// and sold above 70, `Threshold::new("rsi", Level::Below(30.0), Level::Above(70.0))`.
///
/// # Example
/// ```
/// use ta_sweep::backtest::{trace, Level, Threshold};
/// use ta_sweep::{BacktestConfig, Ma, Prices};
///
/// let close = [10.0, 9.0, 8.0, 9.0, 11.0, 12.0, 11.0, 13.0];
/// let prices = Prices::from_close_series([&close[..]])?;
/// let rule = Threshold::new("ma", Level::CrossedAbove(10.0), Level::CrossedBelow(11.5));
/// let bars = trace(&(Ma::simple(), rule), &prices, 1, &BacktestConfig::default())?;
/// assert_eq!(bars.entry, [false, false, false, false, true, false, false, false]);
/// assert_eq!(bars.exit, [false, false, false, false, false, false, true, false]);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    output: Cow<'static, str>,
    entry: Level,
    exit: Level,
}

impl Threshold {
    /// Entries where output `output` meets `entry`, exits where it meets `exit`.
    pub fn new(output: impl Into<Cow<'static, str>>, entry: Level, exit: Level) -> Self {
        Threshold {
            output: output.into(),
            entry,
            exit,
        }
    }
}

/// The position of a [`Threshold`]'s output.
#[derive(Debug, Clone, Copy)]
pub struct ThresholdPlan {
    output: usize,
}

/// One [`Level`] evaluated bar by bar.
struct Condition {
    level: Level,
    cross: CrossedAbove,
}

impl Condition {
    #[inline]
    fn update(&mut self, x: f64) -> bool {
        match self.level {
            Level::Above(l) => x > l,
            Level::Below(l) => x < l,
            Level::CrossedAbove(l) => self.cross.update(x, l),
            Level::CrossedBelow(l) => self.cross.update(l, x),
        }
    }
}

impl<I: Indicator> SignalRule<I> for Threshold {
    type Plan = ThresholdPlan;
    type Scratch = SignalBuffer;

    fn plan(&self, indicator: &I, _prices: &Prices<'_>) -> Result<(ThresholdPlan, OutputSet)> {
        for level in [self.entry, self.exit] {
            if level.level().is_nan() {
                return Err(Error::InvalidLevel {
                    level: level.level(),
                });
            }
        }
        let output = typed_position(indicator.outputs(), &self.output, Dtype::F64)?;
        Ok((ThresholdPlan { output }, OutputSet::NONE.with(output)))
    }

    fn scratch(&self, bars: usize) -> SignalBuffer {
        SignalBuffer::new(bars)
    }

    fn signals<'a>(
        &'a self,
        plan: &'a ThresholdPlan,
        column: ColumnView<'a, I::Params>,
        scratch: &'a mut SignalBuffer,
    ) -> impl Signals + 'a {
        let values = column
            .get_at::<f64>(plan.output)
            .expect("the output is selected");
        let mut entry = Condition {
            level: self.entry,
            cross: CrossedAbove::default(),
        };
        let mut exit = Condition {
            level: self.exit,
            cross: CrossedAbove::default(),
        };
        for (bar, &x) in values.iter().enumerate() {
            scratch.set(bar, entry.update(x), exit.update(x));
        }
        scratch.signals()
    }
}
