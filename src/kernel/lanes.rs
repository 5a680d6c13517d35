//! The band recursion of several multipliers of one period in lock-step, one per SIMD lane.
//!
//! Per column, the recursion is a chain of compares and selects that depends on the previous
//! bar. Scalar code either branches, and mispredicts on real data (the ratchet test is close
//! to a coin flip), or waits on that chain. The columns of one period share their midpoint
//! and ATR and are independent otherwise, so four of them fill an AVX2 vector and run
//! branch-free; the rows a block of bars produces are then transposed into the column-major
//! outputs with full-width stores. The arithmetic is the scalar kernel's, operation for
//! operation (no fused multiply-add, `max`/`min` with the ratchet's exact NaN and signed-zero
//! behaviour), so every lane equals [`bands_into`] bit for bit.

use super::bands::{bands_gated_into, bands_into, BandColumns, BandState};

/// The most columns one call computes.
pub(crate) const LANES: usize = 4;

/// Which band rules the lanes run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BandRules {
    /// The default variant's ([`bands_into`]).
    Default,
    /// The TradingView and TA-Lib variants' ([`bands_gated_into`]): `seed` is the seed bar
    /// (the first with an ATR, shared by every lane), `direction` the seed direction.
    Gated { seed: Option<usize>, direction: i8 },
}

/// How the lanes write their `f64` outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stores {
    /// Ordinary stores, through the cache: for outputs read back soon (a reduction's).
    Cached,
    /// Non-temporal stores where the destination is 16-byte aligned: for outputs the caller
    /// keeps. They skip the read of every line before it is written and leave the cache to
    /// the recursion (reused outputs of the tutorial sweep 1.4 to 1.6 x faster, measured).
    Streaming,
}

/// The band recursion for up to [`LANES`] multipliers over a shared midpoint and ATR:
/// `columns[k]` receives `multipliers[k]`'s outputs and `finals[k]` its final band state, for
/// `k < multipliers.len()`; the other lanes are left alone (give them no outputs).
///
/// Uses AVX2 where the CPU has it (checked at run time, so a plain `cargo build` gets it),
/// and the scalar reference otherwise.
#[allow(clippy::too_many_arguments)] // The inputs, the outputs and how to write them.
pub(crate) fn bands_lanes_into(
    rules: BandRules,
    mid: &[f64],
    close: &[f64],
    atr: &[f64],
    multipliers: &[f64],
    columns: &mut [BandColumns<'_>; LANES],
    finals: &mut [BandState; LANES],
    stores: Stores,
) {
    debug_assert!(!multipliers.is_empty() && multipliers.len() <= LANES);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the one precondition of `avx2::bands_into` is a CPU with AVX2, just checked.
        unsafe { avx2::bands_into(rules, mid, close, atr, multipliers, columns, finals, stores) };
        return;
    }
    // The scalar kernel writes a value at a time: ordinary stores.
    let _ = stores;
    for ((column, &multiplier), last) in columns.iter_mut().zip(multipliers).zip(finals) {
        *last = match rules {
            BandRules::Default => bands_into(mid, close, atr, multiplier, column),
            BandRules::Gated { seed, direction } => {
                bands_gated_into(mid, close, atr, seed, multiplier, direction, column)
            }
        };
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use std::arch::x86_64::*;

    use super::{BandRules, Stores, LANES};
    use crate::kernel::bands::{BandColumns, BandState};

    /// The `f64` outputs of the band recursion.
    #[derive(Clone, Copy)]
    enum Band {
        Line,
        Long,
        Short,
    }

    /// Bars per block: the step writes a block of (bar x lane) rows that stays in L1, then the
    /// emit transposes it into the columns four bars at a time.
    const BLOCK: usize = 64;

    #[inline]
    #[target_feature(enable = "avx2")]
    fn load(row: &[f64; 4]) -> __m256d {
        // SAFETY: `row` refers to four initialised f64, exactly what the unaligned load reads.
        unsafe { _mm256_loadu_pd(row.as_ptr()) }
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn store(destination: &mut [f64], value: __m256d) {
        let destination: &mut [f64; 4] = destination.try_into().expect("four values");
        // SAFETY: `destination` is an exclusive reference to four f64, exactly what the
        // unaligned store writes.
        unsafe { _mm256_storeu_pd(destination.as_mut_ptr(), value) }
    }

    /// [`store`], non-temporal where `destination` is 16-byte aligned. The caller fences
    /// ([`_mm_sfence`]) before the values are read by another thread: non-temporal stores
    /// are not ordered with the others.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn stream(destination: &mut [f64], value: __m256d) {
        let destination: &mut [f64; 4] = destination.try_into().expect("four values");
        let at = destination.as_mut_ptr();
        if !(at as usize).is_multiple_of(16) {
            return store(destination, value);
        }
        // SAFETY: `destination` is an exclusive reference to four f64 at a 16-byte aligned
        // address, so `at` and `at + 2` are aligned and each of the two stores writes two f64
        // inside it.
        unsafe {
            _mm_stream_pd(at, _mm256_castpd256_pd128(value));
            _mm_stream_pd(at.add(2), _mm256_extractf128_pd::<1>(value));
        }
    }

    /// Rows `[a, b, c, d]` (one bar each, one lane per element) to columns (one lane each, one
    /// bar per element).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn transpose(rows: &[[f64; 4]]) -> [__m256d; 4] {
        let (a, b, c, d) = (
            load(&rows[0]),
            load(&rows[1]),
            load(&rows[2]),
            load(&rows[3]),
        );
        let ab_even = _mm256_unpacklo_pd(a, b); // a0 b0 a2 b2
        let ab_odd = _mm256_unpackhi_pd(a, b); // a1 b1 a3 b3
        let cd_even = _mm256_unpacklo_pd(c, d);
        let cd_odd = _mm256_unpackhi_pd(c, d);
        [
            _mm256_permute2f128_pd::<0x20>(ab_even, cd_even), // a0 b0 c0 d0
            _mm256_permute2f128_pd::<0x20>(ab_odd, cd_odd),
            _mm256_permute2f128_pd::<0x31>(ab_even, cd_even),
            _mm256_permute2f128_pd::<0x31>(ab_odd, cd_odd),
        ]
    }

    /// See [`super::bands_lanes_into`]. Lanes beyond `multipliers.len()` repeat lane 0; their
    /// outputs must be `None`, and their final states are not written.
    #[target_feature(enable = "avx2")]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn bands_into(
        rules: BandRules,
        mid: &[f64],
        close: &[f64],
        atr: &[f64],
        multipliers: &[f64],
        columns: &mut [BandColumns<'_>; LANES],
        finals: &mut [BandState; LANES],
        stores: Stores,
    ) {
        let bars = close.len();
        let (mid, atr) = (&mid[..bars], &atr[..bars]);
        let active = multipliers.len();
        let lane_multipliers: [f64; LANES] =
            std::array::from_fn(|k| multipliers[if k < active { k } else { 0 }]);
        let mut lanes = LaneState {
            multiplier: load(&lane_multipliers),
            upper: _mm256_set1_pd(f64::NAN),
            lower: _mm256_set1_pd(f64::NAN),
            up: _mm256_castsi256_pd(_mm256_set1_epi64x(match rules {
                BandRules::Gated { direction, .. } if direction < 0 => 0,
                _ => -1,
            })),
        };
        let mut rows = Rows {
            line: [[0.0; LANES]; BLOCK],
            long: [[0.0; LANES]; BLOCK],
            short: [[0.0; LANES]; BLOCK],
            up_bits: [0; BLOCK],
        };
        // Directions alone (or only final states) need no `f64` rows: a leaner step.
        let f64_rows = columns
            .iter()
            .any(|c| c.supert.is_some() || c.superl.is_some() || c.supers.is_some());
        for start in (0..bars).step_by(BLOCK) {
            let block = start..(start + BLOCK).min(bars);
            let len = block.len();
            let inputs = (
                &mid[block.clone()],
                &close[block.clone()],
                &atr[block.clone()],
            );
            match (rules, f64_rows) {
                (BandRules::Default, true) => lanes.step_block::<true>(inputs, &mut rows),
                (BandRules::Default, false) => lanes.step_block::<false>(inputs, &mut rows),
                (BandRules::Gated { seed, .. }, f64_rows) => {
                    let prev_close = if start == 0 {
                        f64::NAN
                    } else {
                        close[start - 1]
                    };
                    // The seed bar as an index into this block, if it is in it.
                    let seed = seed.and_then(|s| s.checked_sub(start)).filter(|&s| s < len);
                    if f64_rows {
                        lanes.step_block_gated::<true>(inputs, prev_close, seed, &mut rows);
                    } else {
                        lanes.step_block_gated::<false>(inputs, prev_close, seed, &mut rows);
                    }
                }
            }
            emit_rows(
                &rows.line[..len],
                block_of(columns, &block, Band::Line),
                stores,
            );
            emit_rows(
                &rows.long[..len],
                block_of(columns, &block, Band::Long),
                stores,
            );
            emit_rows(
                &rows.short[..len],
                block_of(columns, &block, Band::Short),
                stores,
            );
            for (k, out) in columns.iter_mut().enumerate() {
                if let Some(superd) = out.superd.as_deref_mut() {
                    let bit = 1 << k;
                    for (d, &bits) in superd[block.clone()].iter_mut().zip(&rows.up_bits[..len]) {
                        *d = if bits & bit != 0 { 1 } else { -1 };
                    }
                }
            }
        }

        if stores == Stores::Streaming {
            // Every streaming store of this call visible before the caller hands the outputs
            // on.
            _mm_sfence();
        }
        let (upper, lower, up) = (lanes.upper, lanes.lower, lanes.up);
        let (mut last_upper, mut last_lower, mut last_up) = ([0.0; 4], [0.0; 4], [0.0; 4]);
        store(&mut last_upper, upper);
        store(&mut last_lower, lower);
        store(&mut last_up, up);
        for (k, last) in finals.iter_mut().enumerate().take(active) {
            let is_up = last_up[k].to_bits() != 0;
            *last = BandState::from_lane(multipliers[k], last_upper[k], last_lower[k], is_up);
        }
    }

    /// The band state of four lanes, carried from bar to bar.
    struct LaneState {
        multiplier: __m256d,
        upper: __m256d,
        lower: __m256d,
        /// All ones in the lanes whose direction is up.
        up: __m256d,
    }

    /// The outputs of a block of bars as rows (bar x lane), ready to be transposed into the
    /// columns; the directions as a byte of lane bits per bar.
    struct Rows {
        line: [[f64; LANES]; BLOCK],
        long: [[f64; LANES]; BLOCK],
        short: [[f64; LANES]; BLOCK],
        up_bits: [u8; BLOCK],
    }

    impl LaneState {
        /// Every lane's basic bands `mid ± multiplier * atr`, rounded as the scalar kernel.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn basic_bands(&self, mid: f64, atr: f64) -> (__m256d, __m256d) {
            let band = _mm256_mul_pd(self.multiplier, _mm256_set1_pd(atr));
            let mid = _mm256_set1_pd(mid);
            (_mm256_add_pd(mid, band), _mm256_sub_pd(mid, band))
        }

        /// Advances the lanes over a block of bars (`mid`, `close` and `atr` of equal length,
        /// at most [`BLOCK`]), recording each bar's outputs in `rows`; the `f64` rows only if
        /// `F64_ROWS`.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn step_block<const F64_ROWS: bool>(
            &mut self,
            (mid, close, atr): (&[f64], &[f64], &[f64]),
            rows: &mut Rows,
        ) {
            let (close, atr) = (&close[..mid.len()], &atr[..mid.len()]);
            let (mut upper, mut lower, mut up) = (self.upper, self.lower, self.up);
            for i in 0..mid.len() {
                let (basic_upper, basic_lower) = self.basic_bands(mid[i], atr[i]);
                let close = _mm256_set1_pd(close[i]);
                // Ordered compares: false with NaN, as in the scalar kernel.
                let flip_up = _mm256_cmp_pd::<_CMP_GT_OQ>(close, upper);
                let flip_down = _mm256_cmp_pd::<_CMP_LT_OQ>(close, lower);
                let flipped = _mm256_or_pd(flip_up, flip_down);
                let carried_up = _mm256_andnot_pd(flipped, up);
                // `max_pd(a, b)` is `a > b ? a : b` and `min_pd(a, b)` is `a < b ? a : b`,
                // NaN and signed zeros included: exactly the scalar ratchets. The upper band
                // ratchets when carried in a downtrend: neither flipped nor up.
                lower =
                    _mm256_blendv_pd(basic_lower, _mm256_max_pd(lower, basic_lower), carried_up);
                let ratcheted_upper = _mm256_min_pd(upper, basic_upper);
                upper = _mm256_blendv_pd(ratcheted_upper, basic_upper, _mm256_or_pd(flipped, up));
                up = _mm256_or_pd(flip_up, _mm256_andnot_pd(flip_down, up));
                rows.record::<F64_ROWS>(i, upper, lower, up);
            }
            (self.upper, self.lower, self.up) = (upper, lower, up);
        }

        /// [`step_block`](Self::step_block) under the TradingView and TA-Lib rules: both bands
        /// ratchet unless the previous close broke them, the close is compared with the current
        /// bands, and nothing flips on the seed bar. `prev_close` is the close before the
        /// block, `seed` the seed bar's index in the block, if there.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn step_block_gated<const F64_ROWS: bool>(
            &mut self,
            (mid, close, atr): (&[f64], &[f64], &[f64]),
            prev_close: f64,
            seed: Option<usize>,
            rows: &mut Rows,
        ) {
            let (close, atr) = (&close[..mid.len()], &atr[..mid.len()]);
            let (mut upper, mut lower, mut up) = (self.upper, self.lower, self.up);
            let mut prev_close = _mm256_set1_pd(prev_close);
            for i in 0..mid.len() {
                let (basic_upper, basic_lower) = self.basic_bands(mid[i], atr[i]);
                let close = _mm256_set1_pd(close[i]);
                // Ordered compares, false with NaN: a NaN band is never carried, exactly as
                // `BandState::update_gated`.
                let keep_upper = _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_GE_OQ>(basic_upper, upper),
                    _mm256_cmp_pd::<_CMP_LE_OQ>(prev_close, upper),
                );
                let keep_lower = _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_LE_OQ>(basic_lower, lower),
                    _mm256_cmp_pd::<_CMP_GE_OQ>(prev_close, lower),
                );
                upper = _mm256_blendv_pd(basic_upper, upper, keep_upper);
                lower = _mm256_blendv_pd(basic_lower, lower, keep_lower);
                if seed != Some(i) {
                    let flip_down = _mm256_and_pd(up, _mm256_cmp_pd::<_CMP_LT_OQ>(close, lower));
                    let flip_up = _mm256_andnot_pd(up, _mm256_cmp_pd::<_CMP_GT_OQ>(close, upper));
                    up = _mm256_or_pd(_mm256_andnot_pd(flip_down, up), flip_up);
                }
                rows.record::<F64_ROWS>(i, upper, lower, up);
                prev_close = close;
            }
            (self.upper, self.lower, self.up) = (upper, lower, up);
        }
    }

    impl Rows {
        /// Records bar `i`'s outputs: the `f64` rows only if `F64_ROWS`.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn record<const F64_ROWS: bool>(
            &mut self,
            i: usize,
            upper: __m256d,
            lower: __m256d,
            up: __m256d,
        ) {
            if F64_ROWS {
                let nan = _mm256_set1_pd(f64::NAN);
                // `blendv_pd(a, b, mask)` is `mask ? b : a`, per lane.
                store(&mut self.line[i], _mm256_blendv_pd(upper, lower, up));
                store(&mut self.long[i], _mm256_blendv_pd(nan, lower, up));
                store(&mut self.short[i], _mm256_blendv_pd(upper, nan, up));
            }
            self.up_bits[i] = _mm256_movemask_pd(up) as u8;
        }
    }

    /// Every lane's part `block` of one `f64` output column (`None` where not selected).
    fn block_of<'c>(
        columns: &'c mut [BandColumns<'_>; LANES],
        block: &std::ops::Range<usize>,
        band: Band,
    ) -> [Option<&'c mut [f64]>; LANES] {
        let mut lanes = columns.iter_mut().map(|c| {
            let column = match band {
                Band::Line => c.supert.as_deref_mut(),
                Band::Long => c.superl.as_deref_mut(),
                Band::Short => c.supers.as_deref_mut(),
            };
            column.map(|column| &mut column[block.clone()])
        });
        std::array::from_fn(|_| lanes.next().flatten())
    }

    /// Transposes a block of rows (bar x lane) into the lanes' columns (each `rows.len()`
    /// long, `None` for lanes without this output), four bars at a time.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn emit_rows(rows: &[[f64; 4]], lanes: [Option<&mut [f64]>; LANES], stores: Stores) {
        if lanes.iter().all(Option::is_none) {
            return;
        }
        let [mut a, mut b, mut c, mut d] = lanes;
        let tiles = rows.len() / 4;
        for tile in 0..tiles {
            let at = 4 * tile..4 * tile + 4;
            let [ta, tb, tc, td] = transpose(&rows[at.clone()]);
            for (lane, column) in [(&mut a, ta), (&mut b, tb), (&mut c, tc), (&mut d, td)] {
                if let Some(lane) = lane.as_deref_mut() {
                    match stores {
                        Stores::Cached => store(&mut lane[at.clone()], column),
                        Stores::Streaming => stream(&mut lane[at.clone()], column),
                    }
                }
            }
        }
        // The last bars of the series, fewer than four.
        for row in 4 * tiles..rows.len() {
            for (k, lane) in [&mut a, &mut b, &mut c, &mut d].into_iter().enumerate() {
                if let Some(lane) = lane.as_deref_mut() {
                    lane[row] = rows[row][k];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Owned output columns, all four outputs or a subset, each `shift` values into its
    /// vector (so that a shift of one puts every `f64` column off the 16-byte alignment of
    /// an allocation, where streaming stores fall back to ordinary ones).
    struct Columns {
        supert: Vec<f64>,
        superd: Vec<i8>,
        superl: Vec<f64>,
        supers: Vec<f64>,
    }

    impl Columns {
        fn new(bars: usize) -> Self {
            Columns::shifted(bars, 0)
        }

        fn shifted(bars: usize, shift: usize) -> Self {
            Columns {
                supert: vec![-1.0; bars + shift],
                superd: vec![0; bars + shift],
                superl: vec![-1.0; bars + shift],
                supers: vec![-1.0; bars + shift],
            }
        }

        fn outputs(&mut self, selected: u8) -> BandColumns<'_> {
            self.outputs_from(selected, 0)
        }

        fn outputs_from(&mut self, selected: u8, shift: usize) -> BandColumns<'_> {
            BandColumns {
                supert: (selected & 1 != 0).then_some(&mut self.supert[shift..]),
                superd: (selected & 2 != 0).then_some(&mut self.superd[shift..]),
                superl: (selected & 4 != 0).then_some(&mut self.superl[shift..]),
                supers: (selected & 8 != 0).then_some(&mut self.supers[shift..]),
            }
        }
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits())
    }

    /// Random walks with ties (a cent grid), flat runs, NaN and zero multipliers.
    fn inputs() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)> {
        (0usize..300).prop_flat_map(|bars| {
            let bar = (-2i32..=2, 0u8..20, 0u32..300, 0u8..30);
            (
                prop::collection::vec(bar, bars),
                prop::collection::vec(
                    prop_oneof![
                        Just(0.0),
                        0.0f64..6.0,
                        (0u32..60).prop_map(|k| f64::from(k) / 10.0)
                    ],
                    1..=LANES,
                ),
            )
                .prop_map(|(bars, multipliers)| {
                    let (mut mid, mut close, mut atr) = (vec![], vec![], vec![]);
                    let mut price = 100.0;
                    for (step, kind, range, nan) in bars {
                        price += f64::from(step) * 0.25;
                        mid.push(if nan == 0 { f64::NAN } else { price });
                        close.push(if nan == 1 {
                            f64::NAN
                        } else if kind < 3 {
                            price
                        } else {
                            price + f64::from(kind) * 0.05 - 0.5
                        });
                        atr.push(if nan == 2 {
                            f64::NAN
                        } else {
                            f64::from(range) / 100.0
                        });
                    }
                    (mid, close, atr, multipliers)
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever the path the CPU takes, every lane equals the scalar reference, for any
        /// number of active lanes, any subset of outputs and any length (tiles and tails).
        #[test]
        fn lanes_equal_the_scalar_reference(
            (mid, close, atr, multipliers) in inputs(),
            selected in 0u8..16,
            gated in any::<bool>(),
            seed in any::<prop::sample::Index>(),
            seed_up in any::<bool>(),
            stores in prop_oneof![Just(Stores::Cached), Just(Stores::Streaming)],
            shift in 0usize..2,
        ) {
            let bars = close.len();
            let active = multipliers.len();
            let seed = (bars > 0).then(|| seed.index(bars));
            let direction = if seed_up { 1 } else { -1 };
            let rules = if gated { BandRules::Gated { seed, direction } } else { BandRules::Default };
            let mut lanes: Vec<Columns> = (0..active).map(|_| Columns::shifted(bars, shift)).collect();
            let mut finals = [BandState::new(-1.0); LANES];
            {
                let mut outputs: [BandColumns<'_>; LANES] = Default::default();
                for (out, lane) in outputs.iter_mut().zip(lanes.iter_mut()) {
                    *out = lane.outputs_from(selected, shift);
                }
                bands_lanes_into(rules, &mid, &close, &atr, &multipliers, &mut outputs, &mut finals, stores);
            }
            // The values as the reference's, after the shift.
            for lane in &mut lanes {
                lane.supert.drain(..shift);
                lane.superd.drain(..shift);
                lane.superl.drain(..shift);
                lane.supers.drain(..shift);
            }
            for unused in &finals[active..] {
                prop_assert!(unused.upper.is_nan(), "unused lanes are left alone");
            }
            for k in 0..active {
                let mut reference = Columns::new(bars);
                let mut out = reference.outputs(selected);
                let last = if gated {
                    bands_gated_into(&mid, &close, &atr, seed, multipliers[k], direction, &mut out)
                } else {
                    bands_into(&mid, &close, &atr, multipliers[k], &mut out)
                };
                prop_assert!(same(&lanes[k].supert, &reference.supert), "supert lane {}", k);
                prop_assert!(same(&lanes[k].superl, &reference.superl), "superl lane {}", k);
                prop_assert!(same(&lanes[k].supers, &reference.supers), "supers lane {}", k);
                prop_assert_eq!(&lanes[k].superd, &reference.superd, "superd lane {}", k);
                prop_assert!(same(&[finals[k].upper, finals[k].lower], &[last.upper, last.lower]));
                prop_assert_eq!(finals[k].direction, last.direction);
            }
        }
    }

    /// Ties between a band and its previous value differ only in the sign of a zero (`-0.0 ==
    /// 0.0`), so only signed-zero bands can tell a kept band from a basic one.
    #[test]
    fn ties_of_signed_zero_bands_resolve_like_the_scalar_reference() {
        let bars = 37;
        let mid: Vec<f64> = (0..bars)
            .map(|i| if i % 3 == 0 { -0.0 } else { 0.0 })
            .collect();
        let close: Vec<f64> = (0..bars)
            .map(|i| if i % 2 == 0 { 0.0 } else { -0.0 })
            .collect();
        let atr: Vec<f64> = (0..bars)
            .map(|i| if i < 2 { f64::NAN } else { (i % 2) as f64 })
            .collect();
        let multipliers = [-0.0, 0.0, -0.0, 0.0];
        for rules in [
            BandRules::Default,
            BandRules::Gated {
                seed: Some(2),
                direction: 1,
            },
            BandRules::Gated {
                seed: Some(2),
                direction: -1,
            },
        ] {
            let mut lanes: Vec<Columns> = (0..LANES).map(|_| Columns::new(bars)).collect();
            let mut finals = [BandState::new(0.0); LANES];
            {
                let mut outputs: [BandColumns<'_>; LANES] = Default::default();
                for (out, lane) in outputs.iter_mut().zip(lanes.iter_mut()) {
                    *out = lane.outputs(15);
                }
                bands_lanes_into(
                    rules,
                    &mid,
                    &close,
                    &atr,
                    &multipliers,
                    &mut outputs,
                    &mut finals,
                    Stores::Streaming,
                );
            }
            for (k, lane) in lanes.iter().enumerate() {
                let mut reference = Columns::new(bars);
                let mut out = reference.outputs(15);
                match rules {
                    BandRules::Default => bands_into(&mid, &close, &atr, multipliers[k], &mut out),
                    BandRules::Gated { seed, direction } => bands_gated_into(
                        &mid,
                        &close,
                        &atr,
                        seed,
                        multipliers[k],
                        direction,
                        &mut out,
                    ),
                };
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&lane.supert),
                    bits(&reference.supert),
                    "{rules:?} lane {k}"
                );
                assert_eq!(
                    bits(&lane.superl),
                    bits(&reference.superl),
                    "{rules:?} lane {k}"
                );
                assert_eq!(
                    bits(&lane.supers),
                    bits(&reference.supers),
                    "{rules:?} lane {k}"
                );
            }
        }
    }

    #[test]
    fn the_avx2_path_is_the_one_taken_where_available() {
        // Documents which path the property test above exercised on this machine.
        #[cfg(target_arch = "x86_64")]
        eprintln!(
            "avx2 available: {}",
            std::arch::is_x86_feature_detected!("avx2")
        );
    }
}
