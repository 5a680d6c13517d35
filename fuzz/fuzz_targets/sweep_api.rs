//! Arbitrary prices, grids, options, caller buffers and streaming updates through the public
//! sweep API: every call returns `Ok` or one of the errors its documentation lists, never
//! panics, and where it succeeds, spot-checked columns equal `ta_sweep::supertrend`.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ndarray::{Array2, ShapeBuilder};
use ta_sweep::{
    supertrend, Error, Prices, SuperTrend, SuperTrendParams, Sweep, SweepBuffers, SweepOutput,
    SweepState, Variant,
};

mod common;
use common::{pool, split, Bar, Grid, Price, MAX_BARS};

/// SuperTrend's outputs, in schema order: bit `i` of [`Input::outputs`] selects `OUTPUTS[i]`.
const OUTPUTS: [&str; 4] = ["supert", "superd", "superl", "supers"];

/// Bounds that keep one execution well under a millisecond.
const MAX_SYMBOLS: usize = 4;
const MAX_VALUES: usize = 8;

#[derive(Debug, Arbitrary)]
struct Input {
    symbols: Vec<Vec<(Price, Price, Price)>>,
    /// Cut each symbol to this many bars (so lengths usually agree), or keep them as drawn.
    bars: Option<u8>,
    grid: Grid,
    chunk_len: Option<usize>,
    variant: u8,
    threads: u8,
    outputs: u8,
    states: bool,
    memory_limit: Option<u64>,
    /// `run_into` buffers: extra rows and columns (mostly none), and whether C order.
    buffer: (u8, u8, bool),
    updates: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)>,
}

fn same_bits(a: &[f64], b: impl IntoIterator<Item = f64>) -> bool {
    let b: Vec<f64> = b.into_iter().collect();
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// The first and last columns of `out` against the single-series kernel.
fn spot_check(out: &SweepOutput<SuperTrend>, data: &[Vec<Bar>], variant: Variant) {
    let columns = out.columns.len();
    for j in [0, columns.saturating_sub(1)]
        .into_iter()
        .filter(|&j| j < columns)
    {
        let key = out.columns.key(j).unwrap();
        let key_label = out.columns.label(j).unwrap();
        let [high, low, close] = split(&data[key.symbol]);
        let (period, multiplier) = key.params;
        let params = SuperTrendParams::new(period, multiplier)
            .unwrap()
            .with_variant(variant);
        let reference = supertrend(&high, &low, &close, params).unwrap();
        if let Some(a) = out.supert() {
            assert!(
                same_bits(&reference.supert, a.column(j).iter().copied()),
                "supert {key_label}"
            );
        }
        if let Some(a) = out.superl() {
            assert!(
                same_bits(&reference.superl, a.column(j).iter().copied()),
                "superl {key_label}"
            );
        }
        if let Some(a) = out.supers() {
            assert!(
                same_bits(&reference.supers, a.column(j).iter().copied()),
                "supers {key_label}"
            );
        }
        if let Some(a) = out.superd() {
            assert_eq!(a.column(j).to_vec(), reference.superd, "superd {key_label}");
        }
    }
}

fuzz_target!(|input: Input| {
    // Usually every symbol cut to the same length; otherwise as drawn (a length error).
    let data = common::symbols(&input.symbols, MAX_SYMBOLS, input.bars);
    let columns: Vec<[Vec<f64>; 3]> = data.iter().map(|s| split(s)).collect();
    let prices =
        match Prices::from_symbols(columns.iter().map(|[h, l, c]| (&h[..], &l[..], &c[..]))) {
            Ok(prices) => prices,
            Err(Error::SymbolLength { .. }) => return,
            Err(e) => panic!("Prices::from_symbols: undocumented {e:?}"),
        };

    let Some(grid) = input.grid.build(MAX_VALUES) else {
        return;
    };

    let outputs: Vec<&str> = OUTPUTS
        .into_iter()
        .enumerate()
        .filter(|(i, _)| input.outputs & (1 << i) != 0)
        .map(|(_, o)| o)
        .collect();
    let variant = Variant::ALL[usize::from(input.variant) % Variant::ALL.len()];
    let mut sweep = Sweep::new(SuperTrend::new(variant), &prices, &grid)
        .pool(pool(input.threads))
        .outputs(&outputs);
    if let Some(len) = input.chunk_len {
        sweep = sweep.chunk_len(len);
    }
    if let Some(limit) = input.memory_limit {
        sweep = sweep.memory_limit(limit);
    }

    // With the final states, or without.
    let run = if input.states {
        sweep.run_with_states().map(|(out, states)| {
            assert_eq!(states.columns(), &out.columns);
            assert_eq!(states.states().len(), out.columns.len());
            out
        })
    } else {
        sweep.run()
    };
    match run {
        Ok(out) => {
            assert_eq!(out.columns.len(), grid.len() * prices.symbols());
            spot_check(&out, &data, variant);
        }
        Err(Error::InvalidChunkLen { chunk_len: 0 } | Error::OutputTooLarge { .. }) => {}
        Err(e) => panic!("run: undocumented {e:?}"),
    }

    let (extra_rows, extra_columns, c_order) = input.buffer;
    // Mostly the right shape, so that the computation runs too.
    let rows = prices.bars() + usize::from(extra_rows % 8 / 6);
    let width = grid.len() * prices.symbols() + usize::from(extra_columns % 8 / 6);
    let mut superd = if c_order {
        Array2::<i8>::zeros((rows, width))
    } else {
        Array2::<i8>::zeros((rows, width).f())
    };
    let buffers = SweepBuffers::new().with("superd", &mut superd);
    let run_into = if input.states {
        sweep
            .run_into_with_states(buffers)
            .map(|states| assert_eq!(states.states().len(), grid.len() * prices.symbols()))
    } else {
        sweep.run_into(buffers)
    };
    match run_into {
        Ok(()) => assert!(superd.iter().all(|&d| d == 1 || d == -1)),
        Err(
            Error::InvalidChunkLen { .. }
            | Error::OutputTooLarge { .. }
            | Error::OutputShape { .. }
            | Error::OutputLayout { .. },
        ) => assert!(superd.iter().all(|&d| d == 0), "written before an error"),
        Err(e) => panic!("run_into: undocumented {e:?}"),
    }

    match sweep.reduce(|c| c.key) {
        Ok(keys) => assert_eq!(keys.len(), grid.len() * prices.symbols()),
        Err(Error::InvalidChunkLen { .. }) => {}
        Err(e) => panic!("reduce: undocumented {e:?}"),
    }

    let mut live = SweepState::new(SuperTrend::new(variant), &grid, prices.symbols()).unwrap();
    for (high, low, close) in input.updates.iter().take(MAX_BARS) {
        match live.update(high, low, close) {
            Ok(bar) => assert!(bar
                .get::<i8>("superd")
                .expect("a bar has every output")
                .iter()
                .all(|&d| d == 1 || d == -1)),
            Err(Error::SymbolCount { .. }) => {}
            Err(e) => panic!("SweepState::update: undocumented {e:?}"),
        }
    }
});
