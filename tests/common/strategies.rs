//! The naive reference of the moving-average strategies: `docs/STRATEGIES.md` transcribed
//! literally (the prefix sums of 2.1-2.2, the EMA recursion of 3.2, the `seen`/`armed` flags of
//! 4.2), one materialised whole-series pass per stage, then the simulation of `PIPELINE.md`
//! (the naive order records, section 5's per-bar series rebuilt from them, and the metrics of
//! section 6) from `tests/common`. It shares no code and no structure with the crate.
//!
//! Also random close series for the property tests: random walks on a price grid (so that
//! values tie), flat runs and NaN gaps.

use proptest::prelude::*;
use ta_sweep::backtest::Level;
use ta_sweep::MaKind;

use super::{
    forward_back_filled, naive_metrics, naive_orders, vbt_add, vbt_get_return, NaiveCosts,
    NaiveMetrics, NaiveOrder,
};

// ---------------------------------------------------------------------------------------------
// Moving averages
// ---------------------------------------------------------------------------------------------

/// STRATEGIES.md 2.1: `S[0] = 0`, `S[i+1] = S[i] + close[i]` (a NaN close skipped), and
/// `N[i+1]`, the number of NaN closes in `0..=i`.
pub fn naive_prefix_sums(close: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut s = vec![0.0; close.len() + 1];
    let mut n = vec![0usize; close.len() + 1];
    for i in 0..close.len() {
        if close[i].is_nan() {
            s[i + 1] = s[i];
            n[i + 1] = n[i] + 1;
        } else {
            s[i + 1] = s[i] + close[i];
            n[i + 1] = n[i];
        }
    }
    (s, n)
}

/// STRATEGIES.md 2.2: NaN if `i < w - 1` or a NaN close is among the last `w`, else
/// `(S[i+1] - S[i+1-w]) / w`.
pub fn naive_sma(close: &[f64], w: usize) -> Vec<f64> {
    assert!(w >= 1);
    let (s, n) = naive_prefix_sums(close);
    let mut out = vec![f64::NAN; close.len()];
    for i in 0..close.len() {
        if i + 1 < w {
            continue;
        }
        if n[i + 1] - n[i + 1 - w] > 0 {
            continue;
        }
        out[i] = (s[i + 1] - s[i + 1 - w]) / w as f64;
    }
    out
}

/// STRATEGIES.md 3.1-3.2: pandas' `ewm(span=w, adjust=False, min_periods=w)`, seeded with
/// `close[0]`, with the `avg != x` skip and the decaying weight over NaN closes.
pub fn naive_ema(close: &[f64], w: usize) -> Vec<f64> {
    assert!(w >= 1);
    let mut out = vec![f64::NAN; close.len()];
    if close.is_empty() {
        return out;
    }
    let alpha = 1.0 / (1.0 + ((w - 1) as f64) / 2.0);
    let decay = 1.0 - alpha;
    let mut avg = close[0];
    let mut wt = 1.0;
    let mut nobs = usize::from(!close[0].is_nan());
    out[0] = if nobs >= w { avg } else { f64::NAN };
    for i in 1..close.len() {
        let x = close[i];
        if !x.is_nan() {
            nobs += 1;
        }
        if !avg.is_nan() {
            wt *= decay;
            if !x.is_nan() {
                if avg != x {
                    avg = ((wt * avg) + (alpha * x)) / (wt + alpha);
                }
                wt = 1.0;
            }
        } else if !x.is_nan() {
            avg = x;
        }
        out[i] = if nobs >= w { avg } else { f64::NAN };
    }
    out
}

/// The naive moving average of `kind`.
pub fn naive_ma(close: &[f64], w: usize, kind: MaKind) -> Vec<f64> {
    match kind {
        MaKind::Simple => naive_sma(close, w),
        MaKind::Exponential => naive_ema(close, w),
    }
}

// ---------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------

/// STRATEGIES.md 4.2: vectorbt's `crossed_above_nb` with `wait = 0`, two flags per column.
pub fn naive_crossed_above(a: &[f64], b: &[f64]) -> Vec<bool> {
    assert_eq!(a.len(), b.len());
    let (mut seen, mut armed) = (false, false);
    let mut out = vec![false; a.len()];
    for i in 0..a.len() {
        if a[i].is_nan() || b[i].is_nan() {
            out[i] = false;
            seen = false;
            armed = false;
        } else if a[i] > b[i] {
            out[i] = armed && seen;
            armed = false;
        } else if a[i] == b[i] {
            out[i] = false;
            armed = true;
        } else {
            out[i] = false;
            seen = true;
            armed = true;
        }
    }
    out
}

/// A [`Level`] bar by bar, as its documentation says: held levels compare (NaN is never
/// above or below), crossings are [`naive_crossed_above`] against the constant series.
pub fn naive_level(values: &[f64], level: Level) -> Vec<bool> {
    let constant = |l: f64| vec![l; values.len()];
    match level {
        Level::Above(l) => values.iter().map(|&x| x > l).collect(),
        Level::Below(l) => values.iter().map(|&x| x < l).collect(),
        Level::CrossedAbove(l) => naive_crossed_above(values, &constant(l)),
        Level::CrossedBelow(l) => naive_crossed_above(&constant(l), values),
    }
}

// ---------------------------------------------------------------------------------------------
// The simulation, on any signals
// ---------------------------------------------------------------------------------------------

/// Every series of one column's simulation.
#[derive(Debug, Clone)]
pub struct NaivePipeline {
    pub orders: Vec<NaiveOrder>,
    pub position: Vec<f64>,
    pub cash: Vec<f64>,
    pub value: Vec<f64>,
    pub returns: Vec<f64>,
    pub metrics: NaiveMetrics,
}

/// PIPELINE.md sections 4-6 on given signals, orders at the signal's own bar: the order
/// records of [`naive_orders`], cash and position rebuilt from them (section 5, with `add`),
/// the value at the forward- then back-filled close, the returns, and [`naive_metrics`].
pub fn naive_pipeline(
    close: &[f64],
    entry: &[bool],
    exit: &[bool],
    costs: NaiveCosts,
) -> NaivePipeline {
    let n = close.len();
    let orders = naive_orders(close, entry, exit, costs);
    let fclose = forward_back_filled(close);
    let (mut cash, mut position, mut value, mut returns) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut c, mut p, mut previous) = (costs.init_cash, 0.0, costs.init_cash);
    for (i, &fc) in fclose.iter().enumerate() {
        if let Some(o) = orders.iter().find(|o| o.bar == i) {
            let flow = if o.buy {
                vbt_add(0.0, (-o.size) * o.price - o.fee)
            } else {
                vbt_add(0.0, o.size * o.price - o.fee)
            };
            c = vbt_add(c, flow);
            p = vbt_add(p, if o.buy { o.size } else { -o.size });
        }
        let held = if p == 0.0 { 0.0 } else { fc * p };
        let v = c + held;
        cash.push(c);
        position.push(p);
        value.push(v);
        returns.push(vbt_get_return(previous, v));
        previous = v;
    }
    let metrics = naive_metrics(
        &returns,
        &orders,
        fclose.last().copied().unwrap_or(f64::NAN),
        costs,
    );
    NaivePipeline {
        orders,
        position,
        cash,
        value,
        returns,
        metrics,
    }
}

/// Every series of one dual moving-average crossover column.
#[derive(Debug, Clone)]
pub struct NaiveCrossover {
    pub fast: Vec<f64>,
    pub slow: Vec<f64>,
    pub entry: Vec<bool>,
    pub exit: Vec<bool>,
    pub pipeline: NaivePipeline,
}

/// The whole recipe of STRATEGIES.md on one column: both averages, `entry =
/// crossed_above(fast, slow)`, `exit = crossed_above(slow, fast)`, and the simulation.
pub fn naive_crossover(
    close: &[f64],
    fast_window: usize,
    slow_window: usize,
    kind: MaKind,
    costs: NaiveCosts,
) -> NaiveCrossover {
    let fast = naive_ma(close, fast_window, kind);
    let slow = naive_ma(close, slow_window, kind);
    let entry = naive_crossed_above(&fast, &slow);
    let exit = naive_crossed_above(&slow, &fast);
    let pipeline = naive_pipeline(close, &entry, &exit, costs);
    NaiveCrossover {
        fast,
        slow,
        entry,
        exit,
        pipeline,
    }
}

/// The costs of STRATEGIES.md 1.3 with `freq='1D'`.
pub const DAILY_COSTS: NaiveCosts = NaiveCosts {
    fees: 0.001,
    init_cash: 100.0,
    annualisation: 365.0,
};

// ---------------------------------------------------------------------------------------------
// Random closes
// ---------------------------------------------------------------------------------------------

/// One stretch of a generated series.
#[derive(Debug, Clone)]
enum Segment {
    /// `len` NaN closes.
    Gap(usize),
    /// `len` closes at the last price.
    Flat(usize),
    /// A walk of these steps, in ticks.
    Walk(Vec<i32>),
}

/// Random close series of at most `max_bars` bars, every close positive or NaN: walks on a
/// grid of ticks (a cent, a tenth, a quarter or a whole unit, so that closes and averages
/// tie), flat runs (where both averages stick to one value and the last bits decide) and NaN
/// gaps (leading, inner and trailing).
pub fn close_series(max_bars: usize) -> impl Strategy<Value = Vec<f64>> {
    let segment = prop_oneof![
        1 => (1usize..12).prop_map(Segment::Gap),
        2 => (1usize..40).prop_map(Segment::Flat),
        5 => prop::collection::vec(-3i32..=3, 1..40).prop_map(Segment::Walk),
    ];
    (
        prop::sample::select(vec![0.01, 0.1, 0.25, 1.0]),
        1i64..4000,
        prop_oneof![
            1 => Just(Vec::new()),
            15 => prop::collection::vec(segment, 1..16),
        ],
    )
        .prop_map(move |(tick, start, segments)| {
            let mut ticks = start;
            let mut close = Vec::new();
            for segment in segments {
                match segment {
                    Segment::Gap(len) => close.extend(std::iter::repeat_n(f64::NAN, len)),
                    Segment::Flat(len) => {
                        close.extend(std::iter::repeat_n(ticks as f64 * tick, len));
                    }
                    Segment::Walk(steps) => {
                        for step in steps {
                            ticks = (ticks + i64::from(step)).max(1);
                            close.push(ticks as f64 * tick);
                        }
                    }
                }
            }
            close.truncate(max_bars);
            close
        })
}

/// Two symbols of equal length: the second series cut to the first's length, or extended by
/// a flat run at its last close (NaN if it has none).
pub fn two_close_series(max_bars: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (close_series(max_bars), close_series(max_bars)).prop_map(|(a, mut b)| {
        let last = b.last().copied().unwrap_or(f64::NAN);
        b.resize(a.len(), last);
        (a, b)
    })
}

/// Distinct windows in random order.
pub fn distinct_windows(
    max_window: usize,
    count: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::btree_set(1..=max_window, count)
        .prop_map(|set| set.into_iter().collect::<Vec<_>>())
        .prop_shuffle()
}

/// Either kind of moving average.
pub fn ma_kind() -> impl Strategy<Value = MaKind> {
    prop::sample::select(MaKind::ALL.to_vec())
}
