//! SuperTrend's signals (`docs/PIPELINE.md` section 3): levels shifted by one bar, an entry
//! where the previous bar's long band is a value, an exit where its short band is; read from
//! the leanest outputs that decide them.

use super::band_gaps::BandGaps;
use super::rules::{first_equal, SignalRule, Signals, Strategy};
use crate::error::Result;
use crate::factory::{ColumnView, OutputSet};
use crate::prices::Prices;
use crate::supertrend::{SuperTrend, Variant, SUPERD, SUPERT};

/// The rule of the SuperTrend pipeline: the entry signal of a bar is that the previous bar's
/// long band (`superl`) is a value, its exit signal that the short band (`supers`) is
/// (vectorbt's `(~superl.isnull()).vbt.signals.fshift()`). Levels, not edges: an entry is
/// signalled on every bar of an uptrend.
///
/// It computes SuperTrend in its leanest form, the directions alone, where the bands' gaps
/// follow from the prices (the default variant, every price NaN or finite below `1e300` in
/// magnitude); otherwise the line too, whose NaN marks the missing bands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SuperTrendSignals;

/// What [`SuperTrendSignals`] reads, decided from the prices.
#[derive(Debug)]
pub struct SuperTrendPlan(Reading);

#[derive(Debug)]
enum Reading {
    /// The directions, and where each symbol's bands are missing.
    Directions(Vec<BandGaps>),
    /// The line and the direction.
    Lines,
}

impl SignalRule<SuperTrend> for SuperTrendSignals {
    type Plan = SuperTrendPlan;
    type Scratch = ();

    fn plan(
        &self,
        indicator: &SuperTrend,
        prices: &Prices<'_>,
    ) -> Result<(SuperTrendPlan, OutputSet)> {
        let gaps = match indicator.variant() {
            Variant::Vectorbt => BandGaps::of(prices),
            _ => None,
        };
        Ok(match gaps {
            Some(gaps) => (
                SuperTrendPlan(Reading::Directions(gaps)),
                OutputSet::NONE.with(SUPERD),
            ),
            None => (
                SuperTrendPlan(Reading::Lines),
                OutputSet::NONE.with(SUPERT).with(SUPERD),
            ),
        })
    }

    fn scratch(&self, _bars: usize) {}

    fn signals<'a>(
        &'a self,
        plan: &'a SuperTrendPlan,
        column: ColumnView<'a, (usize, f64)>,
        _scratch: &'a mut (),
    ) -> impl Signals + 'a {
        let superd = column.get_at(SUPERD).expect("the direction is selected");
        match &plan.0 {
            Reading::Directions(gaps) => {
                let gaps = &gaps[column.key.symbol];
                SuperTrendColumn::Directions(DirectionGaps {
                    superd,
                    first_atr: gaps.first_atr(column.key.params.0),
                    missing_mid: gaps.missing_mid(),
                })
            }
            Reading::Lines => SuperTrendColumn::Lines(LineDirection {
                supert: column.get_at(SUPERT).expect("the line is selected"),
                superd,
            }),
        }
    }
}

impl Strategy for SuperTrend {
    type Indicator = SuperTrend;
    type Rule = SuperTrendSignals;

    fn indicator(&self) -> &SuperTrend {
        self
    }

    fn rule(&self) -> &SuperTrendSignals {
        &SuperTrendSignals
    }
}

/// One column's bands: whether a bar's long band and short band are values (not NaN).
trait Bands {
    /// `superl[bar]` is not NaN.
    fn long(&self, bar: usize) -> bool;
    /// `supers[bar]` is not NaN.
    fn short(&self, bar: usize) -> bool;
}

/// A bar's signals: the previous bar's bands (both false at bar 0).
#[inline]
fn shifted<B: Bands>(bands: &B, bar: usize) -> (bool, bool) {
    match bar.checked_sub(1) {
        Some(previous) => (bands.long(previous), bands.short(previous)),
        None => (false, false),
    }
}

/// One column's signals, from whichever outputs the plan chose.
#[derive(Debug, Clone, Copy)]
enum SuperTrendColumn<'a> {
    Directions(DirectionGaps<'a>),
    Lines(LineDirection<'a>),
}

impl Signals for SuperTrendColumn<'_> {
    #[inline]
    fn signals(&self, bar: usize) -> (bool, bool) {
        match self {
            SuperTrendColumn::Directions(d) => shifted(d, bar),
            SuperTrendColumn::Lines(l) => shifted(l, bar),
        }
    }

    #[inline]
    fn next_entry(&self, from: usize, end: usize) -> usize {
        match self {
            SuperTrendColumn::Directions(d) => {
                next_after(d.superd, |b| d.has_bands(b), 1, from, end)
            }
            SuperTrendColumn::Lines(l) => {
                next_after(l.superd, |b| !l.supert[b].is_nan(), 1, from, end)
            }
        }
    }

    #[inline]
    fn next_exit(&self, from: usize, end: usize) -> usize {
        match self {
            SuperTrendColumn::Directions(d) => {
                next_after(d.superd, |b| d.has_bands(b), -1, from, end)
            }
            SuperTrendColumn::Lines(l) => {
                next_after(l.superd, |b| !l.supert[b].is_nan(), -1, from, end)
            }
        }
    }

    #[inline]
    fn first_signal(&self, bars: usize) -> usize {
        let first_band = match self {
            SuperTrendColumn::Directions(d) => (d.first_atr..bars).find(|&bar| d.has_bands(bar)),
            // The first line value is the first band, long or short.
            SuperTrendColumn::Lines(l) => l.supert[..bars].iter().position(|x| !x.is_nan()),
        };
        first_band.map_or(bars, |bar| bar + 1)
    }
}

/// The bands from the line and the direction: `superl` is the line where the direction is up,
/// `supers` where it is down, so this reads 9 bytes a bar instead of 16.
#[derive(Debug, Clone, Copy)]
struct LineDirection<'a> {
    supert: &'a [f64],
    superd: &'a [i8],
}

impl Bands for LineDirection<'_> {
    #[inline]
    fn long(&self, bar: usize) -> bool {
        self.superd[bar] > 0 && !self.supert[bar].is_nan()
    }

    #[inline]
    fn short(&self, bar: usize) -> bool {
        self.superd[bar] < 0 && !self.supert[bar].is_nan()
    }
}

/// The bands from the direction and where the default SuperTrend has bands
/// ([`BandGaps`]): the long band is a value where the direction is up and the bar has bands,
/// the short band where it is down. Reads 1 byte a bar.
#[derive(Debug, Clone, Copy)]
struct DirectionGaps<'a> {
    superd: &'a [i8],
    /// The first bar with an ATR.
    first_atr: usize,
    /// Bars without a midpoint, if any.
    missing_mid: Option<&'a [bool]>,
}

impl DirectionGaps<'_> {
    #[inline]
    fn has_bands(&self, bar: usize) -> bool {
        bar >= self.first_atr && !self.missing_mid.is_some_and(|missing| missing[bar])
    }
}

impl Bands for DirectionGaps<'_> {
    #[inline]
    fn long(&self, bar: usize) -> bool {
        self.superd[bar] > 0 && self.has_bands(bar)
    }

    #[inline]
    fn short(&self, bar: usize) -> bool {
        self.superd[bar] < 0 && self.has_bands(bar)
    }
}

/// The first bar in `from..end` whose previous bar has direction `direction` and bands
/// (`has_bands`), or `end`. A direction is +1 or -1, so a bar is never both long and short:
/// such a bar's signals are an entry alone or an exit alone. The directions are scanned eight
/// bytes at a time; the bands are looked at only where the direction matches: runs between
/// flips are long.
#[inline]
fn next_after(
    superd: &[i8],
    has_bands: impl Fn(usize) -> bool,
    direction: i8,
    from: usize,
    end: usize,
) -> usize {
    let mut previous = from.max(1) - 1;
    let last = end.saturating_sub(1);
    while previous < last {
        previous += first_equal(&superd[previous..last], direction);
        if previous == last {
            return end;
        }
        if has_bands(previous) {
            return previous + 1;
        }
        previous += 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supertrend::{supertrend, SuperTrendParams};
    use proptest::prelude::*;

    /// The bands as the `superl` and `supers` series: the definition.
    struct LongShort<'a> {
        superl: &'a [f64],
        supers: &'a [f64],
    }

    impl Bands for LongShort<'_> {
        fn long(&self, bar: usize) -> bool {
            !self.superl[bar].is_nan()
        }

        fn short(&self, bar: usize) -> bool {
            !self.supers[bar].is_nan()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Both lean readings give the definition's signals at every bar, and their searches
        /// find the definition's next entry and exit.
        #[test]
        fn lean_readings_give_the_signals_of_the_bands(
            moves in prop::collection::vec((-0.05f64..0.05, 0u8..25), 0..200),
            period in 1usize..12,
            multiplier in prop_oneof![Just(0.0), 0.5f64..4.0],
            from in 0usize..210,
        ) {
            let (mut high, mut low, mut close) = (vec![], vec![], vec![]);
            let mut price = 100.0;
            for (step, kind) in moves {
                price *= 1.0 + step;
                let (h, l) = (price * 1.01, price * 0.99);
                high.push(if kind == 0 { f64::NAN } else { h });
                low.push(if kind == 1 { f64::NAN } else { l });
                close.push(if kind == 2 { f64::NAN } else { price });
            }
            let bars = close.len();
            let st = supertrend(&high, &low, &close, SuperTrendParams::new(period, multiplier).unwrap()).unwrap();
            let prices = Prices::single(&high, &low, &close).unwrap();
            let gaps = BandGaps::of(&prices).unwrap();
            let reference = LongShort { superl: &st.superl, supers: &st.supers };
            let lean = [
                SuperTrendColumn::Lines(LineDirection { supert: &st.supert, superd: &st.superd }),
                SuperTrendColumn::Directions(DirectionGaps {
                    superd: &st.superd,
                    first_atr: gaps[0].first_atr(period),
                    missing_mid: gaps[0].missing_mid(),
                }),
            ];
            for column in lean {
                for bar in 0..bars {
                    prop_assert_eq!(column.signals(bar), shifted(&reference, bar));
                }
                let first = column.first_signal(bars);
                prop_assert!((0..first.min(bars)).all(|b| shifted(&reference, b) == (false, false)));
                let from = from.min(bars);
                let entry = (from..bars).find(|&b| shifted(&reference, b) == (true, false)).unwrap_or(bars);
                let exit = (from..bars).find(|&b| shifted(&reference, b) == (false, true)).unwrap_or(bars);
                prop_assert_eq!(column.next_entry(from, bars), entry);
                prop_assert_eq!(column.next_exit(from, bars), exit);
            }
        }
    }
}
