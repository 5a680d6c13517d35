//! Shared test helpers: an independent naive SuperTrend, the golden-vector loader, bitwise
//! comparison and random OHLC data for property tests.
#![allow(dead_code)] // each test crate uses a different subset

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
