//! The lane engine: the columns of a batch simulated in lock step, one per lane of an AVX2
//! vector, bar by bar, with the first pass of their metrics (`docs/PIPELINE.md` sections 4
//! to 6).
//!
//! The scalar engine ([`simulate`](super::simulate::simulate), then
//! [`return_metrics`](super::metrics::return_metrics)) runs one column at a time, and each
//! column is a chain of dependent operations that exactness forbids reordering: its value and
//! return bar after bar, the divisions of each order, the growth, the drawdown and the Sharpe
//! sums. It waits on their latency. The chains of different columns are independent, so here
//! [`LANES`] columns run in the lanes of one vector, each lane doing exactly the scalar
//! arithmetic: the same bits, four chains in flight.
//!
//! Between order attempts every lane takes the literal no-order step of
//! [`Simulation::step`] (carry the last valid close forward, value the position, take the
//! return), one vector instruction for the four lanes. A bar where some lane attempts an
//! order is stepped lane by lane by the scalar [`Simulation`], whose state the vectors hand
//! back and take again: orders are rare, the bars between them are not. So are returns from a
//! value that is not positive, which never happen for a real column: those lanes take the
//! scalar `get_return` too.
//!
//! The returns are stored bar by bar, four lanes per bar, for the second pass of the exact
//! variance, which then reads one vector per bar.

use super::config::BacktestConfig;
use super::metrics::{push_metrics, ColumnMetrics, LANES};
use super::rules::Signals;
use super::simulate::{OrderMetrics, Simulation};

/// How a backtest simulates its columns. Both engines give the same bits.
///
/// # Example
/// ```
/// use ta_sweep::backtest::Engine;
///
/// assert_eq!(Engine::default(), Engine::Lanes);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Engine {
    /// The columns of each batch in the lanes of one vector (AVX2), four at a time, where the
    /// CPU has AVX2 and the variance is [`Exact`](crate::Variance::Exact); the scalar
    /// engine otherwise.
    #[default]
    Lanes,
    /// One column at a time, the runs between orders in tight loops, the metrics of four
    /// columns in lock step afterwards: the reference the lane engine is tested against.
    Scalar,
}

/// The range of a symbol's closes, which the lane engine reads to take its clean path:
/// `None` where a close is missing (NaN) or there is none.
#[derive(Debug, Clone, Copy)]
pub(super) struct CloseRange {
    min: f64,
    max: f64,
}

impl CloseRange {
    /// The range of `close`, if every close is a number.
    pub(super) fn of(close: &[f64]) -> Option<CloseRange> {
        let mut range = CloseRange {
            min: *close.first()?,
            max: close[0],
        };
        for &c in close {
            if c.is_nan() {
                return None;
            }
            range.min = range.min.min(c);
            range.max = range.max.max(c);
        }
        Some(range)
    }
}

/// The proof that the CPU runs the lane engine (AVX2), checked once.
#[derive(Debug, Clone, Copy)]
pub(super) struct LaneEngine(());

impl LaneEngine {
    /// The engine, if this CPU has AVX2.
    pub(super) fn detect() -> Option<LaneEngine> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Some(LaneEngine(()));
        }
        None
    }

    /// The metrics of up to [`LANES`] columns, pushed onto `out` in lane order: lane `k`
    /// trades `closes[k]` (of the same bars, in the range `ranges[k]`) on `signals[k]`. Only the first `columns` lanes
    /// are pushed; the others may repeat a column, whose results are dropped. `returns` holds
    /// at least `LANES` times the bars. The same bits as the scalar engine, column by column.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn metrics<S: Signals>(
        self,
        closes: [&[f64]; LANES],
        ranges: [Option<CloseRange>; LANES],
        signals: &[S; LANES],
        columns: usize,
        config: &BacktestConfig,
        sqrt_annualisation: f64,
        returns: &mut [f64],
        out: &mut Vec<ColumnMetrics>,
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a `LaneEngine` exists only where `detect` found AVX2, the one
            // precondition of the AVX2 functions.
            let (orders, sums, ssd) =
                unsafe { avx2::run(closes, ranges, signals, config, returns) };
            let bars = closes[0].len();
            push_metrics(
                &sums,
                ssd,
                &orders[..columns],
                bars,
                sqrt_annualisation,
                out,
            );
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (
                closes,
                ranges,
                signals,
                columns,
                config,
                sqrt_annualisation,
                returns,
                out,
            );
            unreachable!("no lane engine without AVX2");
        }
    }
}

/// The bar of a lane's next order attempt from `from` on, or `bars`: a buy signal when flat, a
/// sell signal when holding; never for a NaN position, which no rule fills (as
/// [`simulate`](super::simulate::simulate) steps it).
#[inline]
fn next_attempt<S: Signals>(sim: &Simulation<'_>, signals: &S, from: usize, bars: usize) -> usize {
    if sim.position == 0.0 {
        signals.next_entry(from, bars)
    } else if sim.position > 0.0 {
        signals.next_exit(from, bars)
    } else {
        bars
    }
}

/// The attempt a lane makes on its attempt bar: (entry, exit).
#[inline]
fn attempt_signals(sim: &Simulation<'_>) -> (bool, bool) {
    let flat = sim.position == 0.0;
    (flat, !flat)
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::super::metrics::avx2::{
        interleaved_squared_deviations, lanes_of, vector_of, Accumulator,
    };
    use super::super::metrics::LaneSums;
    use super::super::simulate::get_return;
    use super::*;

    /// The four lanes' state as the no-order step reads and writes it, as vectors.
    #[derive(Clone, Copy)]
    struct Lanes {
        book_cash: __m256d,
        position: __m256d,
        /// All ones where the position is not zero (NaN included), as the scalar step tests.
        holding: __m256d,
        last_close: __m256d,
        value: __m256d,
    }

    impl Lanes {
        /// The state of [`Simulation::new`] in every lane.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn new(config: &BacktestConfig) -> Lanes {
            let zero = _mm256_setzero_pd();
            Lanes {
                book_cash: _mm256_set1_pd(config.init_cash()),
                position: zero,
                holding: zero,
                last_close: _mm256_set1_pd(f64::NAN),
                value: _mm256_set1_pd(config.init_cash()),
            }
        }

        /// Lane `lane` takes the cash and position of `sim`, after an order.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn set_lane(&mut self, lane: __m256d, sim: &Simulation<'_>) {
            self.book_cash = _mm256_blendv_pd(self.book_cash, _mm256_set1_pd(sim.book_cash), lane);
            self.position = _mm256_blendv_pd(self.position, _mm256_set1_pd(sim.position), lane);
            self.holding = _mm256_cmp_pd::<_CMP_NEQ_UQ>(self.position, _mm256_setzero_pd());
        }

        /// Whether every lane is flat, its value its cash, and that a positive finite number:
        /// then until the next order attempt the value stays, and each return is exactly
        /// `(v - v) / v = 0.0`. A return of zero adds `0.0` to the sum (a sum that starts at
        /// `+0.0` is never `-0.0`), multiplies the growth by `1.0` and repeats the last value,
        /// which neither makes a peak nor lowers the trough: it only counts.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn quiet(&self) -> bool {
            let zero = _mm256_setzero_pd();
            let flat = _mm256_cmp_pd::<_CMP_EQ_OQ>(self.position, zero);
            let steady = _mm256_cmp_pd::<_CMP_EQ_OQ>(self.value, self.book_cash);
            let positive = _mm256_cmp_pd::<_CMP_GT_OQ>(self.value, zero);
            let finite = _mm256_cmp_pd::<_CMP_LT_OQ>(self.value, _mm256_set1_pd(f64::INFINITY));
            let all = _mm256_and_pd(_mm256_and_pd(flat, steady), _mm256_and_pd(positive, finite));
            _mm256_movemask_pd(all) == 0b1111
        }

        /// Whether the bars up to the next attempt, whose closes are valid and within
        /// `low..=high`, can take the [`clean_segment`] path: the previous value is positive
        /// and finite, and so is every value to come. With a position `p >= 0` the value
        /// `cash + close * p` rises with the close (each rounding is monotone), so the bounds
        /// of the range bound every value.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn clean(&self, low: __m256d, high: __m256d) -> bool {
            let zero = _mm256_setzero_pd();
            let infinity = _mm256_set1_pd(f64::INFINITY);
            let long = _mm256_cmp_pd::<_CMP_GE_OQ>(self.position, zero);
            let lowest = _mm256_add_pd(self.book_cash, _mm256_mul_pd(low, self.position));
            let highest = _mm256_add_pd(self.book_cash, _mm256_mul_pd(high, self.position));
            let bounded = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GT_OQ>(lowest, zero),
                _mm256_cmp_pd::<_CMP_LT_OQ>(highest, infinity),
            );
            let previous = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GT_OQ>(self.value, zero),
                _mm256_cmp_pd::<_CMP_LT_OQ>(self.value, infinity),
            );
            let all = _mm256_and_pd(_mm256_and_pd(long, bounded), previous);
            _mm256_movemask_pd(all) == 0b1111
        }

        /// The value half of [`Simulation::step`] in every lane: a valid close becomes the
        /// last one (`blendv`), the position is valued at it (`and` with `holding` is the
        /// scalar `0.0` of a flat lane), the value is the cash plus that, and the return
        /// `(value - previous) / previous`, `get_return`'s case for a positive previous
        /// value; lanes in any other case take `get_return` itself.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn step(&mut self, close: __m256d) -> __m256d {
            let valid = _mm256_cmp_pd::<_CMP_ORD_Q>(close, close);
            self.last_close = _mm256_blendv_pd(self.last_close, close, valid);
            let held = _mm256_and_pd(self.holding, _mm256_mul_pd(self.last_close, self.position));
            let value = _mm256_add_pd(self.book_cash, held);
            let previous = self.value;
            self.value = value;
            let irregular = _mm256_cmp_pd::<_CMP_NGT_UQ>(previous, _mm256_setzero_pd());
            if _mm256_movemask_pd(irregular) == 0 {
                _mm256_div_pd(_mm256_sub_pd(value, previous), previous)
            } else {
                irregular_returns(previous, value)
            }
        }
    }

    /// `get_return` lane by lane. Inlined: a call would make the caller keep its vectors on
    /// the stack, which every vector register is the caller's to save across.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn irregular_returns(previous: __m256d, value: __m256d) -> __m256d {
        let (previous, value) = (lanes_of(previous), lanes_of(value));
        vector_of(std::array::from_fn(|k| get_return(previous[k], value[k])))
    }

    /// Stores a bar's four returns in `slot`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn store(slot: &mut [f64], r: __m256d) {
        let slot: &mut [f64; LANES] = slot.try_into().expect("four lanes");
        // SAFETY: `slot` is four f64, exactly what the unaligned store writes.
        unsafe { _mm256_storeu_pd(slot.as_mut_ptr(), r) };
    }

    /// The bars of a [`clean`](Lanes::clean) segment, every lane trading `closes`: the step
    /// and the accumulators without what cannot happen there. Every close is valid, so it is
    /// the last one; `close * position` is the held value (`+0.0` for a flat lane, as the
    /// scalar step's literal `0.0`, the close being positive and finite); every previous
    /// value is positive and every value finite, so the return is `(value - previous) /
    /// previous`, never NaN, and every bar counts.
    #[inline(never)]
    #[target_feature(enable = "avx2")]
    fn clean_segment(
        lanes: &mut Lanes,
        sums: &mut Accumulator,
        closes: &[f64],
        returns: &mut [f64],
    ) {
        let (mut state, mut acc) = (*lanes, *sums);
        let (cash, position) = (state.book_cash, state.position);
        let mut previous = state.value;
        let mut close = state.last_close;
        for (&c, slot) in closes.iter().zip(returns.chunks_exact_mut(LANES)) {
            close = _mm256_set1_pd(c);
            let value = _mm256_add_pd(cash, _mm256_mul_pd(close, position));
            let r = _mm256_div_pd(_mm256_sub_pd(value, previous), previous);
            previous = value;
            store(slot, r);
            acc.push_valid(r);
        }
        acc.count_bars(closes.len());
        (state.last_close, state.value) = (close, previous);
        (*lanes, *sums) = (state, acc);
    }

    /// Lane `k`'s next attempt from `from` on, and its order applied to `sim` at once
    /// (see [`Simulation::order`]): the bars before it change neither cash nor position, so
    /// the vectors keep the state before it until its bar comes.
    #[inline]
    fn prepare<S: Signals>(
        sim: &mut Simulation<'_>,
        signals: &S,
        from: usize,
        bars: usize,
    ) -> usize {
        let attempt = next_attempt(sim, signals, from, bars);
        if attempt < bars {
            let (entry, exit) = attempt_signals(sim);
            sim.order(attempt, entry, exit);
        }
        attempt
    }

    /// Every lane over every bar: the order metrics, the first pass's sums and the squared
    /// deviations from the means.
    #[target_feature(enable = "avx2")]
    pub(super) fn run<S: Signals>(
        closes: [&[f64]; LANES],
        ranges: [Option<CloseRange>; LANES],
        signals: &[S; LANES],
        config: &BacktestConfig,
        returns: &mut [f64],
    ) -> ([OrderMetrics; LANES], LaneSums, [f64; LANES]) {
        let bars = closes[0].len();
        let closes = closes.map(|close| &close[..bars]);
        let returns = &mut returns[..LANES * bars];
        // The lanes of one batch trade one symbol: one load per bar.
        let shared = closes.iter().all(|close| std::ptr::eq(*close, closes[0]));
        let lane_masks: [__m256d; LANES] = std::array::from_fn(|k| {
            let mut bits = [0.0; LANES];
            bits[k] = f64::from_bits(!0);
            vector_of(bits)
        });
        // Each lane's simulation holds the cash and position after its next attempt.
        let mut sims: [Simulation<'_>; LANES] =
            std::array::from_fn(|k| Simulation::new(closes[k], config));
        let mut attempt: [usize; LANES] = std::array::from_fn(|k| {
            let warm_up = signals[k].first_signal(bars);
            prepare(&mut sims[k], &signals[k], warm_up, bars)
        });
        let mut next = attempt.iter().copied().min().unwrap_or(bars);
        let mut lanes = Lanes::new(config);
        let mut sums = Accumulator::new();
        let close_at = |i: usize| {
            if shared {
                _mm256_set1_pd(closes[0][i])
            } else {
                let [a, b, c, d] = closes.map(|close| close[i]);
                _mm256_set_pd(d, c, b, a)
            }
        };
        // The clean path needs every close valid, and their range.
        let range = match (shared, ranges[0]) {
            (true, Some(range)) => Some((_mm256_set1_pd(range.min), _mm256_set1_pd(range.max))),
            _ => None,
        };
        let mut i = 0;
        // A segment: an attempt bar (or bar 0), then the bars before the next attempt.
        while i < bars {
            if i == next {
                // The bar of an attempt: its lanes take their state after it.
                for k in 0..LANES {
                    if attempt[k] == i {
                        lanes.set_lane(lane_masks[k], &sims[k]);
                        attempt[k] = prepare(&mut sims[k], &signals[k], i + 1, bars);
                    }
                }
                next = attempt.iter().copied().min().unwrap_or(bars);
            }
            let end = next;
            let r = lanes.step(close_at(i));
            store(&mut returns[LANES * i..LANES * (i + 1)], r);
            sums.push(r);
            i += 1;
            if i == end {
                continue;
            }
            let segment = &mut returns[LANES * i..LANES * end];
            if lanes.quiet() {
                // Every lane flat until the next attempt: returns of exactly zero, which
                // change no sum but the count (see `quiet`).
                segment.fill(0.0);
                sums.count_bars(end - i);
            } else if range.is_some_and(|(low, high)| lanes.clean(low, high)) {
                clean_segment(&mut lanes, &mut sums, &closes[0][i..end], segment);
            } else {
                for (bar, slot) in (i..end).zip(segment.chunks_exact_mut(LANES)) {
                    let r = lanes.step(close_at(bar));
                    store(slot, r);
                    sums.push(r);
                }
            }
            i = end;
        }
        let sums = sums.finish();
        let ssd = interleaved_squared_deviations(returns, sums.means());
        (sims.map(|sim| sim.finish()), sums, ssd)
    }
}
