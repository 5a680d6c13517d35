//! Technical indicators over whole parameter grids and many symbols, bit-exact and fast, with
//! a fused backtest of every combination.
//!
//! `ta_sweep` computes SuperTrend (the one-pass SuperTrend of the vectorbt "SuperFast
//! SuperTrend" tutorial, with pandas' Wilder ATR, and TradingView's and TA-Lib's definitions),
//! vectorbt's moving averages and any indicator you write, exactly as their reference
//! definitions prescribe, to the last bit, so a sweep can be trusted against other tools.
//!
//! # Example
//! ```
//! use ta_sweep::{supertrend, SuperTrendParams};
//!
//! let high = [10.0, 10.5, 10.4, 10.9, 11.2, 11.0, 10.6];
//! let low = [9.0, 9.6, 9.7, 10.1, 10.4, 10.2, 9.9];
//! let close = [9.5, 10.2, 10.0, 10.8, 11.0, 10.5, 10.0];
//!
//! let st = supertrend(&high, &low, &close, SuperTrendParams::new(3, 2.0)?)?;
//! assert_eq!(st.supert.len(), high.len());
//! assert!(st.supert[..3].iter().all(|x| x.is_nan())); // warm-up
//! assert_eq!(st.superd[3], 1);                          // the first line value is long
//!
//! // Continue live, one bar at a time, from where the batch run stopped.
//! let mut live = st.state;
//! let bar = live.update(10.3, 9.6, 9.7);
//! println!("line {} direction {}", bar.supert, bar.superd);
//! # Ok::<(), ta_sweep::Error>(())
//! ```
//!
//! # Sweeping a grid
//! ```
//! use ndarray::Array2;
//! use ta_sweep::{supertrend, ColumnKey, Prices, SuperTrend, Sweep};
//!
//! // 1,000 bars of 2 symbols, as (bars, symbols) arrays.
//! let close = Array2::from_shape_fn((1000, 2), |(i, s)| 100.0 + (i as f64 * 0.05 + s as f64).sin());
//! let (high, low) = (&close + 0.4, &close - 0.4);
//! let prices = Prices::from_arrays(&high, &low, &close)?;
//!
//! // Periods 4..=19 x multipliers 2.0..=4.0 step 0.1: 336 combinations, 672 columns.
//! let grid = supertrend::tutorial_grid();
//! let out = Sweep::new(SuperTrend::default(), &prices, &grid).run()?;
//! assert_eq!(out.supert().unwrap().dim(), (1000, 672));
//! assert_eq!(out.columns.key(25).unwrap(), ColumnKey::new((4, 3.2), 1));
//! assert_eq!(out.columns.label(25).unwrap(), "p4_m3.2_c1");
//! # Ok::<(), ta_sweep::Error>(())
//! ```
//!
//! # The open factory
//! Any indicator sweeps the same way: it implements [`Indicator`] (what it shares per symbol
//! and per group of columns, how many columns it computes per call, its named, typed
//! outputs), or wraps a per-column function in an [`FnIndicator`]. [`Ma`] is the second
//! built-in, [`Pair`] runs two indicators as one, and [`Grid`] builds products, tuples and
//! combinations of any parameters. The backtest takes any [`Strategy`]: an indicator and a
//! [`SignalRule`](backtest::SignalRule) over its outputs. vectorbt's dual moving-average
//! sweep:
//! ```
//! use ta_sweep::{Backtest, BacktestConfig, Grid, MaCrossover, Prices};
//!
//! let close: Vec<f64> = (0..1500).map(|i| 100.0 + (i as f64 * 0.01).sin() * 20.0).collect();
//! let prices = Prices::from_close_series([&close[..]])?;
//! let windows: Vec<usize> = (2..=100).collect();
//! let grid = Grid::combinations(&["fast", "slow"], &windows)?; // 4,851 (fast, slow) pairs
//! let out = Backtest::new(MaCrossover::simple(), &prices, &grid, BacktestConfig::default()).run()?;
//! let (key, best) = out.columns.keys().zip(&out.metrics)
//!     .filter(|(_, m)| m.sharpe.is_finite())
//!     .max_by(|a, b| a.1.sharpe.total_cmp(&b.1.sharpe))
//!     .unwrap();
//! println!("fast {} slow {}: Sharpe {:.2}", key.params.0, key.params.1, best.sharpe);
//! # Ok::<(), ta_sweep::Error>(())
//! ```
//!
//! # Map of the crate
//! - [`supertrend`](mod@supertrend) (the module): one series ([`supertrend()`], [`supertrend_into`],
//!   [`SuperTrendState`], all equal bit for bit), the layers they are built from
//!   ([`true_range()`], [`WilderAtr`], [`wilder_atr_into`]), the [`SuperTrend`] indicator and its
//!   grids ([`supertrend::grid`], [`supertrend::tutorial_grid`]); [`Variant`] picks the
//!   definition.
//! - [`ma`]: simple and exponential moving averages, one series and the [`Ma`] indicator.
//! - [`atr`]: the average true range as an indicator of its own.
//! - [`grid`]: [`Grid`] (products, tuples, combinations, filters), [`Row`],
//!   [`fraction_range`]; [`Columns`] and [`ColumnKey`] say which column holds what.
//! - [`factory`]: the [`Indicator`] and [`Streaming`] contracts, [`Sweep`] (configure and
//!   run), [`SweepOutput`] (the matrices), [`SweepBuffers`] and [`output_matrix`]
//!   (caller-owned matrices), [`Sweep::reduce`] and [`ColumnView`] (one value per column,
//!   nothing materialised), [`SweepState`] (a whole grid, bar by bar), [`Pair`],
//!   [`FnIndicator`], [`OutputSet`].
//! - [`schema`]: output names and element types ([`OutputSpec`], [`Dtype`], [`Element`]).
//! - [`Prices`]: one or many symbols, with high, low and close or closes alone.
//! - [`backtest`]: [`Backtest`] scores every column of a strategy's sweep (the indicator, its
//!   signals, a simulation with fees, the metrics) without materialising it, one
//!   [`ColumnMetrics`] row per column in a [`BacktestOutput`], or per window and column with
//!   [`Backtest::rolling`]; the rules [`SuperTrendSignals`](backtest::SuperTrendSignals),
//!   [`Crossover`](backtest::Crossover) and [`Threshold`](backtest::Threshold);
//!   [`BacktestConfig`] and [`annualisation_from_interval`] (costs and annualisation),
//!   [`Variance`], [`backtest::Engine`] (columns in SIMD lanes, or one at a time), and
//!   [`backtest::trace`] / [`backtest_trace`] (one column bar by bar).
//! - [`Error`]: everything that can go wrong, with the offending values.
//!
//! The definitions every result reproduces bit for bit are in the crate's `docs/` folder:
//! `SEMANTICS.md` (SuperTrend), `VARIANTS.md` (TradingView and TA-Lib), `PIPELINE.md` (the
//! backtest) and `STRATEGIES.md` (moving averages and crossovers); the same text is in the
//! [`specs`] module of these docs.
//!
//! # Column layout
//! A sweep's outputs are `Array2`s of shape (bars, columns) in column-major (Fortran) order:
//! column `j` is one contiguous slice, and `.t()` is a free view with one row per column.
//! Columns are ordered by grid row, then symbol fastest: `column = row * n_symbols + s_idx`;
//! a product grid's first axis varies slowest, so for SuperTrend
//! `column = (p_idx * n_multipliers + m_idx) * n_symbols + s_idx`, and the columns of one
//! period are adjacent and share its ATR. [`Columns`] maps columns to [`ColumnKey`]s and
//! labels (`p7_m3_c0`, `fast5_slow20_c1`) and back.
//!
//! # Parallelism and pools
//! A sweep cuts its columns into chunks (a few per physical core by default, see
//! [`Sweep::chunk_len`]) and runs them on the current rayon pool: the global one, or the pool
//! the call is made from. To choose the threads, build a `rayon::ThreadPool` and pass it with
//! [`Sweep::pool`]; nothing global is ever changed. Every worker writes only its own columns
//! of buffers allocated once before dispatch. Results are bit-identical for every thread
//! count and chunk length, and equal to the single-series kernels on each column alone.
//!
//! # Speed
//! Work is shared before it is parallelised: a SuperTrend sweep computes the true range and
//! midpoint once per symbol and the ATR once per (symbol, period); the band recursion of four
//! multipliers of a period then runs in the lanes of one AVX2 vector, branch-free (the CPU is
//! checked at run time, so a plain `cargo build --release` gets it; other CPUs take the scalar
//! kernel, with the same bits). A moving-average sweep computes one prefix sum per symbol for
//! every simple window, each exponential window's recursion once per symbol (kept for the
//! other groups that need it), and a crossover's fast average once per group. A backtest
//! simulates the four columns of a batch in the lanes of one AVX2 vector, each lane with its
//! own column's arithmetic, so their chains of dependent operations overlap. Fresh outputs
//! are allocated untouched and advised onto huge pages, so the workers' first writes are cheap;
//! [`Sweep::run_into`] reuses buffers and [`Sweep::reduce`] writes none. The README has the
//! measured figures and the commands that reproduce them. `unsafe` is confined to the vector
//! intrinsics' loads, stores and feature dispatch and to one `madvise` call, each with its
//! invariant, and is covered by tests against the scalar kernel.
//!
//! # Outputs
//! | output | meaning | type |
//! |---|---|---|
//! | `supert` | the SuperTrend line: the lower band in an uptrend, the upper band in a downtrend | `f64` |
//! | `superd` | the direction: `+1` up, `-1` down; `+1` during warm-up, never missing | `i8` |
//! | `superl` | the long (lower) band where the direction is up, else NaN | `f64` |
//! | `supers` | the short (upper) band where the direction is down, else NaN | `f64` |
//!
//! # NaN and warm-up
//! - **Parameters.** The period is an integer `>= 1`; the multiplier is finite and `>= 0`.
//!   Anything else is an [`Error`], reported before any work is done.
//! - **Warm-up.** The true range of bar 0 is NaN (there is no previous close), and the ATR is
//!   NaN until `period` non-NaN true ranges have been seen. With clean data the first `period`
//!   values of `supert`, `superl` and `supers` are NaN, the first line value is at bar `period`
//!   and it is a long value. `superd` is `+1` throughout the warm-up.
//! - **NaN prices are valid input**, a missing bar. A NaN in `high`, `low` or the previous
//!   `close` makes that bar's true range NaN; the ATR does not restart but carries its average
//!   over the gap (each missing bar decays the weight of the old average, pandas
//!   `ewm(adjust=False, ignore_na=False)`). A bar whose bands are NaN has NaN line outputs;
//!   comparisons with NaN are false, so over NaN bars the direction is carried, nothing
//!   ratchets, and the NaN bands become the ones the next bar compares with.
//! - **Infinities** follow IEEE arithmetic through the same formulas: an infinite price gives an
//!   infinite or NaN true range (`inf - inf` is NaN) and the bands follow.
//! - An empty series is valid and gives empty outputs.
//! - **Moving averages** ([`Ma`], `docs/STRATEGIES.md`): a simple average of window `w` is NaN
//!   for its first `w - 1` bars and wherever one of its last `w` closes is NaN; an exponential
//!   one is NaN until `w` non-NaN closes were seen and then carries its value over NaN closes.
//!   A crossover fires only on bars where both averages are numbers, and a NaN between two
//!   bars forgets which side they were on. A backtest's order at a NaN close waits for the
//!   next valid close (`docs/PIPELINE.md`).
//!
//! # Variants
//! Charting tools disagree on SuperTrend. [`Variant`] selects the definition, for the single
//! series ([`SuperTrendParams::with_variant`]), the streaming state, and the indicator of
//! sweeps, reductions and backtests ([`SuperTrend::new`], and [`backtest_trace`] through its
//! parameters); each is bit-exact against its reference.
//!
//! | | `Vectorbt` (default) | `TradingView` | `TaLib` |
//! |---|---|---|---|
//! | true range of bar 0 | NaN | `high - low` | NaN |
//! | true range after a NaN close | NaN | `high - low` | NaN |
//! | range term | `abs(high - low)` | `high - low` | `high - low` |
//! | ATR seed | the first true range (pandas `ewm`) | mean of the first `period` true ranges | the same |
//! | first value, clean data | bar `period` | bar `period - 1` | bar `period` |
//! | ATR step | `(w*atr + a*tr) / (w + a)`, `a = 1/period` | `a*tr + (1-a)*atr` | `fma(atr, k, tr*(1-k))`, `k = (period-1)/period` |
//! | a NaN true range | decays the old weight | is skipped | is skipped |
//! | ratchet | only the active band, never on a flip | both bands, every bar, unless the previous close broke them | the same |
//! | flip | close against the previous bands | close against the current bands, none on the seed bar | the same |
//! | direction in warm-up (`+1` = up) | `+1` | `-1` (Pine's seed state, "down") | `+1` |
//!
//! `TradingView` is Pine's `ta.supertrend` (bit-exact against a literal transcription from bar
//! 1: Pine itself outputs `0.0` on bar 0) with Pine's direction sign reversed to ours;
//! `TaLib` is TA-Lib 0.8's `SUPERTREND` (bit-exact against 0.8.2, whose ATR step is one fused
//! multiply-add; it runs as one instruction where the CPU has FMA, and exactly the same
//! elsewhere). Both treat NaN data like the default, a NaN never spreading beyond its bar, so
//! on series with gaps they depart from the libraries on purpose.
//!
//! # Failure modes
//! Bad input is an [`Error`], returned before anything is computed or written: a call that
//! returns `Err` has changed no output, buffer or state. Each error carries the offending
//! values.
//!
//! | error | raised when | what to do |
//! |---|---|---|
//! | [`InvalidPeriod`](Error::InvalidPeriod) | a period is 0 | use periods `>= 1` |
//! | [`InvalidMultiplier`](Error::InvalidMultiplier) | a multiplier is NaN, infinite or negative | use finite multipliers `>= 0` (`0.0` and `-0.0` are valid) |
//! | [`LengthMismatch`](Error::LengthMismatch) | `high`, `low`, `close` of one series differ in length | align the series; mark missing bars with NaN |
//! | [`OutputLength`](Error::OutputLength) | an output slice of an `_into` function or streaming update is not one value per bar (per column for [`SweepState::update_into`]) | size the slices from the input |
//! | [`InvalidWindow`](Error::InvalidWindow) | a moving-average window is 0 | use windows `>= 1` |
//! | [`InvalidParams`](Error::InvalidParams) | an indicator's own [`check`](Indicator::check) rejected a combination | follow the indicator's documented parameter ranges |
//! | [`EmptyGrid`](Error::EmptyGrid) | a grid has an axis without values, no tuple, or a filter that kept nothing | give at least one combination |
//! | [`DuplicateParams`](Error::DuplicateParams) | a combination appears twice, or a value twice on one axis of a product or combinations grid (`0.0` and `-0.0` are one value) | deduplicate what the optimiser generated |
//! | [`TooFewValues`](Error::TooFewValues) | a combinations grid of `r` axes has fewer than `r` values (one window for a fast and a slow one) | give at least `r` values |
//! | [`AxisNames`](Error::AxisNames) | a grid gets a different number of axis names than its rows have values | one name per value of a row |
//! | [`TooManyAxes`](Error::TooManyAxes) | a grid row has more than [`grid::MAX_AXES`] values | nest tuples, or fewer axes |
//! | [`UnknownOutput`](Error::UnknownOutput) | an output name the indicator does not have (a selection, a buffer, a signal rule) | use a name of [`Indicator::outputs`]; the message lists them |
//! | [`OutputType`](Error::OutputType) | an output is read or given a buffer as another element type than its schema's | use the schema's [`Dtype`] |
//! | [`TooManyOutputs`](Error::TooManyOutputs) | an indicator declares more than [`factory::MAX_OUTPUTS`] outputs | split it in two indicators |
//! | [`DuplicateOutput`](Error::DuplicateOutput) | an output is selected or given a buffer twice, or a schema names one twice | name each output once |
//! | [`MissingPrices`](Error::MissingPrices) | an indicator that needs high and low gets prices made of closes alone | build [`Prices`] with high, low and close |
//! | [`UnknownMaKind`](Error::UnknownMaKind) | a name parsed as a [`MaKind`] is neither `simple` nor `exponential` | use one of those names |
//! | [`InvalidLevel`](Error::InvalidLevel) | a [`Threshold`](backtest::Threshold) level is NaN | a number; infinities are valid |
//! | [`PriceShape`](Error::PriceShape) | the arrays of [`Prices::from_arrays`] differ in shape | pass three (bars, symbols) arrays of one shape |
//! | [`SymbolLength`](Error::SymbolLength) | a symbol's series differ in length from symbol 0's `high` | align all symbols on the same bars, NaN where one has no bar |
//! | [`SymbolCount`](Error::SymbolCount) | a [`SweepState`] update has not one price per symbol | pass one value per symbol, in the sweep's order |
//! | [`TooManyColumns`](Error::TooManyColumns) | combinations x symbols overflows `usize` | sweep in parts |
//! | [`OutputTooLarge`](Error::OutputTooLarge) | [`Sweep::run`] would allocate more than the [memory limit](Sweep::memory_limit): the outputs, 128 bytes per column and the states (for [`Sweep::run_into`], the last two); for [`Sweep::reduce`] and [`Backtest::run`], the values returned | select fewer outputs, sweep fewer columns or bars at a time, use [`Sweep::reduce`], shard the columns ([`Backtest::column_range`]), or raise the limit |
//! | [`OutputShape`](Error::OutputShape) | a [`Sweep::run_into`] buffer is not (bars, columns) | allocate it from the sweep's bars and [`columns`](Sweep::columns) |
//! | [`OutputLayout`](Error::OutputLayout) | a [`Sweep::run_into`] buffer is not column-major and contiguous (C order, a strided or reversed view) | allocate it with [`output_matrix`] or `Array2::zeros((bars, columns).f())` |
//! | [`InvalidChunkLen`](Error::InvalidChunkLen) | [`Sweep::chunk_len`] was 0 | use chunks of at least one column |
//! | [`InvalidColumnRange`](Error::InvalidColumnRange), [`InvalidShard`](Error::InvalidShard) | a [`Sweep::column_range`] or [`Backtest::column_range`] beyond the columns; a [`shard`] index not below the count | take the range from [`shard`] |
//! | [`ColumnRangeUnsupported`](Error::ColumnRangeUnsupported) | rolling windows or validation of a column range | run them on every column |
//! | [`UnknownVariant`](Error::UnknownVariant) | a name parsed as a [`Variant`] is none of `vectorbt`, `tradingview`, `talib` | use one of those names |
//! | [`InvalidFees`](Error::InvalidFees) | [`BacktestConfig`] fees are not finite or not in `[0, 1)` | a fraction per order: `0.001` is 0.1 % |
//! | [`InvalidInitCash`](Error::InvalidInitCash) | a backtest's initial cash is not finite and `> 0` | a positive amount |
//! | [`InvalidAnnualisation`](Error::InvalidAnnualisation) | the bars per year are not finite and `> 0` | a positive factor, or [`BacktestConfig::with_bar_interval`] |
//! | [`InvalidBarInterval`](Error::InvalidBarInterval) | a bar interval of zero | the data's bar length |
//! | [`InvalidClose`](Error::InvalidClose) | a backtest meets a close that is zero, negative or infinite (it names the symbol and bar) | clean the data; NaN marks a missing bar |
//! | [`InvalidWindowLen`](Error::InvalidWindowLen) | a [rolling](Backtest::rolling) window of 0 bars or longer than the data | `1..=bars` |
//! | [`InvalidWindowStep`](Error::InvalidWindowStep) | a rolling step of 0 bars | at least one bar |
//!
//! What is not an error:
//! - **Odd prices are data.** NaN is a missing bar (see above); zero, negative and subnormal
//!   prices and `high < low` go through the same formulas.
//! - **Infinities follow IEEE arithmetic**, as in [`SuperTrendState::update`]; for the
//!   default variant (the others go through their own formulas the same way):
//!   - an infinite price makes that bar's true range `+inf` (or NaN where `inf - inf`
//!     occurs), and once a true range is `+inf` the ATR stays `+inf` for the rest of the
//!     series: every later lower band is `-inf` and upper band `+inf` (NaN with multiplier
//!     0). An uptrend's line is then `-inf` for good; a downtrend keeps its last finite upper
//!     band (the ratchet keeps the lower of the two) until a close rises above it, and then
//!     turns up at `-inf` for good;
//!   - the same from the bar where multiplier times ATR overflows (`f64::MAX` times an ATR
//!     above 1);
//!   - prices near `f64::MAX` overflow the midpoint `(high + low) / 2` to `+inf`, and the
//!     bands with it.
//!
//!   Check `is_finite()` on the outputs if the data can hold such values.
//! - **A period longer than the data** (up to `usize::MAX`) is all warm-up: NaN lines, the
//!   variant's warm-up direction.
//! - **Empty inputs**: zero bars, zero symbols and one-bar series give empty or all-warm-up
//!   outputs of the right shape.
//!
//! Panics and hangs: nothing in the crate panics on any input, with two exceptions that are
//! the caller's: a panic in a caller's closure (the [progress](Sweep::progress) callback, a
//! [`reduce`](Sweep::reduce) closure or [`reduce_init`](Sweep::reduce_init)'s `init`) is
//! propagated to the caller of the sweep once its running chunks stop, leaving the pool and
//! everything shared ready for the next call; and [`output_matrix`], like `ndarray`'s
//! constructors, panics if `bars x columns` elements overflow `isize`. Callbacks may run
//! rayon work, sweeps may run inside any pool or from many threads at once, and no call waits
//! on another. Memory beyond the limit: [`Prices::from_arrays`] copies columns that are not
//! contiguous (24 bytes per bar and symbol), and [`Sweep::reduce`] returns one value per
//! column.
//!
//! # Exactness
//! Every result is bit-identical to the reference definition: the arithmetic order is fixed
//! (no fused multiply-add, no reassociation), and the test suite checks the reference vectors
//! bit for bit, as well as streaming against batch and the kernel against an independent
//! naive implementation on random data with NaN gaps.
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
#![deny(unreachable_pub)]
// `unsafe` is allowed only where a measured gain needs it, module by module, each block with
// a `SAFETY` comment: the AVX2 lanes (`kernel::lanes`, the backtest's lane engine and
// metrics) and huge-page advice for fresh outputs.
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod atr;
pub mod backtest;
mod columns;
mod error;
pub mod factory;
pub mod grid;
mod kernel;
pub mod ma;
mod prices;
pub mod schema;
pub mod supertrend;
pub mod validation;

pub use crate::backtest::{
    annualisation_from_interval, backtest_trace, Backtest, BacktestConfig, BacktestOutput,
    BacktestTrace, ColumnMetrics, MaCrossover, Order, RollingOutput, Side, Strategy, Variance,
};
pub use crate::columns::{shard, ColumnKey, Columns};
pub use crate::error::{Error, Result};
pub use crate::factory::{
    default_memory_limit, output_matrix, Bar, BarOutputs, Column, ColumnView, FnIndicator,
    Indicator, OutputSet, Pair, Progress, Streaming, Sweep, SweepBar, SweepBuffers, SweepOutput,
    SweepState,
};
pub use crate::grid::{fraction_range, Grid, Row};
pub use crate::ma::{Ma, MaKind};
pub use crate::prices::{Inputs, Prices, SymbolPrices};
pub use crate::schema::{Dtype, Element, OutputArray, OutputSpec};
pub use crate::supertrend::{
    supertrend, supertrend_into, true_range, true_range_into, wilder_atr_into, SuperTrend,
    SuperTrendBar, SuperTrendOutput, SuperTrendParams, SuperTrendSlices, SuperTrendState, Variant,
    WilderAtr,
};

/// The README's code blocks, compiled and run as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The definitions every result reproduces, as the crate's `docs/` folder holds them.
pub mod specs {
    #[doc = include_str!("../docs/SEMANTICS.md")]
    pub mod semantics {}
    #[doc = include_str!("../docs/VARIANTS.md")]
    pub mod variants {}
    #[doc = include_str!("../docs/PIPELINE.md")]
    pub mod pipeline {}
    #[doc = include_str!("../docs/STRATEGIES.md")]
    pub mod strategies {}
    #[doc = include_str!("../docs/VALIDATION.md")]
    pub mod validation {}
}
