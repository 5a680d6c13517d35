//! SuperTrend over whole parameter grids and many symbols, bit-exact and fast.
//!
//! `ta_sweep` computes the SuperTrend indicator exactly as its reference definition (the
//! one-pass SuperTrend of the vectorbt "SuperFast SuperTrend" tutorial, with pandas' Wilder ATR)
//! prescribes, to the last bit, so a sweep can be trusted against other tools.
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
//! use ta_sweep::{ParamGrid, Prices, Sweep};
//!
//! // 1,000 bars of 2 symbols, as (bars, symbols) arrays.
//! let close = Array2::from_shape_fn((1000, 2), |(i, s)| 100.0 + (i as f64 * 0.05 + s as f64).sin());
//! let (high, low) = (&close + 0.4, &close - 0.4);
//! let prices = Prices::from_arrays(&high, &low, &close)?;
//!
//! // Periods 4..=19 x multipliers 2.0..=4.0 step 0.1: 336 combinations, 672 columns.
//! let out = Sweep::new(&prices, &ParamGrid::tutorial()).run()?;
//! let supert = out.supert.as_ref().unwrap();
//! assert_eq!(supert.dim(), (1000, 672));
//! let key = out.columns.key(25).unwrap();
//! assert_eq!((key.period, key.multiplier, key.symbol), (4, 3.2, 1));
//! # Ok::<(), ta_sweep::Error>(())
//! ```
//!
//! # Map of the crate
//! - One series: [`supertrend`] (allocating), [`supertrend_into`] (into caller slices), and
//!   [`SuperTrendState`] (one bar at a time, for live data), all equal bit for bit.
//! - The layers they are built from, public because they are useful on their own:
//!   [`true_range`], [`true_range_into`], [`WilderAtr`], [`wilder_atr_into`].
//! - Grids: [`SuperTrendParams`] (one validated pair), [`ParamGrid`] (a product or explicit
//!   pairs), [`fraction_range`] (drift-free multiplier axes), [`SweepColumns`] and
//!   [`ColumnKey`] (which column holds what).
//! - The factory: [`Prices`] (one or many symbols), [`Sweep`] (configure and run),
//!   [`SweepOutput`] (the matrices), [`SweepBuffers`] and [`output_matrix`] (caller-owned
//!   matrices), [`Sweep::reduce`] and [`ColumnView`] (one value per column, nothing
//!   materialised), [`SweepState`] (a whole grid, bar by bar), [`Output`] and [`OutputSet`]
//!   (which outputs).
//! - Backtests: [`Backtest`] scores every column of a sweep (SuperTrend, long-only signals, a
//!   simulation with fees, the metrics) without materialising it, one [`ColumnMetrics`] row
//!   per column in a [`BacktestOutput`], or per window and column with
//!   [`Backtest::rolling`] ([`RollingOutput`]); [`BacktestConfig`] and
//!   [`annualisation_from_interval`] (costs and annualisation), [`Variance`] (exact or one
//!   pass), and [`backtest_trace`] ([`BacktestTrace`], [`Order`], [`Side`]): one combination
//!   bar by bar.
//! - [`Error`]: everything that can go wrong, with the offending values.
//!
//! # Column layout
//! A sweep's outputs are `Array2`s of shape (bars, columns) in column-major (Fortran) order:
//! column `j` is one contiguous slice, and `.t()` is a free view with one row per column.
//! Columns are ordered period slowest, then multiplier, then symbol fastest:
//! `column = (p_idx * n_multipliers + m_idx) * n_symbols + s_idx` for a product grid. So the
//! columns of one period are adjacent and share its ATR. [`SweepColumns`] maps columns to
//! [`ColumnKey`]s and back.
//!
//! # Parallelism and pools
//! A sweep cuts its columns into chunks (a few per physical core by default, see
//! [`Sweep::chunk_len`]) and runs them on the current rayon pool: the global one, or the pool
//! the call is made from. To choose the threads, build a `rayon::ThreadPool` and pass it with
//! [`Sweep::pool`]; nothing global is ever changed. Every worker writes only its own columns
//! of buffers allocated once before dispatch. Results are bit-identical for every thread
//! count and chunk length, and equal to [`supertrend`] on each column alone.
//!
//! # Speed
//! Work is shared before it is parallelised: a sweep computes the true range and midpoint once
//! per symbol and the ATR once per (symbol, period); the band recursion of four multipliers of
//! a period then runs in the lanes of one AVX2 vector, branch-free (the CPU is checked at run
//! time, so a plain `cargo build --release` gets it; other CPUs take the scalar kernel, with
//! the same bits). Fresh outputs are allocated untouched and advised onto huge pages, so the
//! workers' first writes are cheap; [`Sweep::run_into`] reuses buffers and [`Sweep::reduce`]
//! writes none. The README has the measured figures and the commands that reproduce them.
//! `unsafe` is confined to the vector intrinsics' loads, stores and feature dispatch and to
//! one `madvise` call, each with its invariant, and is covered by tests against the scalar
//! kernel.
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
// a `SAFETY` comment: the AVX2 lanes (`kernel::lanes`) and huge-page advice for fresh outputs.
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod backtest;
mod error;
mod indicator;
mod kernel;
mod output;
mod params;
mod prices;
mod sweep;

pub use crate::backtest::{
    annualisation_from_interval, backtest_trace, Backtest, BacktestConfig, BacktestOutput,
    BacktestTrace, ColumnMetrics, Order, RollingOutput, Side, Variance,
};
pub use crate::error::{Error, Result};
pub use crate::kernel::atr::{wilder_atr_into, WilderAtr};
pub use crate::kernel::supertrend::{
    supertrend, supertrend_into, SuperTrendBar, SuperTrendOutput, SuperTrendSlices, SuperTrendState,
};
pub use crate::kernel::true_range::{true_range, true_range_into};
pub use crate::output::{Output, OutputSet, SweepOutput};
pub use crate::params::{fraction_range, ColumnKey, ParamGrid, SuperTrendParams, SweepColumns};
pub use crate::prices::Prices;
pub use crate::sweep::{
    output_matrix, ColumnView, Progress, Sweep, SweepBar, SweepBuffers, SweepState,
};

/// The README's code blocks, compiled and run as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
