//! The average true range as an indicator of its own: Wilder's (pandas' `ewm`, the
//! default) or the seeded ATR of TradingView and TA-Lib, over grids of periods.
//!
//! The single-series layers are [`true_range`](crate::true_range),
//! [`WilderAtr`](crate::WilderAtr) and [`wilder_atr_into`](crate::wilder_atr_into); the
//! definitions are in the crate's `docs/SEMANTICS.md` and `docs/VARIANTS.md`.

use crate::error::Result;
use crate::factory::{Bar, BarOutputs, Column, Indicator, Streaming};
use crate::kernel::atr::{validate_period, wilder_atr_unchecked, AtrState as Recursion, SeededAtr};
use crate::kernel::series::seeded_atr_into;
use crate::kernel::variant::{true_range_series, Variant};
use crate::prices::SymbolPrices;
use crate::schema::OutputSpec;

/// The output of [`Atr`].
static OUTPUTS: [OutputSpec; 1] = [OutputSpec::f64("atr")];

/// The average true range under one [`Variant`]'s rules, as the factory sweeps it: grid rows
/// are periods (`usize`), the one output is `atr` (`f64`). It is SuperTrend's ATR, bit for
/// bit: NaN until `period` true ranges have been seen (the default variant's true range of bar
/// 0 is NaN, so its first ATR is at bar `period`).
///
/// A sweep computes the true range once per symbol.
///
/// # Example
/// ```
/// use ta_sweep::{atr::Atr, true_range_into, wilder_atr_into, Grid, Prices, Sweep};
///
/// let (high, low, close) = ([10.0, 10.5, 10.4, 10.9], [9.0, 9.6, 9.7, 10.1], [9.5, 10.2, 10.0, 10.8]);
/// let prices = Prices::single(&high, &low, &close)?;
/// let out = Sweep::new(Atr::default(), &prices, &Grid::axis(&["period"], &[1, 2])?).run()?;
/// let (mut tr, mut expected) = ([0.0; 4], [0.0; 4]);
/// true_range_into(&high, &low, &close, &mut tr)?;
/// wilder_atr_into(&tr, 2, &mut expected)?;
/// let column = out.get::<f64>("atr").unwrap().column(1).to_vec();
/// assert!(column.iter().zip(expected).all(|(a, b)| a.to_bits() == b.to_bits()));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Atr {
    variant: Variant,
}

impl Atr {
    /// The ATR of `variant`.
    pub fn new(variant: Variant) -> Self {
        Atr { variant }
    }

    /// The variant's rules.
    pub fn variant(&self) -> Variant {
        self.variant
    }
}

/// The streaming state of one ATR: the previous close and the average.
#[derive(Debug, Clone, Copy)]
pub struct AtrState {
    variant: Variant,
    prev_close: f64,
    atr: Recursion,
}

impl AtrState {
    /// Advances one bar and returns its ATR.
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        let tr = self.variant.true_range(high, low, self.prev_close);
        self.prev_close = close;
        self.atr.update(tr).0
    }

    /// The ATR after the last bar.
    pub fn value(&self) -> f64 {
        self.atr.value()
    }
}

impl Indicator for Atr {
    type Params = usize;
    /// The true range of every bar.
    type Shared = Vec<f64>;
    type Scratch = ();
    type State = AtrState;

    fn outputs(&self) -> &[OutputSpec] {
        &OUTPUTS
    }

    fn check(&self, &period: &usize) -> Result<()> {
        validate_period(period)
    }

    fn share(&self, prices: &SymbolPrices<'_>) -> Vec<f64> {
        true_range_series(self.variant, prices.high(), prices.low(), prices.close())
    }

    fn scratch(&self, _bars: usize) {}

    fn run_batch(
        &self,
        prices: &SymbolPrices<'_>,
        true_range: &Vec<f64>,
        _scratch: &mut (),
        periods: &[usize],
        columns: &mut [Column<'_, AtrState>],
    ) {
        let mut spare = Vec::new();
        for (&period, column) in periods.iter().zip(columns) {
            let out = match column.take::<f64>(0) {
                Some(out) => out,
                None => {
                    spare.resize(true_range.len(), 0.0);
                    &mut spare[..]
                }
            };
            let atr = match self.variant {
                Variant::Vectorbt => {
                    Recursion::Wilder(wilder_atr_unchecked(true_range, period, out))
                }
                Variant::TradingView | Variant::TaLib => {
                    let mut seeded = if self.variant == Variant::TaLib {
                        SeededAtr::talib(period)
                    } else {
                        SeededAtr::tradingview(period)
                    };
                    seeded_atr_into(&mut seeded, true_range, out);
                    Recursion::Seeded(seeded)
                }
            };
            column.set_state(AtrState {
                variant: self.variant,
                prev_close: prices.close().last().copied().unwrap_or(f64::NAN),
                atr,
            });
        }
    }
}

impl Streaming for Atr {
    fn state(&self, &period: &usize) -> AtrState {
        AtrState {
            variant: self.variant,
            prev_close: f64::NAN,
            atr: Recursion::new(period, self.variant),
        }
    }

    fn update(&self, state: &mut AtrState, bar: Bar, out: &mut BarOutputs<'_>) {
        out.set(0, state.update(bar.high, bar.low, bar.close));
    }
}
