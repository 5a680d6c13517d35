//! Arbitrary prices, grids, options, caller buffers and streaming updates through the public
//! sweep API: every call returns `Ok` or one of the errors its documentation lists, never
//! panics, and where it succeeds, spot-checked columns equal `ta_sweep::supertrend`.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ndarray::{Array2, ShapeBuilder};
use ta_sweep::{
    supertrend, Error, Output, OutputSet, ParamGrid, Prices, SuperTrendParams, Sweep, SweepBuffers,
    SweepOutput, SweepState, Variant,
};

/// Bounds that keep one execution well under a millisecond.
const MAX_SYMBOLS: usize = 4;
const MAX_BARS: usize = 64;
const MAX_VALUES: usize = 8;

/// A price: usually one a market could print, sometimes any bits at all.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Price {
    Cents(i32),
    Near(u8),
    Bits(f64),
}

impl Price {
    fn value(self) -> f64 {
        match self {
            Price::Cents(c) => f64::from(c) / 100.0,
            Price::Near(k) => 100.0 + f64::from(k) / 16.0,
            Price::Bits(x) => x,
        }
    }
}

/// A period: usually small, sometimes any `usize` (0 and `usize::MAX` included).
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Period {
    Small(u8),
    Any(usize),
}

impl Period {
    fn value(self) -> usize {
        match self {
            Period::Small(p) => usize::from(p % 32),
            Period::Any(p) => p,
        }
    }
}

/// A multiplier: usually tenths, sometimes any bits (NaN, infinite, negative included).
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Multiplier {
    Tenths(u8),
    Bits(f64),
}

impl Multiplier {
    fn value(self) -> f64 {
        match self {
            Multiplier::Tenths(k) => f64::from(k) / 10.0,
            Multiplier::Bits(x) => x,
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    symbols: Vec<Vec<(Price, Price, Price)>>,
    /// Cut each symbol to this many bars (so lengths usually agree), or keep them as drawn.
    bars: Option<u8>,
    periods: Vec<Period>,
    multipliers: Vec<Multiplier>,
    /// A pair grid instead of the product, when present.
    pairs: Option<Vec<(Period, Multiplier)>>,
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

fn pool(threads: u8) -> &'static rayon::ThreadPool {
    static POOLS: OnceLock<Vec<rayon::ThreadPool>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        (1..=3)
            .map(|n| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .unwrap()
            })
            .collect()
    });
    &pools[usize::from(threads) % pools.len()]
}

fn same_bits(a: &[f64], b: impl IntoIterator<Item = f64>) -> bool {
    let b: Vec<f64> = b.into_iter().collect();
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// The first and last columns of `out` against the single-series kernel.
fn spot_check(out: &SweepOutput, data: &[Vec<(f64, f64, f64)>], variant: Variant) {
    let columns = out.columns.len();
    for j in [0, columns.saturating_sub(1)]
        .into_iter()
        .filter(|&j| j < columns)
    {
        let key = out.columns.key(j).unwrap();
        let series = &data[key.symbol];
        let pick = |f: fn(&(f64, f64, f64)) -> f64| series.iter().map(f).collect::<Vec<_>>();
        let params = SuperTrendParams::new(key.period, key.multiplier)
            .unwrap()
            .with_variant(variant);
        let reference = supertrend(&pick(|b| b.0), &pick(|b| b.1), &pick(|b| b.2), params).unwrap();
        if let Some(a) = &out.supert {
            assert!(
                same_bits(&reference.supert, a.column(j).iter().copied()),
                "supert {key}"
            );
        }
        if let Some(a) = &out.superl {
            assert!(
                same_bits(&reference.superl, a.column(j).iter().copied()),
                "superl {key}"
            );
        }
        if let Some(a) = &out.supers {
            assert!(
                same_bits(&reference.supers, a.column(j).iter().copied()),
                "supers {key}"
            );
        }
        if let Some(a) = &out.superd {
            assert_eq!(a.column(j).to_vec(), reference.superd, "superd {key}");
        }
    }
}

fuzz_target!(|input: Input| {
    let mut data: Vec<Vec<(f64, f64, f64)>> = input
        .symbols
        .iter()
        .take(MAX_SYMBOLS)
        .map(|s| {
            s.iter()
                .map(|b| (b.0.value(), b.1.value(), b.2.value()))
                .collect()
        })
        .collect();
    // Usually every symbol cut to the same length; otherwise as drawn (a length error).
    let shortest = data.iter().map(Vec::len).min().unwrap_or(0);
    let bars = input.bars.map_or(MAX_BARS, |b| {
        (usize::from(b) % (MAX_BARS + 1)).min(shortest)
    });
    for series in &mut data {
        series.truncate(bars);
    }
    let pick = |s: &Vec<(f64, f64, f64)>, f: fn(&(f64, f64, f64)) -> f64| {
        s.iter().map(f).collect::<Vec<f64>>()
    };
    let columns: Vec<[Vec<f64>; 3]> = data
        .iter()
        .map(|s| [pick(s, |b| b.0), pick(s, |b| b.1), pick(s, |b| b.2)])
        .collect();
    let prices =
        match Prices::from_symbols(columns.iter().map(|[h, l, c]| (&h[..], &l[..], &c[..]))) {
            Ok(prices) => prices,
            Err(Error::SymbolLength { .. }) => return,
            Err(e) => panic!("Prices::from_symbols: undocumented {e:?}"),
        };

    let periods: Vec<usize> = input
        .periods
        .iter()
        .take(MAX_VALUES)
        .map(|p| p.value())
        .collect();
    let multipliers: Vec<f64> = input
        .multipliers
        .iter()
        .take(MAX_VALUES)
        .map(|m| m.value())
        .collect();
    let grid = match &input.pairs {
        Some(pairs) => {
            let pairs: Vec<(usize, f64)> = pairs
                .iter()
                .take(2 * MAX_VALUES)
                .map(|(p, m)| (p.value(), m.value()))
                .collect();
            ParamGrid::pairs(&pairs)
        }
        None => ParamGrid::product(&periods, &multipliers),
    };
    let grid = match grid {
        Ok(grid) => grid,
        Err(
            Error::EmptyGrid
            | Error::InvalidPeriod { .. }
            | Error::InvalidMultiplier { .. }
            | Error::DuplicateParams { .. },
        ) => return,
        Err(e) => panic!("ParamGrid: undocumented {e:?}"),
    };

    let outputs: OutputSet = Output::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| input.outputs & (1 << i) != 0)
        .map(|(_, o)| o)
        .collect();
    let variant = Variant::ALL[usize::from(input.variant) % Variant::ALL.len()];
    let mut sweep = Sweep::new(&prices, &grid)
        .variant(variant)
        .pool(pool(input.threads))
        .outputs(outputs);
    if let Some(len) = input.chunk_len {
        sweep = sweep.chunk_len(len);
    }
    if let Some(limit) = input.memory_limit {
        sweep = sweep.memory_limit(limit);
    }
    if input.states {
        sweep = sweep.with_states();
    }

    match sweep.run() {
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
    let buffers = SweepBuffers {
        superd: Some(&mut superd),
        ..Default::default()
    };
    match sweep.run_into(buffers) {
        Ok(_) => assert!(superd.iter().all(|&d| d == 1 || d == -1)),
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

    let mut live = SweepState::with_variant(&grid, prices.symbols(), variant).unwrap();
    for (high, low, close) in input.updates.iter().take(MAX_BARS) {
        match live.update(high, low, close) {
            Ok(bar) => assert!(bar.superd.iter().all(|&d| d == 1 || d == -1)),
            Err(Error::SymbolCount { .. }) => {}
            Err(e) => panic!("SweepState::update: undocumented {e:?}"),
        }
    }
});
