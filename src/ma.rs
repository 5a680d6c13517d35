//! Moving averages, simple and exponential, exactly as vectorbt's `MA` computes them: one
//! series ([`moving_average`], [`moving_average_into`], [`MaState`]) and sweeps over windows
//! ([`Ma`]), all with the same bits.
//!
//! The definitions are in the crate's `docs/STRATEGIES.md`: the simple average is a
//! difference of one prefix sum over the whole series (not a window sum, whose last bits
//! differ), the exponential one pandas' `ewm(span=w, adjust=False, min_periods=w)`, seeded
//! with the first valid close.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::factory::{Bar, BarOutputs, Column, Indicator, Streaming};
use crate::kernel::check_output_length;
use crate::kernel::ma::{ema_lanes_into, EmaState, PrefixSums, SmaState};
use crate::prices::{Inputs, SymbolPrices};
use crate::schema::OutputSpec;

/// Which moving average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MaKind {
    /// The simple average of the last `window` closes (vectorbt's `rolling_mean_nb` with
    /// `minp = window`): NaN while fewer than `window` bars, and wherever a NaN close is among
    /// the last `window`.
    #[default]
    Simple,
    /// The exponential average of span `window` (vectorbt's `ewm_mean_nb`, `adjust=False`,
    /// `minp = window`): NaN until `window` valid closes have been seen, then carried over NaN
    /// closes.
    Exponential,
}

impl MaKind {
    /// Both kinds.
    pub const ALL: [MaKind; 2] = [MaKind::Simple, MaKind::Exponential];

    /// `"simple"` or `"exponential"`, as [`FromStr`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            MaKind::Simple => "simple",
            MaKind::Exponential => "exponential",
        }
    }
}

impl fmt::Display for MaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MaKind {
    type Err = Error;

    /// Reads a [name](MaKind::name), ignoring ASCII case.
    fn from_str(name: &str) -> Result<Self> {
        MaKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::UnknownMaKind {
                name: name.to_owned(),
            })
    }
}

/// Accepts every window of at least 1.
fn validate_window(window: usize) -> Result<()> {
    if window == 0 {
        return Err(Error::InvalidWindow { window });
    }
    Ok(())
}

/// The moving average of `close` over `window` bars, one value per bar.
///
/// # Errors
/// [`Error::InvalidWindow`] if `window` is 0.
///
/// # Example
/// ```
/// use ta_sweep::ma::{moving_average, MaKind};
///
/// let close = [10.0, 11.0, 12.0, 11.0];
/// let sma = moving_average(&close, 3, MaKind::Simple)?;
/// assert!(sma[1].is_nan());
/// assert_eq!(sma[3], 11.333333333333334);
/// let ema = moving_average(&close, 2, MaKind::Exponential)?;
/// assert_eq!(ema[1], 10.666666666666668);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn moving_average(close: &[f64], window: usize, kind: MaKind) -> Result<Vec<f64>> {
    let mut out = vec![0.0; close.len()];
    moving_average_into(close, window, kind, &mut out)?;
    Ok(out)
}

/// [`moving_average`] into a caller's slice, one value per bar. Allocates nothing for the
/// exponential average, the prefix sums for the simple one.
///
/// # Errors
/// - [`Error::InvalidWindow`] if `window` is 0.
/// - [`Error::OutputLength`] if `out` is not one value per bar.
pub fn moving_average_into(
    close: &[f64],
    window: usize,
    kind: MaKind,
    out: &mut [f64],
) -> Result<()> {
    validate_window(window)?;
    check_output_length("ma", close.len(), out.len())?;
    match kind {
        MaKind::Simple => PrefixSums::new(close).sma_into(window, out),
        MaKind::Exponential => {
            let mut state = EmaState::new(window);
            for (value, &x) in out.iter_mut().zip(close) {
                *value = state.update(x);
            }
        }
    }
    Ok(())
}

/// The streaming state of one moving average: feed it one close at a time, with the bits of
/// the batch functions.
///
/// # Example
/// ```
/// use ta_sweep::ma::{moving_average, MaKind, MaState};
///
/// let close = [10.0, 11.0, f64::NAN, 12.0, 11.0, 10.5];
/// for kind in MaKind::ALL {
///     let batch = moving_average(&close, 2, kind)?;
///     let mut live = MaState::new(2, kind)?;
///     for (i, &c) in close.iter().enumerate() {
///         assert_eq!(live.update(c).to_bits(), batch[i].to_bits());
///     }
/// }
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MaState(StateKind);

#[derive(Debug, Clone, PartialEq)]
enum StateKind {
    Simple(SmaState),
    Exponential(EmaState),
}

impl MaState {
    /// A state that has seen no bar.
    ///
    /// # Errors
    /// [`Error::InvalidWindow`] if `window` is 0.
    pub fn new(window: usize, kind: MaKind) -> Result<Self> {
        validate_window(window)?;
        Ok(MaState::fresh(window, kind))
    }

    fn fresh(window: usize, kind: MaKind) -> Self {
        MaState(match kind {
            MaKind::Simple => StateKind::Simple(SmaState::new(window)),
            MaKind::Exponential => StateKind::Exponential(EmaState::new(window)),
        })
    }

    /// Feeds one close (NaN for a missing bar) and returns that bar's average.
    #[inline]
    pub fn update(&mut self, close: f64) -> f64 {
        match &mut self.0 {
            StateKind::Simple(s) => s.update(close),
            StateKind::Exponential(e) => e.update(close),
        }
    }
}

/// The output of [`Ma`].
static OUTPUTS: [OutputSpec; 1] = [OutputSpec::f64("ma")];

/// A moving average as the factory sweeps it: grid rows are windows (`usize`), the one output
/// is `ma` (`f64`), the input the close alone.
///
/// A sweep computes one prefix sum per symbol for every simple window, and runs four
/// exponential windows' recursions interleaved, so their dependency chains overlap; an
/// exponential window computed once is kept for the symbol's other groups of columns
/// ([`Ma::with_cache_bytes`]).
/// [`Pair`](crate::Pair) of two makes the fast and slow averages of a crossover.
///
/// # Example
/// ```
/// use ta_sweep::{Grid, Ma, Prices, Sweep};
///
/// let close: Vec<f64> = (0..100).map(|i| 50.0 + (i as f64 * 0.2).sin()).collect();
/// let prices = Prices::from_close_series([&close[..]])?;
/// let windows: Vec<usize> = (2..=20).collect();
/// let out = Sweep::new(Ma::exponential(), &prices, &Grid::axis(&["window"], &windows)?).run()?;
/// assert_eq!(out.get::<f64>("ma").unwrap().dim(), (100, 19));
/// assert_eq!(out.columns.label(0).unwrap(), "window2_c0");
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ma {
    kind: MaKind,
    cache_bytes: usize,
}

/// The default room of [`Ma::with_cache_bytes`]: 16 MiB per symbol, 99 windows of 21,000 bars.
const DEFAULT_CACHE_BYTES: usize = 16 << 20;

/// The most bytes of kept exponential averages in the whole process, over every symbol and
/// every sweep alive: however many symbols (or rolling windows, which sweep as symbols) a
/// sweep has, keeping averages never adds more than this. Beyond it windows are recomputed,
/// with the same bits.
const KEPT_BYTES_LIMIT: usize = 256 << 20;

/// Bytes of kept averages alive in the process, reserved before a window is kept and
/// released when its symbol's [`MaShared`] is dropped.
static KEPT_BYTES: AtomicUsize = AtomicUsize::new(0);

impl Default for Ma {
    /// The simple moving average.
    fn default() -> Self {
        Ma::simple()
    }
}

impl Ma {
    /// A moving average of `kind`.
    pub fn new(kind: MaKind) -> Self {
        Ma {
            kind,
            cache_bytes: DEFAULT_CACHE_BYTES,
        }
    }

    /// The room, per symbol and per sweep, for exponential averages kept once computed
    /// (16 MiB by default; 0 keeps none). In a crossover grid a window is the slow one of
    /// many (fast, slow) groups, and its recursion (a division per bar, one bar after the
    /// other) costs several times a copy: a kept window is copied instead of recomputed.
    /// The results are the same bits either way. Simple averages, differences of one prefix
    /// sum, keep nothing. Whatever the room, the averages kept by all sweeps alive in the
    /// process never exceed 256 MiB together; the memory is freed when the sweep ends.
    ///
    /// ```
    /// use ta_sweep::{Grid, Ma, Pair, Prices, Sweep};
    ///
    /// let close = ndarray::Array2::from_shape_fn((500, 1), |(i, _)| 100.0 + (i as f64 * 0.1).sin());
    /// let prices = Prices::from_closes(&close);
    /// let grid = Grid::combinations(&["fast", "slow"], &[5usize, 10, 20, 50])?;
    /// let kept = Pair::new(Ma::exponential(), Ma::exponential());
    /// let none = Pair::new(Ma::exponential(), Ma::exponential().with_cache_bytes(0));
    /// let (a, b) = (Sweep::new(kept, &prices, &grid).run()?, Sweep::new(none, &prices, &grid).run()?);
    /// // The same bits, the warm-up's NaN included (NaN != NaN, so compare the bits).
    /// let bits = |out: &ta_sweep::SweepOutput<_>| out.get::<f64>("slow_ma").unwrap().mapv(f64::to_bits);
    /// assert_eq!(bits(&a), bits(&b));
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn with_cache_bytes(mut self, bytes: usize) -> Self {
        self.cache_bytes = bytes;
        self
    }

    /// The simple moving average.
    pub fn simple() -> Self {
        Ma::new(MaKind::Simple)
    }

    /// The exponential moving average.
    pub fn exponential() -> Self {
        Ma::new(MaKind::Exponential)
    }

    /// Which average.
    pub fn kind(&self) -> MaKind {
        self.kind
    }
}

/// What every window of one symbol shares: the prefix sums of the simple average, or the
/// exponential averages computed so far.
#[derive(Debug)]
pub struct MaShared {
    sums: Option<PrefixSums>,
    kept: Mutex<KeptAverages>,
}

/// Exponential averages of one symbol by window, each with its final state, within a room
/// of bytes.
#[derive(Debug, Default)]
struct KeptAverages {
    windows: HashMap<usize, Arc<KeptAverage>>,
    /// Bytes this symbol may still keep.
    room: usize,
    /// Bytes this symbol keeps, reserved in [`KEPT_BYTES`].
    used: usize,
}

impl Drop for KeptAverages {
    fn drop(&mut self) {
        KEPT_BYTES.fetch_sub(self.used, Ordering::Relaxed);
    }
}

#[derive(Debug)]
struct KeptAverage {
    values: Box<[f64]>,
    state: EmaState,
}

impl MaShared {
    /// The kept average of `window`, if any. A panic elsewhere cannot leave the map half
    /// written (every change is one insert), so a poisoned lock is still good.
    fn kept(&self, window: usize) -> Option<Arc<KeptAverage>> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.windows.get(&window).cloned()
    }

    /// Keeps `values` and `state` as `window`'s average if there is room.
    fn keep(&self, window: usize, values: &[f64], state: EmaState) {
        let bytes = std::mem::size_of_val(values);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.room < bytes || kept.windows.contains_key(&window) {
            return;
        }
        let reserved = KEPT_BYTES.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |alive| {
            alive
                .checked_add(bytes)
                .filter(|&total| total <= KEPT_BYTES_LIMIT)
        });
        if reserved.is_err() {
            return;
        }
        kept.room -= bytes;
        kept.used += bytes;
        let average = KeptAverage {
            values: values.into(),
            state,
        };
        kept.windows.insert(window, Arc::new(average));
    }
}

impl Indicator for Ma {
    type Params = usize;
    type Shared = MaShared;
    type Scratch = ();
    type State = MaState;

    const LANES: usize = 4;

    fn outputs(&self) -> &[OutputSpec] {
        &OUTPUTS
    }

    fn inputs(&self) -> Inputs {
        Inputs::Close
    }

    fn check(&self, &window: &usize) -> Result<()> {
        validate_window(window)
    }

    fn share(&self, prices: &SymbolPrices<'_>) -> MaShared {
        let (sums, room) = match self.kind {
            MaKind::Simple => (Some(PrefixSums::new(prices.close())), 0),
            MaKind::Exponential => (None, self.cache_bytes),
        };
        MaShared {
            sums,
            kept: Mutex::new(KeptAverages {
                windows: HashMap::new(),
                room,
                used: 0,
            }),
        }
    }

    fn scratch(&self, _bars: usize) {}

    fn run_batch(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &MaShared,
        _scratch: &mut (),
        windows: &[usize],
        columns: &mut [Column<'_, MaState>],
    ) {
        match &shared.sums {
            Some(sums) => {
                for (&window, column) in windows.iter().zip(columns) {
                    if let Some(out) = column.take::<f64>(0) {
                        sums.sma_into(window, out);
                    }
                    if column.wants_state() {
                        column.set_state(MaState(StateKind::Simple(sums.sma_state(window))));
                    }
                }
            }
            None => {
                // Kept windows are copied; the others run their recursions in lanes.
                let mut todo: Vec<usize> = Vec::with_capacity(windows.len());
                for (k, (&window, column)) in windows.iter().zip(columns.iter_mut()).enumerate() {
                    match shared.kept(window) {
                        Some(kept) => {
                            if let Some(out) = column.take::<f64>(0) {
                                out.copy_from_slice(&kept.values);
                            }
                            column.set_state(MaState(StateKind::Exponential(kept.state)));
                        }
                        None => todo.push(k),
                    }
                }
                if todo.is_empty() {
                    return;
                }
                let close = prices.close();
                let windows: Vec<usize> = todo.iter().map(|&k| windows[k]).collect();
                let mut states: Vec<EmaState> = windows.iter().map(|&w| EmaState::new(w)).collect();
                let mut spare: Vec<Vec<f64>> = Vec::new();
                let mut outs: Vec<&mut [f64]> = Vec::with_capacity(todo.len());
                let taken: Vec<Option<&mut [f64]>> =
                    todo.iter().map(|&k| columns[k].take::<f64>(0)).collect();
                // A column whose average is not selected (only its state is) still runs its
                // recursion, into a spare buffer.
                let missing = taken.iter().filter(|t| t.is_none()).count();
                spare.resize_with(missing, || vec![0.0; close.len()]);
                let mut spare = spare.iter_mut();
                for out in taken {
                    outs.push(match out {
                        Some(out) => out,
                        None => spare.next().expect("one spare per column without output"),
                    });
                }
                ema_lanes_into(close, &mut states, &mut outs);
                for (i, ((&k, out), state)) in todo.iter().zip(&outs).zip(states).enumerate() {
                    shared.keep(windows[i], out, state);
                    columns[k].set_state(MaState(StateKind::Exponential(state)));
                }
            }
        }
    }
}

impl Streaming for Ma {
    fn state(&self, &window: &usize) -> MaState {
        MaState::fresh(window, self.kind)
    }

    fn update(&self, state: &mut MaState, bar: Bar, out: &mut BarOutputs<'_>) {
        out.set(0, state.update(bar.close));
    }

    fn state_bytes(&self, &window: &usize) -> usize {
        match self.kind {
            MaKind::Simple => SmaState::bytes(window),
            MaKind::Exponential => std::mem::size_of::<MaState>(),
        }
    }
}
