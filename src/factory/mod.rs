//! The indicator factory: any [`Indicator`] over a parameter grid and many symbols, on a rayon
//! pool, straight into preallocated column-major outputs, into caller buffers, into streaming
//! states, or through a per-column reduction.
//!
//! Nothing here knows any indicator's arithmetic: an indicator says what it shares per symbol
//! and per group of columns, how many columns it computes per call, and what outputs it has;
//! the factory checks everything before a thread starts, plans the chunks and groups, and
//! hands each worker its columns. [`Pair`] runs two indicators as one, [`FnIndicator`] wraps
//! a plain per-column function.

mod buffers;
mod closure;
mod dispatch;
// One `madvise` call. Measured gain: fresh outputs of the tutorial workload written 3.2x
// faster on huge pages (`benches/sweep.rs`, `memory_floor/fresh` vs `fresh_4k_pages`).
#[allow(unsafe_code)]
mod huge_pages;
mod indicator;
mod output;
mod pair;
mod selection;
mod state;
mod sweep;
mod view;

pub use self::buffers::{default_memory_limit, output_matrix, SweepBuffers};
pub use self::closure::{FnIndicator, FnOutputs};
pub use self::indicator::{Bar, BarOutputs, Column, Indicator, Streaming, MAX_OUTPUTS};
pub use self::output::SweepOutput;
pub use self::pair::{Pair, PairScratch};
pub use self::selection::{position, typed_position, OutputSet};
pub use self::state::{SweepBar, SweepState};
pub use self::sweep::Sweep;
pub use self::view::ColumnView;

/// A progress callback: `(columns done, columns in total)`.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);
