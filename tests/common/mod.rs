//! Shared test helpers: an independent naive SuperTrend and backtest, the golden-vector loader,
//! bitwise comparison, random OHLC data for property tests, and running the examples.
#![allow(dead_code)] // each test crate uses a different subset

pub mod examples;
pub mod strategies;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// Relative tolerance for comparisons between *different* arithmetic orders (never used where
/// the arithmetic is the same: those comparisons are bitwise).
pub const REORDERED_ARITHMETIC_RELATIVE: f64 = 1e-12;

// ---------------------------------------------------------------------------------------------
// The naive reference: SEMANTICS.md transcribed literally, one whole-series pass per stage,
// with its own bar-0 special case, so it shares no code and no structure with the crate.
// ---------------------------------------------------------------------------------------------

/// Every series the reference definition produces, intermediates included.
#[derive(Debug, Clone)]
pub struct NaiveSuperTrend {
    pub tr: Vec<f64>,
    pub atr: Vec<f64>,
    /// Final (possibly ratcheted) bands, as carried to the next bar.
    pub upper: Vec<f64>,
    pub lower: Vec<f64>,
    pub supert: Vec<f64>,
    pub superd: Vec<i8>,
    pub superl: Vec<f64>,
    pub supers: Vec<f64>,
}

impl NaiveSuperTrend {
    /// Bar `i`'s line outputs: the lower band going up, the upper band going down.
    fn record_line(&mut self, i: usize, dir: i8, upper: f64, lower: f64) {
        if dir > 0 {
            self.supert[i] = lower;
            self.superl[i] = lower;
        } else {
            self.supert[i] = upper;
            self.supers[i] = upper;
        }
    }
}

pub fn naive_true_range(high: &[f64], low: &[f64], close: &[f64]) -> Vec<f64> {
    let mut tr = vec![f64::NAN; high.len()];
    for i in 1..high.len() {
        let a = (high[i] - low[i]).abs();
        let b = (high[i] - close[i - 1]).abs();
        let c = (low[i] - close[i - 1]).abs();
        if a.is_nan() || b.is_nan() || c.is_nan() {
            continue;
        }
        let mut m = a;
        if b > m {
            m = b;
        }
        if c > m {
            m = c;
        }
        tr[i] = m;
    }
    tr
}

/// pandas `ewm(alpha=1/period, adjust=False, min_periods=period, ignore_na=False).mean()`,
/// transcribed from pandas' `ewm` Cython loop.
pub fn naive_wilder_atr(tr: &[f64], period: usize) -> Vec<f64> {
    let alpha = 1.0 / period as f64;
    let old_wt_factor = 1.0 - alpha;
    let new_wt = alpha;
    let mut weighted = f64::NAN;
    let mut old_wt = 1.0;
    let mut nobs = 0usize;
    let mut out = Vec::with_capacity(tr.len());
    for &cur in tr {
        let is_observation = !cur.is_nan();
        nobs += is_observation as usize;
        if !weighted.is_nan() {
            old_wt *= old_wt_factor;
            if is_observation {
                if weighted != cur {
                    weighted = (old_wt * weighted + new_wt * cur) / (old_wt + new_wt);
                }
                old_wt = 1.0;
            }
        } else if is_observation {
            weighted = cur;
        }
        out.push(if nobs >= period { weighted } else { f64::NAN });
    }
    out
}

pub fn naive_supertrend(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    multiplier: f64,
) -> NaiveSuperTrend {
    let n = high.len();
    let tr = naive_true_range(high, low, close);
    let atr = naive_wilder_atr(&tr, period);
    let mut out = NaiveSuperTrend {
        tr,
        atr: atr.clone(),
        upper: vec![f64::NAN; n],
        lower: vec![f64::NAN; n],
        supert: vec![f64::NAN; n],
        superd: vec![1; n],
        superl: vec![f64::NAN; n],
        supers: vec![f64::NAN; n],
    };
    let (mut prev_upper, mut prev_lower, mut prev_dir) = (f64::NAN, f64::NAN, 1i8);
    for i in 0..n {
        let mid = (high[i] + low[i]) / 2.0;
        let mut upper = mid + multiplier * atr[i];
        let mut lower = mid - multiplier * atr[i];
        let dir;
        if i == 0 {
            dir = 1;
        } else {
            if close[i] > prev_upper {
                dir = 1;
            } else if close[i] < prev_lower {
                dir = -1;
            } else {
                dir = prev_dir;
                if dir > 0 && lower < prev_lower {
                    lower = prev_lower;
                }
                if dir < 0 && upper > prev_upper {
                    upper = prev_upper;
                }
            }
            out.record_line(i, dir, upper, lower);
        }
        out.superd[i] = dir;
        out.upper[i] = upper;
        out.lower[i] = lower;
        prev_upper = upper;
        prev_lower = lower;
        prev_dir = dir;
    }
    out
}

/// Which of `VARIANTS.md`'s definitions a naive reference computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NaiveVariant {
    TradingView,
    TaLib,
}

/// The TradingView or TA-Lib SuperTrend, transcribed from VARIANTS.md: whole-series passes,
/// with the seed bar found first and handled by its own branch.
pub fn naive_supertrend_variant(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    multiplier: f64,
    variant: NaiveVariant,
) -> NaiveSuperTrend {
    let n = high.len();
    let prev_close = |i: usize| if i == 0 { f64::NAN } else { close[i - 1] };

    // 1. True range.
    let tr: Vec<f64> = (0..n)
        .map(|i| {
            let (h, l, pc) = (high[i], low[i], prev_close(i));
            match variant {
                NaiveVariant::TradingView => {
                    let mut tr = h - l;
                    if !pc.is_nan() {
                        tr = if (h - pc).abs() > tr {
                            (h - pc).abs()
                        } else {
                            tr
                        };
                        tr = if (l - pc).abs() > tr {
                            (l - pc).abs()
                        } else {
                            tr
                        };
                    }
                    tr
                }
                NaiveVariant::TaLib => {
                    if h.is_nan() || l.is_nan() || pc.is_nan() {
                        f64::NAN
                    } else {
                        let mut tr = h - l;
                        tr = if (pc - h).abs() > tr {
                            (pc - h).abs()
                        } else {
                            tr
                        };
                        if (pc - l).abs() > tr {
                            (pc - l).abs()
                        } else {
                            tr
                        }
                    }
                }
            }
        })
        .collect();

    // 2. ATR: the mean of the first `period` observed true ranges, then the variant's step.
    let observed: Vec<usize> = (0..n).filter(|&i| !tr[i].is_nan()).collect();
    let seed = observed.get(period - 1).copied();
    let mut atr = vec![f64::NAN; n];
    if let Some(seed) = seed {
        let mut sum = 0.0;
        for &i in &observed[..period] {
            sum += tr[i];
        }
        let mut current = sum / period as f64;
        atr[seed] = current;
        for i in seed + 1..n {
            if !tr[i].is_nan() {
                current = match variant {
                    NaiveVariant::TradingView => {
                        let a = 1.0 / period as f64;
                        a * tr[i] + (1.0 - a) * current
                    }
                    NaiveVariant::TaLib => {
                        let k = (period - 1) as f64 / period as f64;
                        current.mul_add(k, tr[i] * (1.0 - k))
                    }
                };
            }
            atr[i] = current;
        }
    }

    // 3. Bands and flips (the common rules).
    let mut out = NaiveSuperTrend {
        tr,
        atr: atr.clone(),
        upper: vec![f64::NAN; n],
        lower: vec![f64::NAN; n],
        supert: vec![f64::NAN; n],
        superd: vec![0; n],
        superl: vec![f64::NAN; n],
        supers: vec![f64::NAN; n],
    };
    let mut dir: i8 = if variant == NaiveVariant::TradingView {
        -1
    } else {
        1
    };
    let (mut prev_up, mut prev_lo) = (f64::NAN, f64::NAN);
    for i in 0..n {
        let mid = (high[i] + low[i]) / 2.0;
        let band = multiplier * atr[i];
        let (basic_up, basic_lo) = (mid + band, mid - band);
        let (up, lo);
        if seed == Some(i) {
            up = basic_up;
            lo = basic_lo;
        } else {
            let pc = prev_close(i);
            up = if basic_up >= prev_up && pc <= prev_up {
                prev_up
            } else {
                basic_up
            };
            lo = if basic_lo <= prev_lo && pc >= prev_lo {
                prev_lo
            } else {
                basic_lo
            };
            if dir > 0 && close[i] < lo {
                dir = -1;
            } else if dir < 0 && close[i] > up {
                dir = 1;
            }
        }
        out.record_line(i, dir, up, lo);
        out.superd[i] = dir;
        out.upper[i] = up;
        out.lower[i] = lo;
        prev_up = up;
        prev_lo = lo;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Bitwise comparison
// ---------------------------------------------------------------------------------------------

/// Same bits, except that every NaN equals every NaN (payloads and signs are not part of the
/// definition).
pub fn same_bits(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Index and values of the first bar where two series differ, if any.
pub fn first_difference(expected: &[f64], actual: &[f64]) -> Option<(usize, f64, f64)> {
    assert_eq!(expected.len(), actual.len(), "series lengths differ");
    expected
        .iter()
        .zip(actual)
        .enumerate()
        .find(|(_, (e, a))| !same_bits(**e, **a))
        .map(|(i, (e, a))| (i, *e, *a))
}

/// Panics with the first differing bar unless the two series are bitwise equal.
#[track_caller]
pub fn assert_same_bits(what: &str, expected: &[f64], actual: &[f64]) {
    if let Some((i, e, a)) = first_difference(expected, actual) {
        panic!(
            "{what}: bar {i}: expected {e:?} ({:#018x}), got {a:?} ({:#018x})",
            e.to_bits(),
            a.to_bits()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Golden vectors
// ---------------------------------------------------------------------------------------------

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// One case of a golden directory's `manifest.json`, with its data.
#[derive(Debug, Clone)]
pub struct GoldenCase {
    pub name: String,
    pub period: usize,
    pub multiplier: f64,
    pub first_valid_supert: Option<usize>,
    pub n_dir_flips: usize,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub supert: Vec<f64>,
    pub superd: Vec<i8>,
    pub superl: Vec<f64>,
    pub supers: Vec<f64>,
    pub debug_tr: Vec<f64>,
    pub debug_atr: Vec<f64>,
    pub debug_upper: Vec<f64>,
    pub debug_lower: Vec<f64>,
}

/// A CSV file's columns by header name, as text.
pub type Columns = Vec<(String, Vec<String>)>;

/// Reads a CSV file into columns of text; [`column`] parses one of them.
pub fn read_columns(path: &Path) -> Columns {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut columns: Columns = headers.into_iter().map(|h| (h, Vec::new())).collect();
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{path:?}: {e}"));
        for (field, column) in record.iter().zip(columns.iter_mut()) {
            column.1.push(field.to_string());
        }
    }
    columns
}

/// The column `name` parsed with Rust's correctly rounded parser (which reads `nan` and
/// `NaN` as NaN, `inf` as infinity).
pub fn column(columns: &Columns, name: &str) -> Vec<f64> {
    let (_, values) = columns
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    values
        .iter()
        .enumerate()
        .map(|(row, v)| {
            v.parse()
                .unwrap_or_else(|e| panic!("column {name} row {row} `{v}`: {e}"))
        })
        .collect()
}

/// Every case listed in `tests/data/<dir>/manifest.json`.
pub fn golden_cases(dir: &str) -> Vec<GoldenCase> {
    let dir = data_dir().join(dir);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest.as_array().expect("manifest is a list");
    entries
        .iter()
        .map(|entry| {
            let text = |k: &str| {
                entry[k]
                    .as_str()
                    .unwrap_or_else(|| panic!("manifest {k}"))
                    .to_string()
            };
            let main = read_columns(&dir.join(text("file")));
            let debug = read_columns(&dir.join(text("debug_file")));
            let superd = column(&main, "superd")
                .into_iter()
                .map(|d| {
                    assert!(d == 1.0 || d == -1.0, "superd {d}");
                    d as i8
                })
                .collect();
            GoldenCase {
                name: text("name"),
                period: entry["period"].as_u64().unwrap() as usize,
                multiplier: text("multiplier_repr").parse().unwrap(),
                first_valid_supert: entry["first_valid_supert"].as_u64().map(|v| v as usize),
                n_dir_flips: entry["n_dir_flips"].as_u64().unwrap() as usize,
                high: column(&main, "high"),
                low: column(&main, "low"),
                close: column(&main, "close"),
                supert: column(&main, "supert"),
                superd,
                superl: column(&main, "superl"),
                supers: column(&main, "supers"),
                debug_tr: column(&debug, "tr"),
                debug_atr: column(&debug, "atr"),
                debug_upper: column(&debug, "upper"),
                debug_lower: column(&debug, "lower"),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Random OHLC for property tests
// ---------------------------------------------------------------------------------------------

/// `cases` cases; failing inputs are saved next to the test file (`*.proptest-regressions`).
pub fn proptest_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------

/// One generated bar: how the close moves, how far high and low reach, and what is missing.
#[derive(Debug, Clone, Copy)]
struct BarSpec {
    ret: f64,
    up: f64,
    down: f64,
    kind: u8,
}

/// High, low, close of equal length.
#[derive(Debug, Clone)]
pub struct Ohlc {
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
}

impl Ohlc {
    pub fn len(&self) -> usize {
        self.close.len()
    }

    pub fn slice(&self, range: std::ops::Range<usize>) -> Ohlc {
        Ohlc {
            high: self.high[range.clone()].to_vec(),
            low: self.low[range.clone()].to_vec(),
            close: self.close[range].to_vec(),
        }
    }
}

/// Random-walk bars with random NaN gaps (whole bars and single fields), flat runs (zero true
/// range, which exercises ties and the ATR's equality guard) and prices on a cent grid (so ties
/// between close and band happen at all).
pub fn ohlc(max_bars: usize) -> impl Strategy<Value = Ohlc> {
    bars(max_bars, 0)
}

/// [`ohlc`] without any NaN.
pub fn clean_ohlc(max_bars: usize) -> impl Strategy<Value = Ohlc> {
    bars(max_bars, 4)
}

/// Bar kinds 0..=3 put NaN somewhere, 4..=5 are flat, the rest are ordinary.
fn bars(max_bars: usize, first_kind: u8) -> impl Strategy<Value = Ohlc> {
    let bar = (-0.03f64..0.03, 0.0f64..0.02, 0.0f64..0.02, first_kind..40).prop_map(
        |(ret, up, down, kind)| BarSpec {
            ret,
            up,
            down,
            kind,
        },
    );
    // A run of identical bars (constant true range, where the ATR's `avg != tr` guard decides
    // the last bits), half the time from bar 0.
    let run = (any::<bool>(), any::<prop::sample::Index>(), 0usize..120);
    (
        prop::collection::vec(bar, 0..=max_bars),
        1.0f64..1000.0,
        any::<bool>(),
        run,
    )
        .prop_map(|(bars, start, cents, run)| {
            let round = |x: f64| {
                if cents {
                    (x * 100.0).round() / 100.0
                } else {
                    x
                }
            };
            let mut data = Ohlc {
                high: vec![],
                low: vec![],
                close: vec![],
            };
            let mut price = start;
            for b in bars {
                let open = price;
                let (mut h, mut l, mut c);
                if b.kind == 4 || b.kind == 5 {
                    // flat bar at the previous close
                    h = round(open);
                    l = h;
                    c = h;
                } else {
                    price *= 1.0 + b.ret;
                    c = round(price);
                    h = round(open.max(price) * (1.0 + b.up));
                    l = round(open.min(price) * (1.0 - b.down));
                }
                match b.kind {
                    0 => {
                        h = f64::NAN;
                        l = f64::NAN;
                        c = f64::NAN;
                    }
                    1 => h = f64::NAN,
                    2 => l = f64::NAN,
                    3 => c = f64::NAN,
                    _ => {}
                }
                data.high.push(h);
                data.low.push(l);
                data.close.push(c);
            }
            let (from_start, at, len) = run;
            if !data.close.is_empty() {
                let first = if from_start {
                    0
                } else {
                    at.index(data.close.len())
                };
                for i in first + 1..(first + 1 + len).min(data.close.len()) {
                    data.high[i] = data.high[first];
                    data.low[i] = data.low[first];
                    data.close[i] = data.close[first];
                }
            }
            data
        })
}

/// Any bit pattern for every price: NaN, infinities, subnormals, negative, huge; high < low.
pub fn wild_ohlc(max_bars: usize) -> impl Strategy<Value = Ohlc> {
    prop::collection::vec(
        (
            prop::num::f64::ANY,
            prop::num::f64::ANY,
            prop::num::f64::ANY,
        ),
        0..=max_bars,
    )
    .prop_map(|bars| Ohlc {
        high: bars.iter().map(|b| b.0).collect(),
        low: bars.iter().map(|b| b.1).collect(),
        close: bars.iter().map(|b| b.2).collect(),
    })
}

/// The prices data scrapers produce at their worst: NaN, infinities, signed zeros,
/// subnormals, values whose sum or difference overflows (1e308, `f64::MAX`), negative prices,
/// and any bit pattern at all; high < low happens by chance.
pub fn edge_price() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            5e-324,
            -f64::MIN_POSITIVE / 2.0,
            f64::MIN_POSITIVE,
            1e308,
            -1e308,
            f64::MAX,
            f64::MIN,
        ]),
        4 => -1e3f64..1e3,
        3 => 99.0f64..101.0,
        1 => prop::num::f64::ANY,
    ]
}

/// [`edge_price`] for every field of every bar.
pub fn edge_ohlc(max_bars: usize) -> impl Strategy<Value = Ohlc> {
    prop::collection::vec((edge_price(), edge_price(), edge_price()), 0..=max_bars).prop_map(
        |bars| Ohlc {
            high: bars.iter().map(|b| b.0).collect(),
            low: bars.iter().map(|b| b.1).collect(),
            close: bars.iter().map(|b| b.2).collect(),
        },
    )
}

/// Every valid period, weighted towards the extremes: 1, small, huge, `usize::MAX`.
pub fn extreme_period() -> impl Strategy<Value = usize> {
    prop_oneof![
        1usize..=4,
        1usize..=40,
        Just(usize::MAX),
        Just(usize::MAX / 2 + 1),
        (1usize << 20)..usize::MAX,
    ]
}

/// Every valid multiplier, weighted towards the extremes: zeros, subnormals, values whose
/// product with the ATR overflows (`f64::MAX`, 1e308).
pub fn extreme_multiplier() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![0.0, -0.0, 5e-324, f64::MIN_POSITIVE, 1e308, f64::MAX]),
        0.0f64..10.0,
        prop::num::f64::POSITIVE
            | prop::num::f64::NORMAL
            | prop::num::f64::SUBNORMAL
            | prop::num::f64::ZERO,
    ]
}

/// Any period, valid or not: mostly valid, sometimes 0.
pub fn any_period() -> impl Strategy<Value = usize> {
    prop_oneof![8 => extreme_period(), 1 => Just(0usize)]
}

/// Any multiplier, valid or not: mostly valid, sometimes NaN, infinite or negative.
pub fn any_multiplier() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => extreme_multiplier(),
        1 => prop::sample::select(vec![
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0,
            -5e-324,
            f64::MIN,
        ]),
    ]
}

pub fn period() -> impl Strategy<Value = usize> {
    prop_oneof![1usize..=5, 1usize..=40]
}

/// Multipliers as users write them: zero, tenths (the tutorial grid's `k / 10`), and any value.
/// Every definition of SuperTrend.
pub fn variant() -> impl Strategy<Value = ta_sweep::Variant> {
    prop::sample::select(ta_sweep::Variant::ALL.to_vec())
}

/// The naive reference of any variant.
pub fn naive_for(
    variant: ta_sweep::Variant,
    data: &Ohlc,
    period: usize,
    multiplier: f64,
) -> NaiveSuperTrend {
    let (h, l, c) = (&data.high, &data.low, &data.close);
    match variant {
        ta_sweep::Variant::Vectorbt => naive_supertrend(h, l, c, period, multiplier),
        ta_sweep::Variant::TradingView => {
            naive_supertrend_variant(h, l, c, period, multiplier, NaiveVariant::TradingView)
        }
        ta_sweep::Variant::TaLib => {
            naive_supertrend_variant(h, l, c, period, multiplier, NaiveVariant::TaLib)
        }
        other => panic!("no naive reference for {other:?}"),
    }
}

pub fn multiplier() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        (0u32..=100).prop_map(|k| k as f64 / 10.0),
        0.0f64..10.0,
    ]
}

// ---------------------------------------------------------------------------------------------
// Deterministic multi-symbol data for the sweep tests
// ---------------------------------------------------------------------------------------------

/// A tiny seeded generator (xorshift64*), so fixed tests need no proptest runner.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `symbols` random walks of `bars` bars, with a NaN sprinkled in every ~`nan_every` bars
/// (0: none) and a flat run in each.
pub fn random_symbols(bars: usize, symbols: usize, seed: u64, nan_every: usize) -> Vec<Ohlc> {
    let mut rng = Rng::new(seed);
    (0..symbols)
        .map(|_| {
            let mut data = Ohlc {
                high: vec![],
                low: vec![],
                close: vec![],
            };
            let mut price = 50.0 + 100.0 * rng.next_f64();
            for i in 0..bars {
                let open = price;
                price *= 1.0 + 0.04 * (rng.next_f64() - 0.5);
                let (mut h, mut l, mut c) = (
                    open.max(price) * (1.0 + 0.01 * rng.next_f64()),
                    open.min(price) * (1.0 - 0.01 * rng.next_f64()),
                    price,
                );
                if i % 97 >= 90 {
                    // a flat run: zero true range
                    (h, l, c) = (open, open, open);
                    price = open;
                }
                if nan_every > 0 && rng.next_f64() < 1.0 / nan_every as f64 {
                    match (rng.next_f64() * 4.0) as u32 {
                        0 => h = f64::NAN,
                        1 => l = f64::NAN,
                        2 => c = f64::NAN,
                        _ => (h, l, c) = (f64::NAN, f64::NAN, f64::NAN),
                    }
                }
                data.high.push(h);
                data.low.push(l);
                data.close.push(c);
            }
            data
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The naive backtest: PIPELINE.md transcribed literally, one whole-series pass per stage, the
// per-bar series rebuilt from the order records as vectorbt does (section 5), and every metric
// from those arrays. It shares no code and no structure with the crate's engine.
// ---------------------------------------------------------------------------------------------

/// Relative tolerance of the one-pass variance's Sharpe ratio against the exact one (the
/// crate documents the same bound for `Variance::OnePass`).
pub const ONE_PASS_SHARPE_RELATIVE: f64 = 1e-9;

/// The backtest costs, as plain numbers.
#[derive(Debug, Clone, Copy)]
pub struct NaiveCosts {
    pub fees: f64,
    pub init_cash: f64,
    pub annualisation: f64,
}

/// One order record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NaiveOrder {
    pub bar: usize,
    pub buy: bool,
    pub size: f64,
    pub price: f64,
    pub fee: f64,
}

/// The metrics of one column.
#[derive(Debug, Clone, Copy)]
pub struct NaiveMetrics {
    pub sharpe: f64,
    pub total_return: f64,
    pub max_drawdown: f64,
    pub trades: usize,
    pub closed_trades: usize,
}

/// Every series of one column's backtest.
#[derive(Debug, Clone)]
pub struct NaiveBacktest {
    pub superl: Vec<f64>,
    pub supers: Vec<f64>,
    pub entry: Vec<bool>,
    pub exit: Vec<bool>,
    pub orders: Vec<NaiveOrder>,
    pub position: Vec<f64>,
    pub cash: Vec<f64>,
    pub value: Vec<f64>,
    pub returns: Vec<f64>,
    pub metrics: NaiveMetrics,
}

/// vectorbt's `is_close_nb` with its default tolerances.
pub fn vbt_is_close(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() || a.is_infinite() || b.is_infinite() {
        return false;
    }
    if a == b {
        return true;
    }
    (a - b).abs() <= f64::max(1e-9 * f64::max(a.abs(), b.abs()), 1e-12)
}

pub fn vbt_is_less(a: f64, b: f64) -> bool {
    !vbt_is_close(a, b) && a < b
}

fn np_sign(x: f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// vectorbt's `add_nb`.
pub fn vbt_add(a: f64, b: f64) -> f64 {
    let zero = if np_sign(a) != np_sign(b) {
        vbt_is_close(a.abs(), b.abs())
    } else {
        vbt_is_close(a + b, 0.0)
    };
    if zero {
        0.0
    } else {
        a + b
    }
}

/// vectorbt's `get_return_nb`.
pub fn vbt_get_return(input: f64, output: f64) -> f64 {
    if input == 0.0 {
        if output == 0.0 {
            return 0.0;
        }
        return f64::INFINITY * np_sign(output);
    }
    let mut r = (output - input) / input;
    if input < 0.0 {
        r *= -1.0;
    }
    r
}

/// `close` forward-filled, then back-filled.
pub fn forward_back_filled(close: &[f64]) -> Vec<f64> {
    let mut out = close.to_vec();
    for i in 1..out.len() {
        if out[i].is_nan() {
            out[i] = out[i - 1];
        }
    }
    for i in (0..out.len().saturating_sub(1)).rev() {
        if out[i].is_nan() {
            out[i] = out[i + 1];
        }
    }
    out
}

/// The long-only simulation of PIPELINE.md section 4: the order records only.
pub fn naive_orders(
    close: &[f64],
    entry: &[bool],
    exit: &[bool],
    costs: NaiveCosts,
) -> Vec<NaiveOrder> {
    let (mut cash, mut pos) = (costs.init_cash, 0.0f64);
    let mut orders = Vec::new();
    for i in 0..close.len() {
        let buy = if entry[i] && exit[i] {
            continue;
        } else if pos > 0.0 && exit[i] {
            false
        } else if pos == 0.0 && entry[i] {
            true
        } else {
            continue;
        };
        if vbt_is_close(cash, 0.0) {
            cash = 0.0;
        }
        if vbt_is_close(pos, 0.0) {
            pos = 0.0;
        }
        let price = close[i];
        if price.is_nan() {
            continue;
        }
        if buy {
            if cash == 0.0 {
                continue;
            }
            let max_req = vbt_add(cash, -0.0) / (1.0 + costs.fees);
            let size = max_req / price;
            let fee = cash - max_req;
            if vbt_is_less(size, 1e-8) {
                continue;
            }
            cash = vbt_add(cash, -cash);
            pos = vbt_add(pos, size);
            orders.push(NaiveOrder {
                bar: i,
                buy,
                size,
                price,
                fee,
            });
        } else {
            let size = pos.min(pos.abs());
            if pos == 0.0 || vbt_is_close(size, 0.0) || vbt_is_less(size, 1e-8) {
                continue;
            }
            let acq = size * price;
            let fee = acq * costs.fees + 0.0;
            cash += vbt_add(acq, -fee);
            pos = vbt_add(pos, -size);
            orders.push(NaiveOrder {
                bar: i,
                buy,
                size,
                price,
                fee,
            });
        }
    }
    orders
}

/// Section 6 from the returns, the order records and the last forward-filled close.
pub fn naive_metrics(
    returns: &[f64],
    orders: &[NaiveOrder],
    last_fclose: f64,
    costs: NaiveCosts,
) -> NaiveMetrics {
    let n = returns.len();
    // Sharpe: nanmean, then the two-pass variance with ddof = 1.
    let valid: Vec<f64> = returns.iter().copied().filter(|r| !r.is_nan()).collect();
    let cnt = valid.len() as f64;
    let mut s = 0.0;
    for x in &valid {
        s += x - 0.0;
    }
    let mean = s / cnt;
    let mut ssd = 0.0;
    for x in &valid {
        let d = (x - 0.0) - mean;
        ssd += d * d;
    }
    let std = if cnt - 1.0 <= 0.0 {
        f64::NAN
    } else {
        (ssd / cnt * cnt / (cnt - 1.0)).sqrt()
    };
    let sharpe = if n < 2 {
        f64::NAN
    } else if std == 0.0 {
        f64::INFINITY
    } else {
        mean / std * costs.annualisation.sqrt()
    };

    // Total return from the order records.
    let (mut pc, mut q) = (0.0, 0.0);
    for o in orders {
        if o.buy {
            q = vbt_add(q, o.size);
            pc = vbt_add(pc, -(o.size * o.price + o.fee));
        } else {
            q = vbt_add(q, -o.size);
            pc = vbt_add(pc, o.size * o.price - o.fee);
        }
    }
    let total_return = if orders.is_empty() {
        0.0
    } else {
        (pc + q * last_fclose) / costs.init_cash
    };

    // Max drawdown on the cumulative returns, every bar divided.
    let max_drawdown = if n == 0 {
        f64::NAN
    } else {
        let mut cum = 1.0;
        let mut running_max = f64::NAN;
        let mut worst = f64::INFINITY;
        let mut any_nan = false;
        for &r in returns {
            if !r.is_nan() {
                cum *= r + 1.0;
            }
            let c = cum * 100.0;
            if running_max.is_nan() || c > running_max {
                running_max = c;
            }
            let dd = c / running_max - 1.0;
            any_nan |= dd.is_nan();
            if dd < worst {
                worst = dd;
            }
        }
        if any_nan {
            f64::NAN
        } else {
            worst
        }
    };

    let sells = orders.iter().filter(|o| !o.buy).count();
    let final_position = orders
        .iter()
        .fold(0.0, |q, o| vbt_add(q, if o.buy { o.size } else { -o.size }));
    NaiveMetrics {
        sharpe,
        total_return,
        max_drawdown,
        trades: sells + usize::from(final_position > 0.0),
        closed_trades: sells,
    }
}

/// The whole pipeline on one column.
pub fn naive_backtest(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
    multiplier: f64,
    costs: NaiveCosts,
) -> NaiveBacktest {
    let st = naive_supertrend(high, low, close, period, multiplier);
    naive_backtest_of(st, close, costs)
}

/// The pipeline after SuperTrend, on any variant's outputs.
pub fn naive_backtest_of(st: NaiveSuperTrend, close: &[f64], costs: NaiveCosts) -> NaiveBacktest {
    let n = close.len();
    let entry: Vec<bool> = (0..n)
        .map(|i| i >= 1 && !st.superl[i - 1].is_nan())
        .collect();
    let exit: Vec<bool> = (0..n)
        .map(|i| i >= 1 && !st.supers[i - 1].is_nan())
        .collect();
    // Sections 4 to 6 are every strategy's: the orders, the cash and position rebuilt from
    // the records, the value at the filled close, the returns and the metrics.
    let pipeline = strategies::naive_pipeline(close, &entry, &exit, costs);
    NaiveBacktest {
        superl: st.superl,
        supers: st.supers,
        entry,
        exit,
        orders: pipeline.orders,
        position: pipeline.position,
        cash: pipeline.cash,
        value: pipeline.value,
        returns: pipeline.returns,
        metrics: pipeline.metrics,
    }
}

/// Whether every close is tradable or missing, as a backtest requires.
pub fn valid_closes(data: &[&Ohlc]) -> bool {
    data.iter().all(|d| {
        d.close
            .iter()
            .all(|c| c.is_nan() || (c.is_finite() && *c > 0.0))
    })
}

/// Two symbols of equal length.
pub fn two_symbols(max_bars: usize) -> impl Strategy<Value = (Ohlc, Ohlc)> {
    (ohlc(max_bars), ohlc(max_bars)).prop_map(|(a, b)| {
        let n = a.len().min(b.len());
        (a.slice(0..n), b.slice(0..n))
    })
}

/// Panics at the first column whose backtest metrics differ in any bit (NaN Sharpe ratios
/// included) between two runs that must agree.
#[track_caller]
pub fn assert_same_metrics(
    what: &str,
    expected: &[ta_sweep::ColumnMetrics],
    actual: &[ta_sweep::ColumnMetrics],
) {
    assert_eq!(expected.len(), actual.len(), "{what}: columns");
    for (j, (e, a)) in expected.iter().zip(actual).enumerate() {
        let same = same_bits(e.sharpe, a.sharpe)
            && same_bits(e.total_return, a.total_return)
            && same_bits(e.max_drawdown, a.max_drawdown)
            && (e.trades, e.closed_trades) == (a.trades, a.closed_trades);
        assert!(same, "{what}: column {j}: expected {e:?}, got {a:?}");
    }
}
