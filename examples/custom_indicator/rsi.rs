//! Wilder's relative strength index as an [`Indicator`] of one's own, written only against
//! `ta_sweep`'s public API: the crate does not ship an RSI.
//!
//! # Definition
//! For a period `p >= 1`, bar by bar over the closes:
//! - the change of bar `i` is `close[i] - close[i - 1]`; its gain is the change if positive,
//!   else 0, its loss minus the change if negative, else 0. Bar 0 has no change.
//! - Once `p` changes have been seen, the average gain and loss are their simple means
//!   (`sum / p`, summed in bar order); on every later bar Wilder's smoothing
//!   `avg = (avg * (p - 1) + x) / p`.
//! - The RSI is `100 * gain / (gain + loss)` of the averages (`100 - 100 / (1 + RS)` without
//!   its division by a zero loss), 50 when both are 0 (a flat series). NaN before that.
//! - A NaN close is a missing bar: the changes into and out of it are missing, the RSI is NaN
//!   there, and the averages start again from the next `p` valid changes.
//!
//! With clean data the first value is at bar `p`. Every column equals the naive per-column
//! loop of `tests/example_custom_indicator.rs` bit for bit.

use ta_sweep::{Column, Error, Indicator, Inputs, OutputSpec, Result, SymbolPrices};

/// The RSI: parameters one period (`usize`), one `f64` output named `rsi`, closes only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rsi;

/// What every column of one symbol reuses: the gain and loss of every bar, NaN where the bar
/// has no change.
#[derive(Debug, Clone)]
pub struct Changes {
    pub gain: Vec<f64>,
    pub loss: Vec<f64>,
}

impl Changes {
    pub fn new(close: &[f64]) -> Self {
        let mut changes = Changes {
            gain: Vec::with_capacity(close.len()),
            loss: Vec::with_capacity(close.len()),
        };
        for (i, &c) in close.iter().enumerate() {
            let change = if i == 0 { f64::NAN } else { c - close[i - 1] };
            let (gain, loss) = match change {
                c if c.is_nan() => (f64::NAN, f64::NAN),
                c if c > 0.0 => (c, 0.0),
                c if c < 0.0 => (0.0, -c),
                _ => (0.0, 0.0),
            };
            changes.gain.push(gain);
            changes.loss.push(loss);
        }
        changes
    }
}

/// `100 * gain / (gain + loss)`, 50 for a flat series.
pub fn rsi_value(gain: f64, loss: f64) -> f64 {
    let total = gain + loss;
    if total == 0.0 {
        50.0
    } else {
        100.0 * gain / total
    }
}

/// The RSI of `period` of every bar into `out`, from the symbol's changes.
pub fn rsi_into(changes: &Changes, period: usize, out: &mut [f64]) {
    let p = period as f64;
    let (mut seen, mut gain, mut loss) = (0usize, 0.0, 0.0);
    for ((value, &g), &l) in out.iter_mut().zip(&changes.gain).zip(&changes.loss) {
        *value = f64::NAN;
        if g.is_nan() {
            (seen, gain, loss) = (0, 0.0, 0.0);
            continue;
        }
        if seen < period {
            // Sums while warming up, turned into the seed means on the `period`-th change.
            (gain, loss, seen) = (gain + g, loss + l, seen + 1);
            if seen < period {
                continue;
            }
            (gain, loss) = (gain / p, loss / p);
        } else {
            gain = (gain * (p - 1.0) + g) / p;
            loss = (loss * (p - 1.0) + l) / p;
        }
        *value = rsi_value(gain, loss);
    }
}

impl Indicator for Rsi {
    type Params = usize;
    type Shared = Changes;
    type Scratch = ();
    type State = ();

    fn outputs(&self) -> &[OutputSpec] {
        static OUTPUTS: [OutputSpec; 1] = [OutputSpec::f64("rsi")];
        &OUTPUTS
    }

    fn inputs(&self) -> Inputs {
        Inputs::Close
    }

    fn check(&self, &period: &usize) -> Result<()> {
        if period == 0 {
            return Err(Error::InvalidParams {
                params: format!("period{period}"),
                reason: "an RSI period must be at least 1".into(),
            });
        }
        Ok(())
    }

    fn share(&self, prices: &SymbolPrices<'_>) -> Changes {
        Changes::new(prices.close())
    }

    fn scratch(&self, _bars: usize) {}

    fn run_batch(
        &self,
        _prices: &SymbolPrices<'_>,
        changes: &Changes,
        _scratch: &mut (),
        periods: &[usize],
        columns: &mut [Column<'_, ()>],
    ) {
        for (&period, column) in periods.iter().zip(columns) {
            if let Some(out) = column.take::<f64>(0) {
                rsi_into(changes, period, out);
            }
        }
    }
}
