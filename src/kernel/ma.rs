//! Moving averages of one series, exactly as vectorbt computes them (`docs/STRATEGIES.md`
//! sections 2 and 3): the simple average as a difference of one prefix sum over the whole
//! series, the exponential one as pandas' `ewm(span=w, adjust=False, min_periods=w)`.

use std::collections::VecDeque;

/// The running sums of one series that every simple average of it reads: `sums[i]` is the
/// sum of the non-NaN closes of bars `0..i` (NaN skipped, in bar order, no compensation),
/// `nans[i]` the number of NaN closes among them.
///
/// The last bits of an average depend on the whole history: a difference of prefix sums is
/// not a window sum, and only this form gives vectorbt's bits.
#[derive(Debug, Clone)]
pub(crate) struct PrefixSums {
    sums: Vec<f64>,
    /// `None` when the series has no NaN, so the averages need no count.
    nans: Option<Vec<usize>>,
}

impl PrefixSums {
    pub(crate) fn new(close: &[f64]) -> Self {
        let mut sums = Vec::with_capacity(close.len() + 1);
        let mut sum = 0.0;
        sums.push(sum);
        for &c in close {
            if !c.is_nan() {
                sum += c;
            }
            sums.push(sum);
        }
        let nans = close.iter().any(|c| c.is_nan()).then(|| {
            let mut count = 0usize;
            std::iter::once(0)
                .chain(close.iter().map(|c| {
                    count += usize::from(c.is_nan());
                    count
                }))
                .collect()
        });
        PrefixSums { sums, nans }
    }

    /// The number of bars.
    pub(crate) fn bars(&self) -> usize {
        self.sums.len() - 1
    }

    /// The simple average of `window >= 1` of every bar: NaN before bar `window - 1` and where
    /// a NaN close is among the last `window`, else `(S[i+1] - S[i+1-w]) / w`.
    pub(crate) fn sma_into(&self, window: usize, out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the one precondition of an AVX-512 function is a CPU with AVX-512F,
            // just checked.
            unsafe { simd::sma_into_avx512(self, window, out) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the one precondition of an AVX2 function is a CPU with AVX2, just
            // checked.
            unsafe { simd::sma_into_avx2(self, window, out) };
            return;
        }
        self.sma_each(window, out);
    }

    #[inline(always)]
    fn sma_each(&self, window: usize, out: &mut [f64]) {
        let bars = self.bars().min(out.len());
        let warm_up = window.saturating_sub(1).min(bars);
        out[..warm_up].fill(f64::NAN);
        let w = window as f64;
        let out = &mut out[warm_up..bars];
        // Bar i >= w - 1 reads S[i + 1] and S[i + 1 - w]: the k-th bar of `out` (bar
        // w - 1 + k) reads `S[w + k]` and `S[k]`.
        let ends = &self.sums[warm_up + 1..=bars];
        for ((value, &end), &start) in out.iter_mut().zip(ends).zip(&self.sums) {
            *value = (end - start) / w;
        }
        if let Some(nans) = &self.nans {
            let ends = &nans[warm_up + 1..=bars];
            for ((value, &end), &start) in out.iter_mut().zip(ends).zip(nans) {
                if end != start {
                    *value = f64::NAN;
                }
            }
        }
    }

    /// The streaming state after every bar, for `window`.
    pub(crate) fn sma_state(&self, window: usize) -> SmaState {
        let bars = self.bars();
        let mut state = SmaState::new(window);
        state.bars = bars;
        state.sum = self.sums[bars];
        state.nans = self.nans.as_ref().map_or(0, |n| n[bars]);
        // The last `window` prefix sums before the current one (S[bars - window + 1 ..= bars]
        // back to S[0]); before the series, zeros stand for S[k < 0], never read.
        let first = bars.saturating_sub(window);
        state.history = (first..bars)
            .map(|k| (self.sums[k + 1], self.nans.as_ref().map_or(0, |n| n[k + 1])))
            .collect();
        let missing = window - state.history.len();
        for _ in 0..missing {
            state.history.push_front((0.0, 0));
        }
        state
    }
}

/// The simple averages compiled for the CPU at hand, the same operations on wider vectors:
/// the loop is a division per bar, and a division instruction takes the same time whatever
/// its width (4 cycles here, measured), so four divisions at a time with AVX2 and eight with
/// AVX-512 (a sweep of the dual moving-average grid 7 % faster than with AVX2).
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::PrefixSums;

    #[target_feature(enable = "avx2")]
    pub(super) fn sma_into_avx2(sums: &PrefixSums, window: usize, out: &mut [f64]) {
        sums.sma_each(window, out);
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn sma_into_avx512(sums: &PrefixSums, window: usize, out: &mut [f64]) {
        sums.sma_each(window, out);
    }
}

/// The simple average of one series, one bar at a time, with the bits of [`PrefixSums`]:
/// it carries the same running sum, and the last `window` prefix sums.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SmaState {
    window: usize,
    bars: usize,
    sum: f64,
    nans: usize,
    /// `(S[k], N[k])` for the last `window` values of `k`, oldest first.
    history: VecDeque<(f64, usize)>,
}

impl SmaState {
    pub(crate) fn new(window: usize) -> Self {
        let history = std::iter::repeat_n((0.0, 0), window).collect();
        SmaState {
            window,
            bars: 0,
            sum: 0.0,
            nans: 0,
            history,
        }
    }

    /// Feeds one close (NaN for a missing bar) and returns that bar's average.
    pub(crate) fn update(&mut self, close: f64) -> f64 {
        if close.is_nan() {
            self.nans += 1;
        } else {
            self.sum += close;
        }
        self.bars += 1;
        let (start, start_nans) = self.history.pop_front().unwrap_or((0.0, 0));
        self.history.push_back((self.sum, self.nans));
        if self.bars < self.window || self.nans != start_nans {
            f64::NAN
        } else {
            (self.sum - start) / self.window as f64
        }
    }

    /// Heap bytes and inline size.
    pub(crate) fn bytes(window: usize) -> usize {
        std::mem::size_of::<SmaState>() + window * std::mem::size_of::<(f64, usize)>()
    }
}

/// pandas' `ewm(span=window, adjust=False, min_periods=window, ignore_na=False).mean()` of one
/// series, one bar at a time.
///
/// ```text
/// alpha = 1 / (1 + (w - 1) / 2), decay = 1 - alpha; avg = NaN, wt = 1, nobs = 0
/// each bar x:  if x is not NaN: nobs += 1
///              if avg is not NaN:
///                  wt *= decay
///                  if x is not NaN:
///                      if avg != x: avg = (wt*avg + alpha*x) / (wt + alpha)
///                      wt = 1
///              else if x is not NaN: avg = x       (the seed is the first valid close)
///              ema = avg if nobs >= w else NaN
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EmaState {
    window: usize,
    alpha: f64,
    decay: f64,
    /// Whether `decay + alpha == 1.0` exactly (for every window 2..=100, and 1): then a bar
    /// observed right after an observed bar divides by exactly 1.0, the identity on every
    /// double, so the division is skipped without changing a bit.
    unit_denominator: bool,
    average: f64,
    weight: f64,
    observations: usize,
}

impl EmaState {
    pub(crate) fn new(window: usize) -> Self {
        // pandas: com = (span - 1) / 2, alpha = 1 / (1 + com).
        let alpha = 1.0 / (1.0 + (window as f64 - 1.0) / 2.0);
        let decay = 1.0 - alpha;
        EmaState {
            window,
            alpha,
            decay,
            unit_denominator: decay + alpha == 1.0,
            average: f64::NAN,
            weight: 1.0,
            observations: 0,
        }
    }

    /// Feeds one close (NaN for a missing bar) and returns that bar's average.
    #[inline]
    pub(crate) fn update(&mut self, close: f64) -> f64 {
        let observed = !close.is_nan();
        if observed {
            self.observations += 1;
        }
        if !self.average.is_nan() {
            let unit_denominator = self.unit_denominator && self.weight == 1.0;
            self.weight *= self.decay;
            if observed {
                // The guard keeps a flat run exactly flat (and decides last-bit crossings).
                if self.average != close {
                    let weighted = self.weight * self.average + self.alpha * close;
                    self.average = if unit_denominator {
                        weighted
                    } else {
                        weighted / (self.weight + self.alpha)
                    };
                }
                self.weight = 1.0;
            }
        } else if observed {
            self.average = close;
        }
        self.value()
    }

    /// The average after the last bar: NaN until `window` valid closes have been seen.
    #[inline]
    pub(crate) fn value(&self) -> f64 {
        if self.observations >= self.window {
            self.average
        } else {
            f64::NAN
        }
    }
}

/// The exponential averages of up to four windows over one series in one pass, their
/// recursions interleaved so that four dependency chains overlap: `outs[k]` receives
/// `states[k]`'s values. The arithmetic of each is [`EmaState::update`]'s.
pub(crate) fn ema_lanes_into(close: &[f64], states: &mut [EmaState], outs: &mut [&mut [f64]]) {
    debug_assert_eq!(states.len(), outs.len());
    match (states, outs) {
        ([a, b, c, d], [oa, ob, oc, od]) => {
            for (i, &x) in close.iter().enumerate() {
                oa[i] = a.update(x);
                ob[i] = b.update(x);
                oc[i] = c.update(x);
                od[i] = d.update(x);
            }
        }
        (states, outs) => {
            for (state, out) in states.iter_mut().zip(outs.iter_mut()) {
                for (value, &x) in out.iter_mut().zip(close) {
                    *value = state.update(x);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_example_of_the_spec() {
        let close = [
            10.0, 11.0, 12.0, 11.0, 10.0, 11.0, 12.5, 9.5, 16.0, 15.0, 13.0, 12.0,
        ];
        let sums = PrefixSums::new(&close);
        let mut slow = [0.0; 12];
        sums.sma_into(3, &mut slow);
        assert!(slow[..2].iter().all(|x| x.is_nan()));
        assert_eq!(slow[2], 11.0);
        assert_eq!(slow[3], 11.333333333333334);
        let mut ema = EmaState::new(2);
        let values: Vec<f64> = close.iter().map(|&x| ema.update(x)).collect();
        assert!(values[0].is_nan());
        assert_eq!(values[1], 10.666666666666668);
        let mut ema = EmaState::new(3);
        let values: Vec<f64> = close.iter().map(|&x| ema.update(x)).collect();
        assert_eq!(values[2], 11.25);
    }

    proptest::proptest! {
        /// Every path the CPU has (AVX-512, AVX2, scalar) gives the scalar loop's bits.
        #[test]
        fn simple_averages_are_the_same_bits_on_every_path(
            close in proptest::collection::vec(proptest::prop_oneof![
                8 => 0.5f64..200.0, 1 => proptest::strategy::Just(f64::NAN),
            ], 0..300),
            window in 1usize..40,
        ) {
            let sums = PrefixSums::new(&close);
            let mut expected = vec![0.0; close.len()];
            sums.sma_each(window, &mut expected);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let mut dispatched = vec![0.0; close.len()];
            sums.sma_into(window, &mut dispatched);
            proptest::prop_assert_eq!(bits(&dispatched), bits(&expected));
            #[cfg(target_arch = "x86_64")]
            {
                let mut out = vec![0.0; close.len()];
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2, just checked.
                    unsafe { simd::sma_into_avx2(&sums, window, &mut out) };
                    proptest::prop_assert_eq!(bits(&out), bits(&expected));
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F, just checked.
                    unsafe { simd::sma_into_avx512(&sums, window, &mut out) };
                    proptest::prop_assert_eq!(bits(&out), bits(&expected));
                }
            }
        }
    }

    #[test]
    fn streaming_and_batch_simple_averages_agree_across_gaps() {
        let close: Vec<f64> = (0..60)
            .map(|i| {
                if i % 7 == 3 {
                    f64::NAN
                } else {
                    50.0 + (i as f64 * 0.7).sin()
                }
            })
            .collect();
        let sums = PrefixSums::new(&close);
        for window in [1, 2, 5, 59, 60, 61, 100] {
            let mut batch = vec![0.0; close.len()];
            sums.sma_into(window, &mut batch);
            let mut state = SmaState::new(window);
            for (i, &x) in close.iter().enumerate() {
                let v = state.update(x);
                assert!(
                    v.to_bits() == batch[i].to_bits() || (v.is_nan() && batch[i].is_nan()),
                    "w {window} bar {i}"
                );
            }
            // A state rebuilt from the prefix sums continues like the one that streamed.
            for cut in [0, 1, 10, close.len()] {
                let mut resumed = PrefixSums::new(&close[..cut]).sma_state(window);
                let mut streamed = SmaState::new(window);
                close[..cut].iter().for_each(|&x| {
                    streamed.update(x);
                });
                assert_eq!(resumed, streamed, "w {window} cut {cut}");
                for &x in &close[cut..] {
                    let (a, b) = (resumed.update(x), streamed.update(x));
                    assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
                }
            }
        }
    }
}
