//! One column's simulation (`docs/PIPELINE.md` sections 4 and 5): long-only orders on the
//! column's entry and exit signals, filled at the close with all the cash and proportional
//! fees, and every bar's value and return, written for the metrics.
//!
//! Each rule is applied literally by [`Simulation::step`], one bar at a time. Most bars change
//! nothing but the value, though: a column is flat or holds a position for long runs of bars
//! between signals. The driver, [`simulate`], finds those runs and processes them in tight
//! loops that give the same bits as stepping (the reasons are at each loop), and steps only
//! the bars where an order is attempted. The metrics of the returns are computed afterwards,
//! several columns at a time ([`return_metrics`](super::metrics::return_metrics)).

use super::config::BacktestConfig;
use super::rules::Signals;
use super::tolerance::{add, is_close, is_less};

/// The smallest order vectorbt fills (`min_size`).
const MIN_SIZE: f64 = 1e-8;

/// The side of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// A buy with all the cash.
    Buy,
    /// A sale of the whole position.
    Sell,
}

/// A filled order: the bar's close was valid and the order was not rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Order {
    /// Buy or sell.
    pub side: Side,
    /// Units bought or sold.
    pub size: f64,
    /// The fill price: the bar's close.
    pub price: f64,
    /// The fee paid, in cash.
    pub fees: f64,
}

/// vectorbt's `get_return_nb`: the return from `previous` to `current` value.
#[inline]
pub(super) fn get_return(previous: f64, current: f64) -> f64 {
    if previous == 0.0 {
        if current == 0.0 {
            return 0.0;
        }
        // `np.inf * np.sign(current)`, NaN for a NaN value.
        return if current > 0.0 {
            f64::INFINITY
        } else if current < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::NAN
        };
    }
    let r = (current - previous) / previous;
    if previous < 0.0 {
        -r
    } else {
        r
    }
}

/// What a column's orders say, besides its returns: the order half of [`ColumnMetrics`](super::ColumnMetrics).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OrderMetrics {
    pub(crate) total_return: f64,
    pub(crate) trades: usize,
    pub(crate) closed_trades: usize,
}

/// The state of one column's simulation after some bars.
#[derive(Debug)]
pub(crate) struct Simulation<'a> {
    close: &'a [f64],
    fees: f64,
    init_cash: f64,
    /// The simulator's cash, which its orders spend (PIPELINE.md 4).
    cash: f64,
    /// The cash rebuilt from the order flows (PIPELINE.md 5.3), which the value counts: equal
    /// to `cash` but for fees within 1e-9 of 100 %, where `add` snaps the two differently.
    pub(crate) book_cash: f64,
    pub(crate) position: f64,
    /// The last valid close (`fclose`, PIPELINE.md 5.1) up to the last bar stepped or held: what
    /// a position is valued at. Flat runs, whose value does not read it, leave it behind; a
    /// position is bought at a valid close, so the back-fill of leading NaN never matters.
    last_close: f64,
    /// The value after the last bar.
    pub(crate) value: f64,
    /// The order flow's cash and units (PIPELINE.md 6.2).
    flow_cash: f64,
    flow_units: f64,
    buys: usize,
    sells: usize,
}

impl<'a> Simulation<'a> {
    pub(crate) fn new(close: &'a [f64], config: &BacktestConfig) -> Self {
        Simulation {
            close,
            fees: config.fees(),
            init_cash: config.init_cash(),
            cash: config.init_cash(),
            book_cash: config.init_cash(),
            position: 0.0,
            last_close: f64::NAN,
            value: config.init_cash(),
            flow_cash: 0.0,
            flow_units: 0.0,
            buys: 0,
            sells: 0,
        }
    }

    /// Processes `bar` with its signals, every rule literally; writes its return to
    /// `returns[bar]` and returns the order filled, if any.
    pub(crate) fn step(
        &mut self,
        bar: usize,
        entry: bool,
        exit: bool,
        returns: &mut [f64],
    ) -> Option<Order> {
        let filled = self.order(bar, entry, exit);
        returns[bar] = self.value_bar(bar);
        filled
    }

    /// The order half of [`step`](Simulation::step): the order `bar`'s signals attempt, if
    /// any, and its fill. It reads and writes only the cash, the position and the order
    /// flow, never the value: so the lane engine applies it as soon as it knows the bar of
    /// the next attempt, ahead of the bars before it, which do not touch those.
    pub(super) fn order(&mut self, bar: usize, entry: bool, exit: bool) -> Option<Order> {
        // 4.1: the conflict cancels both; long only, no pyramiding.
        let side = if entry && exit {
            None
        } else if self.position > 0.0 && exit {
            Some(Side::Sell)
        } else if self.position == 0.0 && entry {
            Some(Side::Buy)
        } else {
            None
        };
        let side = side?;
        // 4.2: kept even if the order does not fill.
        if is_close(self.cash, 0.0) {
            self.cash = 0.0;
        }
        if is_close(self.position, 0.0) {
            self.position = 0.0;
        }
        // 4.3: a NaN close ignores the order; the signals decide again next bar.
        let close = self.close[bar];
        if close.is_nan() {
            return None;
        }
        match side {
            Side::Buy => self.buy(close),
            Side::Sell => self.sell(close),
        }
    }

    /// The value half of [`step`](Simulation::step): the bar's value after its order and
    /// the return to it.
    #[inline]
    fn value_bar(&mut self, bar: usize) -> f64 {
        let close = self.close[bar];
        if !close.is_nan() {
            self.last_close = close;
        }
        let held = if self.position == 0.0 {
            0.0
        } else {
            self.last_close * self.position
        };
        let value = self.book_cash + held;
        let r = get_return(self.value, value);
        self.value = value;
        r
    }

    /// 4.4: all the cash, the fee included in it.
    fn buy(&mut self, price: f64) -> Option<Order> {
        let cash = self.cash;
        if cash == 0.0 {
            return None;
        }
        let spendable = add(cash, -0.0) / (1.0 + self.fees);
        let size = spendable / price;
        let fees = cash - spendable;
        if is_less(size, MIN_SIZE) {
            return None;
        }
        self.cash = add(cash, -cash);
        self.book_cash = add(self.book_cash, add(0.0, (-size) * price - fees));
        self.position = add(self.position, size);
        self.flow_units = add(self.flow_units, size);
        self.flow_cash = add(self.flow_cash, -(size * price + fees));
        self.buys += 1;
        Some(Order {
            side: Side::Buy,
            size,
            price,
            fees,
        })
    }

    /// 4.5: the whole position.
    fn sell(&mut self, price: f64) -> Option<Order> {
        let size = self.position;
        if size == 0.0 || is_close(size, 0.0) || is_less(size, MIN_SIZE) {
            return None;
        }
        let proceeds = size * price;
        let fees = proceeds * self.fees + 0.0;
        self.cash += add(proceeds, -fees);
        self.book_cash = add(self.book_cash, add(0.0, proceeds - fees));
        self.position = add(self.position, -size);
        self.flow_units = add(self.flow_units, -size);
        self.flow_cash = add(self.flow_cash, proceeds - fees);
        self.sells += 1;
        Some(Order {
            side: Side::Sell,
            size,
            price,
            fees,
        })
    }

    /// Bars `bars` of a flat column without a buy signal: the value stays the cash, so every
    /// return is `get_return(v, v)`, which is exactly 0.0 for the finite non-zero cash of every
    /// real column. Anything else is stepped.
    fn flat_run(&mut self, bars: std::ops::Range<usize>, returns: &mut [f64]) {
        if bars.is_empty() {
            return;
        }
        let value = self.book_cash + 0.0;
        let quiet = value == self.value && get_return(value, value) == 0.0;
        if !quiet {
            return self.step_run(bars, returns);
        }
        returns[bars].fill(0.0);
        // `last_close` is not advanced: a flat column's value does not read it, and the total
        // return reads the series' own last valid close.
    }

    /// Bars `bars` of a column holding a position, without a sell signal: the cash and the
    /// position stay, the value follows the close.
    ///
    /// Where every close from the bar before the run is valid and every value positive, each
    /// bar's value is `cash + close * position` (the forward fill has nothing to fill) and its
    /// return `(value - previous) / previous` (`get_return`'s other cases do not arise):
    /// independent bars, so the returns are computed in a loop the compiler vectorises,
    /// divisions included. Anything else is stepped.
    fn position_run(&mut self, bars: std::ops::Range<usize>, returns: &mut [f64]) {
        if bars.is_empty() {
            return;
        }
        let (cash, position) = (self.book_cash, self.position);
        // A run follows the stepped bar that bought, or that did not sell: its value is the
        // first bar's previous value, unless its close was NaN (then `regular` is false).
        let Some(before_run) = bars.start.checked_sub(1) else {
            return self.step_run(bars, returns);
        };
        let closes = &self.close[before_run..bars.end];
        let regular = cash + closes[0] * position == self.value
            && position_returns(cash, position, closes, &mut returns[bars.clone()]);
        if !regular {
            return self.step_run(bars, returns);
        }
        self.last_close = closes[closes.len() - 1];
        self.value = cash + self.last_close * position;
    }

    /// Steps every bar of a run without an order attempt.
    fn step_run(&mut self, bars: std::ops::Range<usize>, returns: &mut [f64]) {
        for bar in bars {
            // No attempt: whatever the signals, no order (a run ends before an attempt).
            self.step(bar, false, false, returns);
        }
    }

    /// The order metrics after the last bar.
    pub(crate) fn finish(&self) -> OrderMetrics {
        let total_return = if self.buys + self.sells == 0 {
            0.0
        } else {
            // `fclose[n - 1]`: orders filled, so some close is valid.
            let last_close = self.close.iter().rev().find(|c| !c.is_nan()).copied();
            let last_close = last_close.unwrap_or(f64::NAN);
            (self.flow_cash + self.flow_units * last_close) / self.init_cash
        };
        let open = usize::from(self.position > 0.0);
        OrderMetrics {
            total_return,
            trades: self.sells + open,
            closed_trades: self.sells,
        }
    }
}

/// The returns of a position run, `returns[k]` from `closes[k]` to `closes[k + 1]` with the
/// value `cash + close * position`; whether every one was regular (a positive value before
/// it, a finite return), as [`Simulation::position_run`] needs. Compiled for the CPU at hand:
/// the loop is independent bars, four divisions per instruction with AVX2 instead of two.
fn position_returns(cash: f64, position: f64, closes: &[f64], returns: &mut [f64]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the one precondition of an AVX2 function is a CPU with AVX2, just checked.
        return unsafe { avx2::position_returns(cash, position, closes, returns) };
    }
    position_returns_each(cash, position, closes, returns)
}

#[inline(always)]
fn position_returns_each(cash: f64, position: f64, closes: &[f64], returns: &mut [f64]) -> bool {
    let mut regular = true;
    for ((r, &previous), &close) in returns.iter_mut().zip(closes).zip(&closes[1..]) {
        let before = cash + previous * position;
        let value = cash + close * position;
        *r = (value - before) / before;
        // `&`, not `&&`: no branch, so the loop vectorises.
        regular &= (before > 0.0) & r.is_finite();
    }
    regular
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    /// [`position_returns_each`](super::position_returns_each), the same operations on
    /// wider vectors (no FMA is enabled: every product is rounded before its sum).
    #[target_feature(enable = "avx2")]
    pub(super) fn position_returns(
        cash: f64,
        position: f64,
        closes: &[f64],
        returns: &mut [f64],
    ) -> bool {
        super::position_returns_each(cash, position, closes, returns)
    }
}

/// Simulates one column over `close` with `signals`, writing every bar's return into
/// `returns` (one per bar), and returns its order metrics.
pub(crate) fn simulate<S: Signals>(
    close: &[f64],
    signals: &S,
    config: &BacktestConfig,
    returns: &mut [f64],
) -> OrderMetrics {
    let bars = close.len();
    let returns = &mut returns[..bars];
    let mut sim = Simulation::new(close, config);
    let warm_up = signals.first_signal(bars);
    sim.flat_run(0..warm_up, returns);
    let mut bar = warm_up;
    while bar < bars {
        // The signals of the bar that ends a run are known from the search.
        let (attempt, entry, exit) = if sim.position == 0.0 {
            let buy = signals.next_entry(bar, bars);
            sim.flat_run(bar..buy, returns);
            (buy, true, false)
        } else if sim.position > 0.0 {
            let sell = signals.next_exit(bar, bars);
            sim.position_run(bar..sell, returns);
            (sell, false, true)
        } else {
            // A NaN position (an overflowing order size): nothing is quiet, step every bar.
            let (entry, exit) = signals.signals(bar);
            (bar, entry, exit)
        };
        if attempt < bars {
            sim.step(attempt, entry, exit, returns);
        }
        bar = attempt + 1;
    }
    sim.finish()
}

#[cfg(test)]
mod tests {
    use super::{position_returns, position_returns_each};
    use proptest::prelude::*;

    proptest! {
        /// The dispatched loop (AVX2 where the CPU has it) gives the scalar loop's bits.
        #[test]
        fn position_returns_are_the_same_bits_on_every_path(
            closes in prop::collection::vec(prop_oneof![
                8 => 0.5f64..200.0, 1 => Just(f64::NAN), 1 => Just(0.0), 1 => -5.0f64..5.0,
            ], 1..80),
            cash in prop_oneof![Just(0.0), 0.0f64..50.0],
            position in 0.0f64..10.0,
        ) {
            let n = closes.len() - 1;
            let (mut fast, mut slow) = (vec![0.0; n], vec![0.0; n]);
            let regular = position_returns(cash, position, &closes, &mut fast);
            prop_assert_eq!(regular, position_returns_each(cash, position, &closes, &mut slow));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&fast), bits(&slow));
        }
    }
}
