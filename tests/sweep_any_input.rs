//! The public sweep API over arbitrary inputs, as scrapers and optimisers produce them: any
//! price bits, periods and multipliers valid or not, empty grids and duplicate pairs, zero
//! symbols, any chunk length and thread count, caller buffers of any shape and layout, price
//! arrays of any layout, streaming updates of any length. Every call either returns the
//! documented error, having changed nothing, or results equal to the naive reference bit for
//! bit; none panics.

mod common;

use std::sync::{Mutex, OnceLock};

use common::{
    any_multiplier, any_period, edge_price, extreme_multiplier, extreme_period, naive_for,
    random_symbols, same_bits, NaiveSuperTrend, Ohlc,
};
use ndarray::{s, Array2, ArrayViewMut2, Axis, ShapeBuilder};
use proptest::prelude::*;
use ta_sweep::{
    supertrend, ColumnKey, Columns, Error, Grid, Indicator, Ma, OutputSpec, Prices, SuperTrend,
    Sweep, SweepBar, SweepBuffers, SweepOutput, SweepState, Variant,
};

/// SuperTrend's grid rows: (period, multiplier).
type Params = (usize, f64);

/// SuperTrend's outputs, in schema order.
const OUTPUTS: [&str; 4] = ["supert", "superd", "superl", "supers"];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Pools of 1, 2 and 3 threads, built once for all cases.
fn pool(index: usize) -> &'static rayon::ThreadPool {
    static POOLS: OnceLock<Vec<rayon::ThreadPool>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        (1..=3)
            .map(|threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
            })
            .collect()
    });
    &pools[index % pools.len()]
}

/// Errors compared by their `Debug` form, which also matches fields holding NaN.
fn assert_same_error(expected: &Error, actual: &Error) {
    assert_eq!(format!("{expected:?}"), format!("{actual:?}"));
}

fn prices(data: &[Ohlc]) -> Prices<'_> {
    Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap()
}

/// The naive reference of every column, in the documented column order.
fn naive_columns(
    data: &[Ohlc],
    grid: &Grid<Params>,
    variant: Variant,
) -> Vec<(ColumnKey<Params>, NaiveSuperTrend)> {
    grid.iter()
        .flat_map(|(period, multiplier)| {
            data.iter().enumerate().map(move |(symbol, d)| {
                let key = ColumnKey {
                    params: (period, multiplier),
                    symbol,
                };
                let naive = naive_for(variant, d, period, multiplier);
                (key, naive)
            })
        })
        .collect()
}

fn same_column(what: &str, expected: &[f64], actual: impl IntoIterator<Item = f64>) {
    let actual: Vec<f64> = actual.into_iter().collect();
    common::assert_same_bits(what, expected, &actual);
}

/// Unique (period, multiplier) pairs, as the grid requires (`0.0 == -0.0`).
fn unique(pairs: Vec<(usize, f64)>) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = Vec::new();
    for p in pairs {
        if !out.iter().any(|q| q.0 == p.0 && q.1 == p.1) {
            out.push(p);
        }
    }
    out
}

/// The outputs whose bit is set, by name, in schema order.
fn output_set(bits: u8) -> Vec<&'static str> {
    OUTPUTS
        .into_iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, o)| o)
        .collect()
}

/// Symbols of `bars` bars of edge prices each.
fn edge_symbols(max_bars: usize, max_symbols: usize) -> impl Strategy<Value = Vec<Ohlc>> {
    (0..=max_bars).prop_flat_map(move |bars| {
        prop::collection::vec(
            prop::collection::vec((edge_price(), edge_price(), edge_price()), bars).prop_map(|b| {
                Ohlc {
                    high: b.iter().map(|x| x.0).collect(),
                    low: b.iter().map(|x| x.1).collect(),
                    close: b.iter().map(|x| x.2).collect(),
                }
            }),
            0..=max_symbols,
        )
    })
}

fn valid_pairs() -> impl Strategy<Value = Vec<(usize, f64)>> {
    prop::collection::vec((extreme_period(), extreme_multiplier()), 1..8).prop_map(unique)
}

/// `None` (the default), 0 (an error), small, or `usize::MAX`.
fn chunk_len() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![
        Just(None),
        Just(Some(0)),
        (1usize..20).prop_map(Some),
        Just(Some(usize::MAX)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Grids: what the constructors must accept and refuse, modelled independently
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum GridSpec {
    Product(Vec<usize>, Vec<f64>),
    Pairs(Vec<(usize, f64)>),
}

fn grid_spec() -> impl Strategy<Value = GridSpec> {
    prop_oneof![
        (
            prop::collection::vec(any_period(), 0..5),
            prop::collection::vec(any_multiplier(), 0..5)
        )
            .prop_map(|(p, m)| GridSpec::Product(p, m)),
        prop::collection::vec((any_period(), any_multiplier()), 0..9).prop_map(GridSpec::Pairs),
    ]
}

fn valid_multiplier(m: f64) -> bool {
    m.is_finite() && m >= 0.0
}

/// Index of the first item equal (`==`) to an earlier one.
fn first_repeat<T: PartialEq>(items: &[T]) -> Option<usize> {
    (1..items.len()).find(|&i| items[..i].contains(&items[i]))
}

/// A row's documented label: each axis name (`p`, `m`) followed by its value, integers as
/// they are and floats in Rust's shortest round-trip form (`3` for 3.0, `-0` for -0.0).
fn label(period: usize, multiplier: f64) -> String {
    format!("p{period}_m{multiplier}")
}

/// What the documentation says each constructor returns: the first problem in the order
/// the `# Errors` sections list them, or the combinations in column order.
fn expected_grid(spec: &GridSpec) -> Result<Vec<(usize, f64)>, Error> {
    match spec {
        GridSpec::Product(periods, multipliers) => {
            if periods.is_empty() || multipliers.is_empty() {
                return Err(Error::EmptyGrid);
            }
            if let Some(&period) = periods.iter().find(|&&p| p == 0) {
                return Err(Error::InvalidPeriod { period });
            }
            if let Some(&multiplier) = multipliers.iter().find(|&&m| !valid_multiplier(m)) {
                return Err(Error::InvalidMultiplier { multiplier });
            }
            // The repeated value's row is labelled with the first value of the other axis.
            if let Some(i) = first_repeat(periods) {
                return Err(Error::DuplicateParams {
                    params: label(periods[i], multipliers[0]),
                });
            }
            if let Some(i) = first_repeat(multipliers) {
                return Err(Error::DuplicateParams {
                    params: label(periods[0], multipliers[i]),
                });
            }
            Ok(periods
                .iter()
                .flat_map(|&p| multipliers.iter().map(move |&m| (p, m)))
                .collect())
        }
        GridSpec::Pairs(pairs) => {
            if pairs.is_empty() {
                return Err(Error::EmptyGrid);
            }
            for &(period, multiplier) in pairs {
                if period == 0 {
                    return Err(Error::InvalidPeriod { period });
                }
                if !valid_multiplier(multiplier) {
                    return Err(Error::InvalidMultiplier { multiplier });
                }
            }
            if let Some(i) = first_repeat(pairs) {
                let (period, multiplier) = pairs[i];
                return Err(Error::DuplicateParams {
                    params: label(period, multiplier),
                });
            }
            Ok(pairs.clone())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Caller buffers of any shape and layout
// ---------------------------------------------------------------------------------------------

/// How a caller's buffer for `run_into` is made.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// `Array2::zeros((bars, columns).f())`: what the sweep wants.
    ColumnMajor,
    /// `Array2::zeros((bars, columns))`: C order.
    RowMajor,
    /// One bar too many.
    ExtraRow,
    /// One column too many.
    ExtraColumn,
    /// Every other row of a column-major array twice as long: not contiguous.
    EveryOtherRow,
    /// The middle columns of a wider column-major array: contiguous, so accepted.
    ColumnsOfWider,
    /// The transpose of a row-major (columns, bars) array: column-major, so accepted.
    TransposedRowMajor,
    /// A column-major array with its bar axis reversed: negative strides.
    ReversedBars,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop::sample::select(vec![
        Layout::ColumnMajor,
        Layout::RowMajor,
        Layout::ExtraRow,
        Layout::ExtraColumn,
        Layout::EveryOtherRow,
        Layout::ColumnsOfWider,
        Layout::TransposedRowMajor,
        Layout::ReversedBars,
    ])
}

/// The owned array behind a buffer, filled with `fill`.
fn backing<T: Clone>(layout: Layout, (bars, columns): (usize, usize), fill: T) -> Array2<T> {
    match layout {
        Layout::ColumnMajor | Layout::ReversedBars => Array2::from_elem((bars, columns).f(), fill),
        Layout::RowMajor => Array2::from_elem((bars, columns), fill),
        Layout::ExtraRow => Array2::from_elem((bars + 1, columns).f(), fill),
        Layout::ExtraColumn => Array2::from_elem((bars, columns + 1).f(), fill),
        Layout::EveryOtherRow => Array2::from_elem((2 * bars, columns).f(), fill),
        Layout::ColumnsOfWider => Array2::from_elem((bars, columns + 2).f(), fill),
        Layout::TransposedRowMajor => Array2::from_elem((columns, bars), fill),
    }
}

/// The view of `backing` passed to the sweep.
fn buffer_view<T>(layout: Layout, backing: &mut Array2<T>) -> ArrayViewMut2<'_, T> {
    match layout {
        Layout::EveryOtherRow => backing.slice_mut(s![..;2, ..]),
        Layout::ColumnsOfWider => {
            let columns = backing.ncols() - 2;
            backing.slice_mut(s![.., 1..=columns])
        }
        Layout::TransposedRowMajor => backing.view_mut().reversed_axes(),
        Layout::ReversedBars => {
            let mut view = backing.view_mut();
            view.invert_axis(Axis(0));
            view
        }
        _ => backing.view_mut(),
    }
}

/// The documented check of one buffer, modelled from shape and strides: (bars, columns),
/// and column-major contiguous (axes of length 1 have no meaningful stride; empty is fine).
fn expected_buffer_error<T>(
    view: &ArrayViewMut2<'_, T>,
    output: &str,
    shape: (usize, usize),
) -> Option<Error> {
    if view.dim() != shape {
        return Some(Error::OutputShape {
            output: output.into(),
            expected: shape,
            actual: view.dim(),
        });
    }
    let (bars, columns) = shape;
    let strides = view.strides();
    let contiguous = bars == 0
        || columns == 0
        || ((bars == 1 || strides[0] == 1) && (columns == 1 || strides[1] == bars as isize));
    (!contiguous).then(|| Error::OutputLayout {
        output: output.into(),
        strides: (strides[0], strides[1]),
    })
}

/// Whether the part of `backing` outside the view still holds `fill`.
fn untouched_outside<T: PartialEq>(layout: Layout, backing: &Array2<T>, fill: &T) -> bool {
    match layout {
        Layout::EveryOtherRow => backing
            .outer_iter()
            .skip(1)
            .step_by(2)
            .all(|row| row.iter().all(|x| x == fill)),
        Layout::ColumnsOfWider => {
            let last = backing.ncols() - 1;
            backing.column(0).iter().all(|x| x == fill)
                && backing.column(last).iter().all(|x| x == fill)
        }
        _ => true,
    }
}

/// Mostly the right shape: an extra bar or symbol now and then.
fn shape_offset() -> impl Strategy<Value = (usize, usize)> {
    prop_oneof![4 => Just((0, 0)), 1 => (0usize..2, 0usize..2)]
}

/// Mostly the right length: one short or long now and then.
fn length_offset() -> impl Strategy<Value = isize> {
    prop_oneof![3 => Just(0), 1 => -1isize..=1]
}

const FILL: f64 = -7.25;
const FILL_DIRECTION: i8 = 7;

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(common::proptest_config(512))]

    /// Empty lists, zero periods, NaN, infinite and negative multipliers, repeated periods,
    /// multipliers (`0.0` and `-0.0` too) and pairs: each constructor returns exactly the
    /// first documented error, or the combinations in column order.
    #[test]
    fn grids_are_built_or_refused_as_documented(spec in grid_spec()) {
        let built = match &spec {
            GridSpec::Product(p, m) => supertrend::grid(p, m),
            GridSpec::Pairs(pairs) => supertrend::pairs(pairs),
        };
        match (expected_grid(&spec), built) {
            (Err(expected), Err(actual)) => assert_same_error(&expected, &actual),
            (Ok(combos), Ok(grid)) => {
                prop_assert_eq!(grid.len(), combos.len());
                for (i, &(p, m)) in combos.iter().enumerate() {
                    let (gp, gm) = grid.get(i).unwrap();
                    prop_assert!(gp == p && gm.to_bits() == m.to_bits());
                    prop_assert_eq!(grid.position(&(p, m)), Some(i));
                }
                let columns = Columns::new(grid.clone(), 3).unwrap();
                for j in 0..columns.len() {
                    prop_assert_eq!(columns.column(columns.key(j).unwrap()), Some(j));
                }
            }
            (expected, actual) => prop_assert!(false, "{:?}: expected {:?}, got {:?}", spec, expected, actual),
        }
    }

    /// Any price bits, zero to three symbols, extreme parameters, any chunk length, thread
    /// count, output selection and variant: `run`, its final states, `reduce` and a fresh
    /// `SweepState` fed bar by bar all give the variant's naive reference bits, or the
    /// documented error for a chunk length of 0.
    #[test]
    fn every_path_follows_the_definition_on_any_prices_and_options(
        data in edge_symbols(24, 3),
        pairs in valid_pairs(),
        chunk in chunk_len(),
        threads in 0usize..3,
        outputs in 0u8..16,
        with_states in any::<bool>(),
        extra in (edge_price(), edge_price(), edge_price()),
        variant in common::variant(),
    ) {
        let grid = supertrend::pairs(&pairs).unwrap();
        let prices = prices(&data);
        let bars = prices.bars();
        let naive = naive_columns(&data, &grid, variant);
        let set = output_set(outputs);
        let mut sweep = Sweep::new(SuperTrend::new(variant), &prices, &grid)
            .pool(pool(threads))
            .outputs(&set);
        if let Some(len) = chunk {
            sweep = sweep.chunk_len(len);
        }
        let chunk_error = Error::InvalidChunkLen { chunk_len: 0 };

        // run, or run with the final states
        let run: Result<(SweepOutput<SuperTrend>, Option<SweepState<SuperTrend>>), Error> = if with_states {
            sweep.run_with_states().map(|(out, states)| (out, Some(states)))
        } else {
            sweep.run().map(|out| (out, None))
        };
        match run {
            Err(e) => {
                prop_assert_eq!(chunk, Some(0));
                prop_assert_eq!(e, chunk_error.clone());
            }
            Ok((out, states)) => {
                prop_assert_ne!(chunk, Some(0));
                prop_assert_eq!(out.columns.len(), naive.len());
                let f64_output = |o: &str, a: Option<&Array2<f64>>| {
                    prop_assert_eq!(a.is_some(), set.contains(&o));
                    if let Some(a) = a {
                        prop_assert_eq!(a.dim(), (bars, naive.len()));
                        for (j, (key, n)) in naive.iter().enumerate() {
                            let expected = match o {
                                "supert" => &n.supert,
                                "superl" => &n.superl,
                                _ => &n.supers,
                            };
                            same_column(&format!("run {o} {key:?}"), expected, a.column(j).iter().copied());
                        }
                    }
                    Ok(())
                };
                f64_output("supert", out.supert())?;
                f64_output("superl", out.superl())?;
                f64_output("supers", out.supers())?;
                prop_assert_eq!(out.superd().is_some(), set.contains(&"superd"));
                if let Some(d) = out.superd() {
                    for (j, (key, n)) in naive.iter().enumerate() {
                        prop_assert_eq!(d.column(j).to_vec(), n.superd.clone(), "run superd {:?}", key);
                    }
                }
                prop_assert_eq!(states.is_some(), with_states);
                if let Some(mut states) = states {
                    prop_assert_eq!(states.states().len(), naive.len());
                    // The states continue every column with one more bar, like a longer batch.
                    let symbols = data.len();
                    let bar = states
                        .update(&vec![extra.0; symbols], &vec![extra.1; symbols], &vec![extra.2; symbols])
                        .unwrap();
                    for (j, (key, _)) in naive.iter().enumerate() {
                        let d = &data[key.symbol];
                        let longer = |v: &[f64], x: f64| v.iter().copied().chain([x]).collect::<Vec<_>>();
                        let longer = Ohlc {
                            high: longer(&d.high, extra.0),
                            low: longer(&d.low, extra.1),
                            close: longer(&d.close, extra.2),
                        };
                        let (period, multiplier) = key.params;
                        let n = naive_for(variant, &longer, period, multiplier);
                        let value = |name: &str| bar.get::<f64>(name).unwrap()[j];
                        prop_assert!(same_bits(value("supert"), n.supert[bars]), "state supert {:?}", key);
                        prop_assert!(same_bits(value("superl"), n.superl[bars]), "state superl {:?}", key);
                        prop_assert!(same_bits(value("supers"), n.supers[bars]), "state supers {:?}", key);
                        prop_assert_eq!(bar.get::<i8>("superd").unwrap()[j], n.superd[bars], "state superd {:?}", key);
                    }
                }
            }
        }

        // reduce, with a progress callback
        let last = Mutex::new(None);
        let record = |done: usize, total: usize| *last.lock().unwrap() = Some((done, total));
        let copies = sweep.progress(&record).reduce(|c| {
            (c.key, c.get::<f64>("supert").map(<[f64]>::to_vec), c.get::<i8>("superd").map(<[i8]>::to_vec),
             c.get::<f64>("superl").map(<[f64]>::to_vec), c.get::<f64>("supers").map(<[f64]>::to_vec))
        });
        match copies {
            Err(e) => {
                prop_assert_eq!(chunk, Some(0));
                prop_assert_eq!(e, chunk_error);
            }
            Ok(copies) => {
                prop_assert_eq!(copies.len(), naive.len());
                for ((key, n), (k, t, d, l, s)) in naive.iter().zip(copies) {
                    prop_assert_eq!(*key, k);
                    prop_assert_eq!(t.is_some(), set.contains(&"supert"));
                    prop_assert_eq!(d.is_some(), set.contains(&"superd"));
                    prop_assert_eq!(l.is_some(), set.contains(&"superl"));
                    prop_assert_eq!(s.is_some(), set.contains(&"supers"));
                    if let Some(t) = t { same_column(&format!("reduce supert {key:?}"), &n.supert, t); }
                    if let Some(l) = l { same_column(&format!("reduce superl {key:?}"), &n.superl, l); }
                    if let Some(s) = s { same_column(&format!("reduce supers {key:?}"), &n.supers, s); }
                    if let Some(d) = d { prop_assert_eq!(&d, &n.superd, "reduce superd {:?}", key); }
                }
                let total = naive.len();
                let expected_last = (total > 0).then_some((total, total));
                prop_assert_eq!(*last.lock().unwrap(), expected_last);
            }
        }

        // A fresh grid state, bar by bar.
        let mut live = SweepState::new(SuperTrend::new(variant), &grid, data.len()).unwrap();
        for i in 0..bars {
            let column = |f: fn(&Ohlc) -> &Vec<f64>| data.iter().map(|d| f(d)[i]).collect::<Vec<_>>();
            let bar = live.update(&column(|d| &d.high), &column(|d| &d.low), &column(|d| &d.close)).unwrap();
            let value = |name: &str, j: usize| bar.get::<f64>(name).unwrap()[j];
            for (j, (key, n)) in naive.iter().enumerate() {
                prop_assert!(same_bits(value("supert", j), n.supert[i]), "live supert {:?} bar {}", key, i);
                prop_assert!(same_bits(value("superl", j), n.superl[i]), "live superl {:?} bar {}", key, i);
                prop_assert!(same_bits(value("supers", j), n.supers[i]), "live supers {:?} bar {}", key, i);
                prop_assert_eq!(bar.get::<i8>("superd").unwrap()[j], n.superd[i], "live superd {:?} bar {}", key, i);
            }
        }
    }

    /// Buffers for any subset of the outputs, each of any shape and layout (C order, strided,
    /// reversed, views of larger arrays): `run_into` fills exactly the accepted ones with the
    /// reference's bits, or returns the documented error for the first bad one, in the order
    /// the chunk length, then `supert`, `superd`, `superl`, `supers`, having written nothing.
    #[test]
    fn caller_buffers_of_any_shape_and_layout_are_filled_or_refused_untouched(
        bars in 0usize..12,
        symbols in 0usize..3,
        seed in any::<u64>(),
        pairs in valid_pairs(),
        chunk in chunk_len(),
        threads in 0usize..3,
        layouts in [prop::option::of(layout()), prop::option::of(layout()),
                    prop::option::of(layout()), prop::option::of(layout())],
        with_states in any::<bool>(),
    ) {
        let data = random_symbols(bars, symbols, seed, 5);
        let grid = supertrend::pairs(&pairs).unwrap();
        let prices = prices(&data);
        let naive = naive_columns(&data, &grid, Variant::default());
        // Zero symbols passed one by one have zero bars, whatever `bars` says.
        let shape = (prices.bars(), naive.len());
        let [t_layout, d_layout, l_layout, s_layout] = layouts;
        let mut t_back = t_layout.map(|l| backing(l, shape, FILL));
        let mut d_back = d_layout.map(|l| backing(l, shape, FILL_DIRECTION));
        let mut l_back = l_layout.map(|l| backing(l, shape, FILL));
        let mut s_back = s_layout.map(|l| backing(l, shape, FILL));
        let mut t_view = t_layout.zip(t_back.as_mut()).map(|(l, b)| buffer_view(l, b));
        let mut d_view = d_layout.zip(d_back.as_mut()).map(|(l, b)| buffer_view(l, b));
        let mut l_view = l_layout.zip(l_back.as_mut()).map(|(l, b)| buffer_view(l, b));
        let mut s_view = s_layout.zip(s_back.as_mut()).map(|(l, b)| buffer_view(l, b));

        let mut expected = (chunk == Some(0)).then_some(Error::InvalidChunkLen { chunk_len: 0 });
        for error in [
            t_view.as_ref().and_then(|v| expected_buffer_error(v, "supert", shape)),
            d_view.as_ref().and_then(|v| expected_buffer_error(v, "superd", shape)),
            l_view.as_ref().and_then(|v| expected_buffer_error(v, "superl", shape)),
            s_view.as_ref().and_then(|v| expected_buffer_error(v, "supers", shape)),
        ] {
            expected = expected.or(error);
        }

        let mut sweep = Sweep::new(SuperTrend::default(), &prices, &grid).pool(pool(threads));
        if let Some(len) = chunk {
            sweep = sweep.chunk_len(len);
        }
        // The buffers given, in the order supert, superd, superl, supers.
        let mut buffers = SweepBuffers::new();
        if let Some(v) = t_view.as_mut() {
            buffers = buffers.with("supert", &mut **v);
        }
        if let Some(v) = d_view.as_mut() {
            buffers = buffers.with("superd", &mut **v);
        }
        if let Some(v) = l_view.as_mut() {
            buffers = buffers.with("superl", &mut **v);
        }
        if let Some(v) = s_view.as_mut() {
            buffers = buffers.with("supers", &mut **v);
        }
        // The states' column count, if they were asked for.
        let result: Result<Option<usize>, Error> = if with_states {
            sweep.run_into_with_states(buffers).map(|s| Some(s.states().len()))
        } else {
            sweep.run_into(buffers).map(|()| None)
        };
        match (expected, result) {
            (Some(expected), Err(actual)) => {
                prop_assert_eq!(actual, expected);
                prop_assert!(t_back.iter().chain(&l_back).chain(&s_back).all(|b| b.iter().all(|&x| x == FILL)));
                prop_assert!(d_back.iter().all(|b| b.iter().all(|&x| x == FILL_DIRECTION)));
            }
            (None, Ok(states)) => {
                prop_assert_eq!(states, with_states.then_some(naive.len()));
                for (j, (key, n)) in naive.iter().enumerate() {
                    if let Some(v) = &t_view { same_column(&format!("supert {key:?}"), &n.supert, v.column(j).iter().copied()); }
                    if let Some(v) = &l_view { same_column(&format!("superl {key:?}"), &n.superl, v.column(j).iter().copied()); }
                    if let Some(v) = &s_view { same_column(&format!("supers {key:?}"), &n.supers, v.column(j).iter().copied()); }
                    if let Some(v) = &d_view { prop_assert_eq!(v.column(j).to_vec(), n.superd.clone(), "superd {:?}", key); }
                }
                for (layout, back) in [(t_layout, &t_back), (l_layout, &l_back), (s_layout, &s_back)] {
                    if let (Some(layout), Some(back)) = (layout, back) {
                        prop_assert!(untouched_outside(layout, back, &FILL), "{:?}", layout);
                    }
                }
                if let (Some(layout), Some(back)) = (d_layout, &d_back) {
                    prop_assert!(untouched_outside(layout, back, &FILL_DIRECTION), "{:?}", layout);
                }
            }
            (expected, actual) => prop_assert!(false, "expected {:?}, got {:?}", expected, actual),
        }
    }

    /// Price arrays of any shapes and layouts (C order, column-major, strided and reversed
    /// views): equal shapes give the same sweep as the same prices passed per symbol, and
    /// different shapes are `PriceShape`.
    #[test]
    fn price_arrays_in_any_layout_give_the_same_sweep_or_a_shape_error(
        bars in 0usize..10,
        symbols in 0usize..3,
        seed in any::<u64>(),
        layouts in [0u8..4, 0u8..4, 0u8..4],
        shape_offsets in [shape_offset(), shape_offset(), shape_offset()],
    ) {
        let data = random_symbols(bars, symbols, seed, 4);
        let grid = supertrend::grid(&[1, 3], &[0.0, 2.5]).unwrap();
        let reference = Sweep::new(SuperTrend::default(), &prices(&data), &grid).run().unwrap();
        let series = [|d: &Ohlc| d.high.clone(), |d: &Ohlc| d.low.clone(), |d: &Ohlc| d.close.clone()];
        // Each array holds its series in a layout, possibly with an extra bar or symbol.
        let mut owned: Vec<Array2<f64>> = Vec::new();
        for ((get, &layout), &(more_bars, more_symbols)) in series.iter().zip(&layouts).zip(&shape_offsets) {
            let (rows, cols) = (bars + more_bars, symbols + more_symbols);
            let value = |i: usize, s: usize| if i < bars && s < symbols { get(&data[s])[i] } else { 1.0 };
            let array = match layout {
                0 => Array2::from_shape_fn((rows, cols).f(), |(i, s)| value(i, s)),
                1 => Array2::from_shape_fn((rows, cols), |(i, s)| value(i, s)),
                // Every other row of a taller array, and a reversed one: made into views below.
                2 => Array2::from_shape_fn((2 * rows, cols).f(), |(i, s)| if i % 2 == 0 { value(i / 2, s) } else { f64::NAN }),
                _ => Array2::from_shape_fn((rows, cols).f(), |(i, s)| value(rows.saturating_sub(1) - i, s)),
            };
            owned.push(array);
        }
        let views: Vec<_> = owned.iter().zip(&layouts).map(|(a, &layout)| match layout {
            2 => a.slice(s![..;2, ..]),
            3 => { let mut v = a.view(); v.invert_axis(Axis(0)); v }
            _ => a.view(),
        }).collect();
        let dims: Vec<_> = views.iter().map(|v| v.dim()).collect();
        match Prices::from_arrays(&views[0], &views[1], &views[2]) {
            Err(e) => {
                prop_assert!(dims[0] != dims[1] || dims[0] != dims[2]);
                prop_assert_eq!(e, Error::PriceShape { high: dims[0], low: dims[1], close: dims[2] });
            }
            Ok(from_arrays) => {
                prop_assert!(dims[0] == dims[1] && dims[0] == dims[2]);
                // Zero symbols from arrays keep their bars; passed one by one they have none.
                if dims[0] == (bars, symbols) && symbols > 0 {
                    let out = Sweep::new(SuperTrend::default(), &from_arrays, &grid).run().unwrap();
                    let all = |a: Option<&Array2<f64>>, b: Option<&Array2<f64>>| {
                        a.unwrap().iter().zip(b.unwrap()).all(|(x, y)| same_bits(*x, *y))
                    };
                    prop_assert!(all(out.supert(), reference.supert()) && all(out.superl(), reference.superl()));
                    prop_assert_eq!(out.superd(), reference.superd());
                }
            }
        }
    }

    /// Symbols of any lengths: the first one that differs from symbol 0's `high` is named.
    #[test]
    fn symbols_of_any_lengths_are_accepted_or_the_first_wrong_one_is_named(
        lengths in prop::collection::vec([0usize..4, 0usize..4, 0usize..4], 0..5),
    ) {
        let values = [1.0; 4];
        let built = Prices::from_symbols(lengths.iter().map(|l| (&values[..l[0]], &values[..l[1]], &values[..l[2]])));
        let expected_bars = lengths.first().map_or(0, |l| l[0]);
        match lengths.iter().position(|l| l.iter().any(|&n| n != expected_bars)) {
            Some(symbol) => {
                let [high, low, close] = lengths[symbol];
                prop_assert_eq!(built.unwrap_err(), Error::SymbolLength { symbol, high, low, close, expected: expected_bars });
            }
            None => {
                let prices = built.unwrap();
                prop_assert_eq!((prices.bars(), prices.symbols()), (expected_bars, lengths.len()));
            }
        }
    }

    /// Streaming updates with the wrong number of prices, or into a bar of the wrong number of
    /// columns or outputs, are refused and change nothing; the right ones advance every
    /// column.
    #[test]
    fn streaming_updates_of_any_length_are_applied_or_refused_untouched(
        pairs in valid_pairs(),
        symbols in 0usize..4,
        lengths in [0usize..5, 0usize..5, 0usize..5],
        output_offset in length_offset(),
        schema_kind in prop_oneof![3 => Just(0u8), 1 => 1u8..3],
    ) {
        let grid = supertrend::pairs(&pairs).unwrap();
        let mut state = SweepState::new(SuperTrend::default(), &grid, symbols).unwrap();
        // Warm every column up, so a wrongly applied update would show.
        for i in 0..3 {
            let p = 100.0 + i as f64;
            state.update(&vec![p + 1.0; symbols], &vec![p - 1.0; symbols], &vec![p; symbols]).unwrap();
        }
        let before = format!("{state:?}");
        let columns = grid.len() * symbols;
        let prices: Vec<Vec<f64>> = lengths.iter().map(|&n| vec![101.5; n]).collect();
        // A bar's outputs are sized together (`SweepBar::new`): one length for all of them,
        // and a schema that is SuperTrend's, a part of it, or another indicator's.
        let out_len = columns.checked_add_signed(output_offset).unwrap_or(columns + 1);
        let schema: Vec<OutputSpec> = match schema_kind {
            0 => SuperTrend::default().outputs().to_vec(),
            1 => SuperTrend::default().outputs()[..2].to_vec(),
            _ => Ma::simple().outputs().to_vec(),
        };
        let mut out = SweepBar::new(&schema, out_len);
        let untouched = out.clone();
        let result = state.update_into(&prices[0], &prices[1], &prices[2], &mut out);
        let wrong_symbols = lengths.iter().find(|&&n| n != symbols);
        let wrong_bar = out_len != columns || schema_kind != 0;
        match (wrong_symbols, wrong_bar) {
            (Some(&actual), _) => {
                prop_assert_eq!(result.unwrap_err(), Error::SymbolCount { expected: symbols, actual });
                prop_assert_eq!(&before, &format!("{state:?}"));
                prop_assert_eq!(&out, &untouched);
            }
            (None, true) => {
                prop_assert_eq!(result.unwrap_err(), Error::OutputLength { output: "bar", expected: columns, actual: out_len });
                prop_assert_eq!(&before, &format!("{state:?}"));
                prop_assert_eq!(&out, &untouched);
            }
            (None, false) => {
                result.unwrap();
                let d = out.get::<i8>("superd").unwrap();
                prop_assert_eq!(d.len(), columns);
                prop_assert!(d.iter().all(|&x| x == 1 || x == -1));
                let after = format!("{state:?}");
                prop_assert!(columns == 0 || before != after);
            }
        }
    }
}
