//! Arbitrary prices, grids, costs, variants, variances, options and windows through the public
//! backtest API: every call returns `Ok` or one of the errors its documentation lists, never
//! panics, and where it succeeds, spot-checked columns equal `ta_sweep::backtest_trace` and
//! rolling windows equal the backtest of their slice alone.
#![no_main]

use std::ops::Range;
use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rayon::ThreadPool;
use ta_sweep::backtest::Engine;
use ta_sweep::{
    annualisation_from_interval, backtest_trace, supertrend, Backtest, BacktestConfig,
    ColumnMetrics, Columns, Error, Prices, Side, SuperTrend, SuperTrendParams, Variance, Variant,
};

mod common;
use common::{pool, split, Bar, Grid, Multiplier, Period, Price, SuperTrendGrid};

/// Bounds that keep one execution well under a millisecond.
const MAX_SYMBOLS: usize = 3;
const MAX_VALUES: usize = 4;
const MAX_WINDOWS: usize = 8;

/// Fees: usually a few basis points, sometimes any bits.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Fees {
    Bps(u8),
    Bits(f64),
}

impl Fees {
    fn value(self) -> f64 {
        match self {
            Fees::Bps(k) => f64::from(k) / 10_000.0,
            Fees::Bits(x) => x,
        }
    }
}

/// Initial cash or bars per year: usually a whole number (0 included), sometimes any bits.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Amount {
    Whole(u16),
    Bits(f64),
}

impl Amount {
    fn value(self) -> f64 {
        match self {
            Amount::Whole(k) => f64::from(k),
            Amount::Bits(x) => x,
        }
    }
}

/// A bar interval: usually whole seconds (0 included), sometimes any duration.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Interval {
    Secs(u32),
    Any(u64, u32),
}

impl Interval {
    fn value(self) -> Duration {
        match self {
            Interval::Secs(s) => Duration::from_secs(u64::from(s)),
            Interval::Any(s, n) => Duration::new(s, n % 1_000_000_000),
        }
    }
}

/// Rolling windows: usually a length that fits the data and a small step (0 included),
/// sometimes any.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Window {
    Fit(u8, u8),
    Any(usize, usize),
}

impl Window {
    /// `(window_len, step)` over `bars` bars.
    fn value(self, bars: usize) -> (usize, usize) {
        match self {
            Window::Fit(len, step) => (usize::from(len) % (bars + 1), usize::from(step) % 16),
            Window::Any(len, step) => (len, step),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    symbols: Vec<Vec<(Price, Price, Price)>>,
    /// Cut every symbol to this many bars (at most the shortest's).
    bars: u8,
    grid: Grid,
    /// Fees, initial cash and annualisation: the default's where absent.
    costs: (Option<Fees>, Option<Amount>, Option<Amount>),
    bar_interval: Option<Interval>,
    variant: u8,
    one_pass: bool,
    chunk_len: Option<usize>,
    threads: u8,
    window: Window,
    /// `backtest_trace` of symbol 0 with these parameters; the last byte, when high, drops
    /// the last bar of one of its series.
    trace: (Period, Multiplier, u8),
}

/// The options of every backtest of one input.
struct Options {
    variant: Variant,
    variance: Variance,
    chunk_len: Option<usize>,
    pool: &'static ThreadPool,
}

impl Options {
    fn backtest<'s, 'p>(
        &self,
        prices: &'s Prices<'p>,
        grid: &'s SuperTrendGrid,
        config: BacktestConfig,
    ) -> Backtest<'s, 'p, SuperTrend> {
        let backtest = Backtest::new(SuperTrend::new(self.variant), prices, grid, config)
            .variance(self.variance)
            .pool(self.pool);
        match self.chunk_len {
            Some(len) => backtest.chunk_len(len),
            None => backtest,
        }
    }
}

/// A close a backtest can trade at, or NaN (a missing bar).
fn valid_close(c: f64) -> bool {
    c.is_nan() || (c.is_finite() && c > 0.0)
}

/// The first close that is zero, negative or infinite, as `(symbol, bar, close bits)`.
fn first_invalid_close<'a>(
    closes: impl IntoIterator<Item = &'a [f64]>,
) -> Option<(usize, usize, u64)> {
    closes.into_iter().enumerate().find_map(|(symbol, close)| {
        let bar = close.iter().position(|&c| !valid_close(c))?;
        Some((symbol, bar, close[bar].to_bits()))
    })
}

/// A value's bits, every NaN as one.
fn bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

/// Every metric as bits; the Sharpe ratio only with the exact variance (the one-pass
/// variance's is not bit-exact, every other metric is).
fn metric_bits(m: &ColumnMetrics, variance: Variance) -> (Option<u64>, u64, u64, usize, usize) {
    (
        (variance == Variance::Exact).then(|| bits(m.sharpe)),
        bits(m.total_return),
        bits(m.max_drawdown),
        m.trades,
        m.closed_trades,
    )
}

/// An error of [`Backtest::run`]'s documentation, and one that applies.
fn expect_run_error(
    call: &str,
    e: Error,
    invalid_close: Option<(usize, usize, u64)>,
    chunk_len: Option<usize>,
) {
    match e {
        Error::InvalidClose { symbol, bar, close } => assert_eq!(
            Some((symbol, bar, close.to_bits())),
            invalid_close,
            "{call}: not the first invalid close"
        ),
        Error::InvalidChunkLen { chunk_len: 0 } => {
            assert_eq!(chunk_len, Some(0), "{call}: chunk length")
        }
        // `TooManyColumns` is documented too, but these few columns cannot overflow.
        e => panic!("{call}: undocumented {e:?}"),
    }
}

/// The first and last columns of a backtest against `backtest_trace` of their series.
fn spot_check(
    columns: &Columns<(usize, f64)>,
    metrics: &[ColumnMetrics],
    data: &[Vec<Bar>],
    variant: Variant,
    variance: Variance,
    config: &BacktestConfig,
) {
    let width = columns.len();
    for j in [0, width.saturating_sub(1)]
        .into_iter()
        .filter(|&j| j < width)
    {
        let key = columns.key(j).unwrap();
        let label = columns.label(j).unwrap();
        let [high, low, close] = split(&data[key.symbol]);
        let (period, multiplier) = key.params;
        let params = SuperTrendParams::new(period, multiplier)
            .unwrap()
            .with_variant(variant);
        let trace = backtest_trace(&high, &low, &close, params, config)
            .unwrap_or_else(|e| panic!("backtest_trace {label}: {e:?} where the backtest ran"));
        assert_eq!(
            metric_bits(&metrics[j], variance),
            metric_bits(&trace.metrics, variance),
            "{label}: {:?} against the trace's {:?}",
            metrics[j],
            trace.metrics
        );
    }
}

fuzz_target!(|input: Input| {
    let data = common::symbols(&input.symbols, MAX_SYMBOLS, Some(input.bars));
    if data.is_empty() {
        return;
    }
    let columns: Vec<[Vec<f64>; 3]> = data.iter().map(|s| split(s)).collect();
    let prices = Prices::from_symbols(columns.iter().map(|[h, l, c]| (&h[..], &l[..], &c[..])))
        .expect("symbols of one length");
    let bars = prices.bars();
    let Some(grid) = input.grid.build(MAX_VALUES) else {
        return;
    };

    let (fees, init_cash, annualisation) = (
        input.costs.0.map_or(0.001, Fees::value),
        input.costs.1.map_or(100.0, Amount::value),
        input.costs.2.map_or(365.0, Amount::value),
    );
    let valid_fees = fees.is_finite() && (0.0..1.0).contains(&fees);
    let valid_cash = init_cash.is_finite() && init_cash > 0.0;
    let valid_annualisation = annualisation.is_finite() && annualisation > 0.0;
    let config = match BacktestConfig::new(fees, init_cash, annualisation) {
        Ok(config) => {
            assert!(valid_fees && valid_cash && valid_annualisation);
            assert_eq!(
                (config.fees(), config.init_cash(), config.annualisation()),
                (fees, init_cash, annualisation)
            );
            config
        }
        Err(Error::InvalidFees { fees: f }) => {
            assert!(!valid_fees && f.to_bits() == fees.to_bits());
            return;
        }
        Err(Error::InvalidInitCash { init_cash: c }) => {
            assert!(!valid_cash && c.to_bits() == init_cash.to_bits());
            return;
        }
        Err(Error::InvalidAnnualisation { annualisation: a }) => {
            assert!(!valid_annualisation && a.to_bits() == annualisation.to_bits());
            return;
        }
        Err(e) => panic!("BacktestConfig::new: undocumented {e:?}"),
    };
    let config = match input.bar_interval.map(Interval::value) {
        None => config,
        Some(interval) => match config.with_bar_interval(interval) {
            Ok(hourly) => {
                let expected = annualisation_from_interval(interval).unwrap();
                assert_eq!(
                    (hourly.fees(), hourly.init_cash(), hourly.annualisation()),
                    (fees, init_cash, expected)
                );
                hourly
            }
            Err(Error::InvalidBarInterval { interval: i }) => {
                assert!(interval.is_zero() && i == interval);
                return;
            }
            Err(e) => panic!("with_bar_interval: undocumented {e:?}"),
        },
    };

    let variant = Variant::ALL[usize::from(input.variant) % Variant::ALL.len()];
    let variance = if input.one_pass {
        Variance::OnePass
    } else {
        Variance::Exact
    };
    let pool = pool(input.threads);
    let options = Options {
        variant,
        variance,
        chunk_len: input.chunk_len,
        pool,
    };
    let backtest = options.backtest(&prices, &grid, config);
    let invalid_close = first_invalid_close(columns.iter().map(|[_, _, c]| &c[..]));
    let runs = invalid_close.is_none() && input.chunk_len != Some(0);
    let width = grid.len() * prices.symbols();

    match backtest.run() {
        Ok(out) => {
            assert!(
                runs,
                "run: Ok despite {invalid_close:?}, {:?}",
                input.chunk_len
            );
            assert_eq!(out.columns.len(), width);
            assert_eq!(out.metrics.len(), width);
            assert!(out.metrics.iter().all(|m| m.trades >= m.closed_trades));
            spot_check(
                &out.columns,
                &out.metrics,
                &data,
                variant,
                variance,
                &config,
            );
            // Every column, the lane engine (the default) against the scalar engine.
            let scalar = backtest.engine(Engine::Scalar).run().expect("the same run");
            for (j, (lanes, scalar)) in out.metrics.iter().zip(&scalar.metrics).enumerate() {
                assert_eq!(
                    metric_bits(lanes, Variance::Exact),
                    metric_bits(scalar, Variance::Exact),
                    "column {j}: lane engine {lanes:?}, scalar engine {scalar:?}"
                );
            }
        }
        Err(e) => expect_run_error("run", e, invalid_close, input.chunk_len),
    }

    let (window_len, step) = input.window.value(bars);
    let fits = (1..=bars).contains(&window_len) && step > 0;
    // Many small windows would take long; the checks of the arguments run with any.
    if !fits || (bars - window_len) / step < MAX_WINDOWS {
        match backtest.rolling(window_len, step) {
            Ok(out) => {
                assert!(fits && runs, "rolling: Ok with ({window_len}, {step})");
                let windows: Vec<Range<usize>> = (0..=bars - window_len)
                    .step_by(step)
                    .map(|start| start..start + window_len)
                    .collect();
                assert_eq!(out.windows, windows);
                assert_eq!(out.columns.len(), width);
                assert_eq!(out.metrics.len(), windows.len() * width);
                assert!(out.metrics.iter().all(|m| m.trades >= m.closed_trades));
                for w in [0, windows.len() - 1] {
                    let r = windows[w].clone();
                    let slice = Prices::from_symbols(
                        columns
                            .iter()
                            .map(|[h, l, c]| (&h[r.clone()], &l[r.clone()], &c[r.clone()])),
                    )
                    .unwrap();
                    let alone = options.backtest(&slice, &grid, config).run().unwrap();
                    let exact = |m: &[ColumnMetrics]| {
                        m.iter()
                            .map(|m| metric_bits(m, Variance::Exact))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(
                        exact(out.window(w).unwrap()),
                        exact(&alone.metrics),
                        "window {w} ({r:?}) against its slice alone"
                    );
                }
            }
            Err(Error::InvalidWindowLen {
                window_len: len,
                bars: b,
            }) => assert!(
                (len, b) == (window_len, bars) && !(1..=bars).contains(&window_len),
                "rolling: InvalidWindowLen {len} of {b} bars"
            ),
            Err(Error::InvalidWindowStep { step: s }) => {
                assert!(s == step && step == 0, "rolling: InvalidWindowStep {s}")
            }
            Err(e) => expect_run_error("rolling", e, invalid_close, input.chunk_len),
        }
    }

    let (period, multiplier, cut) = input.trace;
    let (period, multiplier) = (period.value(), multiplier.value());
    let params = match SuperTrendParams::new(period, multiplier) {
        Ok(params) => params.with_variant(variant),
        Err(Error::InvalidPeriod { period: p }) => {
            assert!(p == 0 && period == 0);
            return;
        }
        Err(Error::InvalidMultiplier { multiplier: m }) => {
            assert!(m.to_bits() == multiplier.to_bits() && !(m.is_finite() && m >= 0.0));
            return;
        }
        Err(e) => panic!("SuperTrendParams::new: undocumented {e:?}"),
    };
    let [mut high, mut low, mut close] = columns[0].clone();
    if cut >= 224 {
        [&mut high, &mut low, &mut close][usize::from(cut % 3)].pop();
    }
    let lengths = (high.len(), low.len(), close.len());
    let invalid_close = first_invalid_close([&close[..]]);
    match backtest_trace(&high, &low, &close, params, &config) {
        Ok(trace) => {
            assert!(lengths.0 == lengths.1 && lengths.1 == lengths.2 && invalid_close.is_none());
            let n = close.len();
            let line = |name: &str| {
                trace
                    .get::<f64>(name)
                    .unwrap_or_else(|| panic!("the trace has no {name}"))
            };
            let superd = trace.get::<i8>("superd").expect("the trace has superd");
            assert!([
                line("supert").len(),
                line("superl").len(),
                line("supers").len()
            ]
            .into_iter()
            .chain([superd.len(), trace.entry.len(), trace.exit.len()])
            .chain([trace.position.len(), trace.cash.len(), trace.value.len()])
            .chain([trace.returns.len(), trace.orders.len()])
            .all(|len| len == n));
            assert!(superd.iter().all(|&d| d == 1 || d == -1));
            let orders = |side| {
                trace
                    .orders
                    .iter()
                    .flatten()
                    .filter(|o| o.side == side)
                    .count()
            };
            let m = &trace.metrics;
            // The sells, and a position still open at the end: the buys, unless an order
            // overflowed (a buy from the NaN cash of such a sale opens no trade).
            let open = trace.position.last().is_some_and(|&p| p > 0.0);
            assert_eq!(
                (m.trades, m.closed_trades),
                (orders(Side::Sell) + usize::from(open), orders(Side::Sell))
            );
            let sane = trace.orders.iter().flatten().all(|o| o.size.is_finite());
            assert!(m.trades == orders(Side::Buy) || !sane && m.trades < orders(Side::Buy));
            assert!(m.trades >= m.closed_trades);
            // The same column through the grid path.
            let one = Prices::single(&high, &low, &close).unwrap();
            let pair = supertrend::pairs(&[(period, multiplier)]).unwrap();
            let out = Backtest::new(SuperTrend::new(variant), &one, &pair, config)
                .variance(variance)
                .pool(pool)
                .run()
                .unwrap();
            assert_eq!(
                metric_bits(&out.metrics[0], variance),
                metric_bits(m, variance),
                "({period}, {multiplier}): the backtest {:?}, the trace {m:?}",
                out.metrics[0]
            );
        }
        Err(Error::LengthMismatch { high, low, close }) => {
            assert!((high, low, close) == lengths && !(high == low && low == close))
        }
        Err(Error::InvalidClose { symbol, bar, close }) => {
            assert_eq!(Some((symbol, bar, close.to_bits())), invalid_close)
        }
        Err(e) => panic!("backtest_trace: undocumented {e:?}"),
    }
});
