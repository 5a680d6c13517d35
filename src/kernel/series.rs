//! One series in one pass, as fast as its dependency chains allow.
//!
//! Per bar, SuperTrend carries two recursions: the ATR (a multiply and an add that depend on
//! the previous bar: 6 cycles of latency that nothing can shorten without changing bits) and
//! the bands (compares and selects on the previous bands). Written as scalar code, the band
//! selects become branches that mispredict on real data. Here the true range and midpoint are
//! computed first in a vectorisable pass, and the band step runs branch-free in a vector
//! register, so both chains overlap in one loop: about twice as fast as the scalar loop
//! (`benches/kernel.rs`, figures in the README). The arithmetic is that of
//! [`SeriesState::update`], operation for operation, so every bar has the same bits.

use super::atr::{AtrState, SeededAtr};
use super::bands::{midpoint, BandState, SuperTrendBar, SuperTrendSlices};
use super::variant::Variant;

/// The state of one series' recursion: the previous close, the ATR and the bands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeriesState {
    pub(crate) variant: Variant,
    pub(crate) prev_close: f64,
    pub(crate) atr: AtrState,
    pub(crate) bands: BandState,
}

impl SeriesState {
    /// Before the first bar, for a valid period and multiplier.
    pub(crate) fn new(period: usize, multiplier: f64, variant: Variant) -> Self {
        SeriesState {
            variant,
            prev_close: f64::NAN,
            atr: AtrState::new(period, variant),
            bands: BandState::with_direction(multiplier, variant.seed_direction()),
        }
    }

    /// Advances one bar and returns its four outputs: the reference arithmetic.
    #[inline]
    pub(crate) fn update(&mut self, high: f64, low: f64, close: f64) -> SuperTrendBar {
        let tr = self.variant.true_range(high, low, self.prev_close);
        let mid = midpoint(high, low);
        let bar = match &mut self.atr {
            AtrState::Wilder(atr) => {
                let atr = atr.update(tr);
                self.bands.update(mid, close, atr)
            }
            AtrState::Seeded(atr) => {
                let (atr, seed) = atr.update(tr);
                self.bands
                    .update_gated(mid, close, self.prev_close, atr, seed)
            }
        };
        self.prev_close = close;
        bar
    }
}

/// Advances `state` over the bars, writing every output: the same as calling
/// [`SeriesState::update`] for each bar. All slices have the same length.
pub(crate) fn run_series(
    state: &mut SeriesState,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut SuperTrendSlices<'_>,
) {
    match &mut state.atr {
        AtrState::Wilder(atr) => {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                let (prev_close, bands) = (&mut state.prev_close, &mut state.bands);
                // SAFETY: the one precondition of `avx2::run_series` is a CPU with AVX2, just
                // checked.
                unsafe { avx2::run_series(prev_close, atr, bands, high, low, close, out) };
                return;
            }
        }
        AtrState::Seeded(_) => {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the one precondition of `fma::update_each` is a CPU with FMA, just
                // checked.
                unsafe { fma::update_each(state, high, low, close, out) };
                return;
            }
        }
    }
    update_each(state, high, low, close, out);
}

/// Writes the seeded ATR of the true ranges `tr` into `out`, continuing from `atr`; returns
/// the seed bar (the first with an ATR) if it is among these bars.
pub(crate) fn seeded_atr_into(atr: &mut SeededAtr, tr: &[f64], out: &mut [f64]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the one precondition of `fma::seeded_atr_into` is a CPU with FMA, just
        // checked.
        return unsafe { fma::seeded_atr_into(atr, tr, out) };
    }
    seeded_atr_each(atr, tr, out)
}

#[inline(always)]
fn seeded_atr_each(atr: &mut SeededAtr, tr: &[f64], out: &mut [f64]) -> Option<usize> {
    let mut seed = None;
    for (i, (value, &range)) in out.iter_mut().zip(tr).enumerate() {
        let (next, is_seed) = atr.update(range);
        *value = next;
        if is_seed {
            seed = Some(i);
        }
    }
    seed
}

/// The reference: one [`SeriesState::update`] per bar.
#[inline(always)]
fn update_each(
    state: &mut SeriesState,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut SuperTrendSlices<'_>,
) {
    for i in 0..close.len() {
        out.set(i, state.update(high[i], low[i], close[i]));
    }
}

/// The seeded variants' loops compiled with FMA: TA-Lib's ATR step is one `mul_add`, a single
/// instruction here instead of a call into libm. Nothing else changes, because Rust never
/// contracts a separate multiply and add into one.
#[cfg(target_arch = "x86_64")]
mod fma {
    use crate::kernel::atr::SeededAtr;
    use crate::kernel::bands::SuperTrendSlices;
    use crate::kernel::series::SeriesState;

    #[target_feature(enable = "fma")]
    pub(super) fn seeded_atr_into(
        atr: &mut SeededAtr,
        tr: &[f64],
        out: &mut [f64],
    ) -> Option<usize> {
        super::seeded_atr_each(atr, tr, out)
    }

    #[target_feature(enable = "fma")]
    pub(super) fn update_each(
        state: &mut SeriesState,
        high: &[f64],
        low: &[f64],
        close: &[f64],
        out: &mut SuperTrendSlices<'_>,
    ) {
        super::update_each(state, high, low, close, out);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use crate::kernel::atr::WilderAtr;
    use crate::kernel::bands::{midpoint, BandState, SuperTrendSlices};
    use crate::kernel::true_range::true_range;

    /// `mask ? if_true : if_false` in the low lane.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn select(mask: __m128d, if_true: __m128d, if_false: __m128d) -> __m128d {
        _mm_blendv_pd(if_false, if_true, mask)
    }

    /// See [`super::run_series`]: the default variant's state, by parts.
    #[target_feature(enable = "avx2")]
    pub(super) fn run_series(
        prev_close: &mut f64,
        atr_state: &mut WilderAtr,
        band_state: &mut BandState,
        high: &[f64],
        low: &[f64],
        close: &[f64],
        out: &mut SuperTrendSlices<'_>,
    ) {
        let bars = close.len();
        let (high, low) = (&high[..bars], &low[..bars]);
        let (supert, superd) = (&mut out.supert[..bars], &mut out.superd[..bars]);
        let (superl, supers) = (&mut out.superl[..bars], &mut out.supers[..bars]);
        if bars == 0 {
            return;
        }
        // First pass, vectorisable: the true range (into `supers`) and the midpoint (into
        // `superl`), each read back by the second pass before it overwrites them.
        supers[0] = true_range(high[0], low[0], *prev_close);
        for i in 1..bars {
            supers[i] = true_range(high[i], low[i], close[i - 1]);
        }
        for ((mid, &h), &l) in superl.iter_mut().zip(high).zip(low) {
            *mid = midpoint(h, l);
        }

        let bands = *band_state;
        let multiplier = _mm_set_sd(bands.multiplier);
        let nan = _mm_set_sd(f64::NAN);
        let mut upper = _mm_set_sd(bands.upper);
        let mut lower = _mm_set_sd(bands.lower);
        let all_ones = _mm_castsi128_pd(_mm_set1_epi64x(-1));
        let mut up = if bands.direction > 0 {
            all_ones
        } else {
            _mm_setzero_pd()
        };
        for i in 0..bars {
            let atr = atr_state.update(supers[i]);
            let band = _mm_mul_sd(multiplier, _mm_set_sd(atr));
            let mid = _mm_set_sd(superl[i]);
            let basic_upper = _mm_add_sd(mid, band);
            let basic_lower = _mm_sub_sd(mid, band);
            let close = _mm_set_sd(close[i]);
            // The step of `BandState::update`, branch-free; see `kernel::lanes` for why the
            // ordered compares and `max_sd`/`min_sd` give exactly its bits.
            let flip_up = _mm_cmpgt_sd(close, upper);
            let flip_down = _mm_cmplt_sd(close, lower);
            let flipped = _mm_or_pd(flip_up, flip_down);
            lower = select(
                _mm_andnot_pd(flipped, up),
                _mm_max_sd(lower, basic_lower),
                basic_lower,
            );
            upper = select(
                _mm_or_pd(flipped, up),
                basic_upper,
                _mm_min_sd(upper, basic_upper),
            );
            up = _mm_or_pd(flip_up, _mm_andnot_pd(flip_down, up));
            supert[i] = _mm_cvtsd_f64(select(up, lower, upper));
            superl[i] = _mm_cvtsd_f64(select(up, lower, nan));
            supers[i] = _mm_cvtsd_f64(select(up, nan, upper));
            superd[i] = if _mm_movemask_pd(up) & 1 != 0 { 1 } else { -1 };
        }
        *prev_close = close[bars - 1];
        let is_up = _mm_movemask_pd(up) & 1 != 0;
        let (upper, lower) = (_mm_cvtsd_f64(upper), _mm_cvtsd_f64(lower));
        *band_state = BandState::from_lane(bands.multiplier, upper, lower, is_up);
    }
}
