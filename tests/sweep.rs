//! The factory: every column equals the single-series kernel bit for bit, whatever the grid,
//! symbols, threads and chunking; layout, selection, caller buffers, progress and states.

mod common;

use std::sync::Mutex;

use common::{assert_same_bits, random_symbols, same_bits, Ohlc};
use ndarray::{s, Array2, ShapeBuilder};
use ta_sweep::{
    fraction_range, supertrend, ColumnKey, ColumnView, Grid, Indicator, OutputSet, Prices,
    SuperTrend, SuperTrendParams, Sweep, SweepBuffers, SweepOutput, SweepState, Variant,
};

/// SuperTrend's grid rows: (period, multiplier).
type Params = (usize, f64);

/// SuperTrend's outputs, in schema order (the old `Output::ALL`).
const OUTPUTS: [&str; 4] = ["supert", "superd", "superl", "supers"];

fn prices(data: &[Ohlc]) -> Prices<'_> {
    Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// Every column of `out` against `supertrend` on its own symbol and parameters.
fn assert_matches_kernel(out: &SweepOutput<SuperTrend>, data: &[Ohlc]) {
    assert_matches_variant(out, data, Variant::default());
}

/// [`assert_matches_kernel`] for a sweep of another variant.
fn assert_matches_variant(out: &SweepOutput<SuperTrend>, data: &[Ohlc], variant: Variant) {
    for (j, key) in out.columns.keys().enumerate() {
        let key_label = out.columns.label(j).unwrap();
        let d = &data[key.symbol];
        let (period, multiplier) = key.params;
        let params = SuperTrendParams::new(period, multiplier)
            .unwrap()
            .with_variant(variant);
        let reference = supertrend(&d.high, &d.low, &d.close, params).unwrap();
        let col = |a: Option<&Array2<f64>>| a.map(|a| a.column(j).to_vec());
        if let Some(c) = col(out.supert()) {
            assert_same_bits(&format!("supert {key_label}"), &reference.supert, &c);
        }
        if let Some(c) = col(out.superl()) {
            assert_same_bits(&format!("superl {key_label}"), &reference.superl, &c);
        }
        if let Some(c) = col(out.supers()) {
            assert_same_bits(&format!("supers {key_label}"), &reference.supers, &c);
        }
        if let Some(a) = out.superd() {
            assert_eq!(a.column(j).to_vec(), reference.superd, "superd {key_label}");
        }
    }
}

fn grids() -> Vec<Grid<Params>> {
    vec![
        supertrend::grid(&[4, 7, 19], &fraction_range(20..=40, 10)).unwrap(),
        supertrend::grid(&[1, 2, 3, 50], &[0.0, 0.5, 3.0]).unwrap(),
        supertrend::grid(&[10], &[3.0]).unwrap(),
        // Periods interleaved: groups of equal period are short and non-adjacent.
        supertrend::pairs(&[
            (7, 3.0),
            (5, 2.0),
            (7, 2.0),
            (7, 2.5),
            (5, 3.0),
            (14, 1.0),
            (7, 1.0),
        ])
        .unwrap(),
    ]
}

#[test]
fn every_column_equals_the_single_series_kernel_for_any_grid_symbols_threads_and_chunks() {
    for (symbols, nan_every) in [(1, 0), (2, 40), (3, 7)] {
        let data = random_symbols(400, symbols, 11 + symbols as u64, nan_every);
        let prices = prices(&data);
        for grid in grids() {
            let columns = grid.len() * symbols;
            for threads in [1, 2, 3, 8] {
                let pool = pool(threads);
                for chunk_len in [
                    None,
                    Some(1),
                    Some(2),
                    Some(5),
                    Some(7),
                    Some(columns),
                    Some(columns + 3),
                ] {
                    let mut sweep = Sweep::new(SuperTrend::default(), &prices, &grid).pool(&pool);
                    if let Some(len) = chunk_len {
                        sweep = sweep.chunk_len(len);
                    }
                    let out = sweep.run().unwrap();
                    assert_eq!(out.columns.len(), columns);
                    assert_matches_kernel(&out, &data);
                }
            }
        }
    }
}

#[test]
fn every_variant_sweep_equals_its_single_series_kernel_and_streams_on() {
    for variant in [Variant::TradingView, Variant::TaLib] {
        for (symbols, nan_every) in [(1, 0), (3, 7)] {
            let data = random_symbols(300, symbols, 91 + symbols as u64, nan_every);
            let prices = prices(&data);
            for grid in grids() {
                for (threads, chunk_len) in [(1, None), (3, Some(1)), (2, Some(7))] {
                    let pool = pool(threads);
                    let mut sweep =
                        Sweep::new(SuperTrend::new(variant), &prices, &grid).pool(&pool);
                    if let Some(len) = chunk_len {
                        sweep = sweep.chunk_len(len);
                    }
                    let (out, states) = sweep.run_with_states().unwrap();
                    assert_matches_variant(&out, &data, variant);
                    // The reduce path sees the same columns.
                    let lines = sweep
                        .reduce(|c| c.get::<f64>("supert").unwrap().to_vec())
                        .unwrap();
                    for (j, line) in lines.iter().enumerate() {
                        assert_same_bits(
                            "reduce supert",
                            &out.supert().unwrap().column(j).to_vec(),
                            line,
                        );
                    }
                    // And the final states continue like the single-series states.
                    for (j, key) in states.columns().keys().enumerate() {
                        let d = &data[key.symbol];
                        let (period, multiplier) = key.params;
                        let params = SuperTrendParams::new(period, multiplier)
                            .unwrap()
                            .with_variant(variant);
                        let single = supertrend(&d.high, &d.low, &d.close, params).unwrap().state;
                        let (mut a, mut b) = (states.states()[j], single);
                        let (x, y) = (a.update(101.0, 99.0, 100.0), b.update(101.0, 99.0, 100.0));
                        assert!(
                            same_bits(x.supert, y.supert) && x.superd == y.superd,
                            "{variant} state {}",
                            states.columns().label(j).unwrap()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_reference_workload_grid_on_real_data_matches_the_kernel() {
    let dir = common::data_dir().join("../../examples/data");
    let load = |name: &str| {
        let cols = common::read_columns(&dir.join(name));
        Ohlc {
            high: common::column(&cols, "high"),
            low: common::column(&cols, "low"),
            close: common::column(&cols, "close"),
        }
    };
    let data = vec![load("MSFT_bokeh.csv"), load("IBM_bokeh.csv")];
    let out = Sweep::new(
        SuperTrend::default(),
        &prices(&data),
        &supertrend::tutorial_grid(),
    )
    .run()
    .unwrap();
    assert_eq!(out.supert().unwrap().dim(), (3270, 672));
    assert_matches_kernel(&out, &data);
}

#[test]
fn outputs_are_column_major_with_contiguous_columns() {
    let data = random_symbols(50, 2, 3, 0);
    let out = Sweep::new(
        SuperTrend::default(),
        &prices(&data),
        &supertrend::grid(&[3, 5], &[1.0, 2.0]).unwrap(),
    )
    .run()
    .unwrap();
    for array in [
        out.supert().unwrap(),
        out.superl().unwrap(),
        out.supers().unwrap(),
    ] {
        assert!(array.t().is_standard_layout());
        assert!(array.column(3).as_slice().is_some());
    }
    assert!(out.superd().unwrap().t().is_standard_layout());
}

#[test]
fn labels_and_lookups_round_trip() {
    let grid = supertrend::grid(&[4, 7, 19], &fraction_range(20..=40, 10)).unwrap();
    let data = random_symbols(10, 3, 5, 0);
    let out = Sweep::new(SuperTrend::default(), &prices(&data), &grid)
        .outputs(&[])
        .run()
        .unwrap();
    let columns = &out.columns;
    assert_eq!(columns.len(), 3 * 21 * 3);
    let mut labels = std::collections::HashSet::new();
    for j in 0..columns.len() {
        let key = columns.key(j).unwrap();
        assert_eq!(columns.column(key), Some(j));
        // The documented order: period slowest, multiplier, symbol fastest.
        let (period, multiplier) = key.params;
        let (p_idx, m_idx) = (
            [4, 7, 19].iter().position(|&p| p == period).unwrap(),
            (multiplier * 10.0).round() as usize - 20,
        );
        assert_eq!(j, (p_idx * 21 + m_idx) * 3 + key.symbol);
        assert!(
            labels.insert(columns.label(j).unwrap()),
            "labels are unique"
        );
    }
    assert_eq!(columns.keys().count(), columns.len());
    assert_eq!(columns.key(columns.len()), None);
    assert_eq!(columns.label(columns.len()), None);
    assert_eq!(columns.label(0).unwrap(), "p4_m2_c0");
    assert_eq!(columns.label(3 * 3 + 2).unwrap(), "p4_m2.3_c2");
    let missing = ColumnKey {
        params: (5, 2.0),
        symbol: 0,
    };
    assert_eq!(columns.column(missing), None);
    assert_eq!(columns.column(ColumnKey::new((4, 2.0), 3)), None);
    // The grid holds k / 10 exactly; 2.0 + 14 * 0.1 is 3.4000000000000004, not 3.4.
    assert_eq!(columns.column(ColumnKey::new((4, 3.4), 0)), Some(14 * 3));
    assert_eq!(
        columns.column(ColumnKey::new((4, 2.0 + 14.0 * 0.1), 0)),
        None
    );

    let pairs = supertrend::pairs(&[(9, 1.5), (3, 2.0)]).unwrap();
    let out = Sweep::new(SuperTrend::default(), &prices(&data), &pairs)
        .outputs(&[])
        .run()
        .unwrap();
    assert_eq!(out.columns.key(4), Some(ColumnKey::new((3, 2.0), 1)));
    assert_eq!(out.columns.column(ColumnKey::new((9, 1.5), 2)), Some(2));
}

#[test]
fn selected_outputs_only_are_computed_and_equal_the_full_sweep() {
    let data = random_symbols(300, 2, 17, 30);
    let prices = prices(&data);
    let grid = supertrend::grid(&[3, 8], &[1.0, 2.5]).unwrap();
    let full = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run()
        .unwrap();
    let schema = SuperTrend::default().outputs().to_vec();
    let names: Vec<&str> = schema.iter().map(|spec| spec.name()).collect();
    assert_eq!(names, OUTPUTS);
    for bits in 0u8..16 {
        let selected: Vec<&str> = OUTPUTS
            .into_iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, o)| o)
            .collect();
        let set = OutputSet::named(&schema, &selected).unwrap();
        // Bytes per bar: 8 per f64 output, 1 for the i8 directions.
        let per_bar: usize = selected
            .iter()
            .map(|&name| if name == "superd" { 1 } else { 8 })
            .sum();
        assert_eq!(set.bytes_per_bar(&schema), per_bar);
        let sweep = Sweep::new(SuperTrend::default(), &prices, &grid).outputs(&selected);
        assert_eq!(
            sweep.output_bytes().unwrap(),
            (300 * 8 * set.bytes_per_bar(&schema)) as u128
        );
        let out = sweep.run().unwrap();
        let contains = |name: &str| set.contains(OUTPUTS.iter().position(|&o| o == name).unwrap());
        assert_eq!(out.supert().is_some(), contains("supert"));
        assert_eq!(out.superd().is_some(), contains("superd"));
        assert_eq!(out.superl().is_some(), contains("superl"));
        assert_eq!(out.supers().is_some(), contains("supers"));
        let same = |a: Option<&Array2<f64>>, b: Option<&Array2<f64>>| {
            if let (Some(a), Some(b)) = (a, b) {
                assert!(a.iter().zip(b).all(|(x, y)| same_bits(*x, *y)));
            }
        };
        same(out.supert(), full.supert());
        same(out.superl(), full.superl());
        same(out.supers(), full.supers());
        if let Some(d) = out.superd() {
            assert_eq!(d, full.superd().unwrap());
        }
    }
}

#[test]
fn caller_buffers_are_filled_reused_and_only_the_given_outputs_are_written() {
    let data = random_symbols(200, 2, 23, 25);
    let prices = prices(&data);
    let grid = supertrend::grid(&[2, 6, 9], &[0.5, 3.0]).unwrap();
    let full = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run()
        .unwrap();
    let shape = (200, 12);
    let mut supert = Array2::<f64>::from_elem(shape.f(), -7.0);
    let mut superd = Array2::<i8>::zeros(shape.f());
    for round in 0..3 {
        let buffers = SweepBuffers::new()
            .with("supert", &mut supert)
            .with("superd", &mut superd);
        let pool = pool(round + 1);
        // `run_into` returns no states (the old `Option<SweepState>` was `None` here): those
        // are `run_into_with_states`'.
        let () = Sweep::new(SuperTrend::default(), &prices, &grid)
            .pool(&pool)
            .chunk_len(round * 2 + 1)
            .run_into(buffers)
            .unwrap();
        assert!(supert
            .iter()
            .zip(full.supert().unwrap())
            .all(|(a, b)| same_bits(*a, *b)));
        assert_eq!(&superd, full.superd().unwrap());
    }
    // A view of a larger column-major array works, as long as its columns are contiguous.
    let mut big = Array2::<f64>::zeros((200, 20).f());
    let mut view = big.slice_mut(s![.., 4..16]);
    Sweep::new(SuperTrend::default(), &prices, &grid)
        .run_into(SweepBuffers::new().with("superl", &mut view))
        .unwrap();
    assert!(big
        .slice(s![.., 4..16])
        .iter()
        .zip(full.superl().unwrap())
        .all(|(a, b)| same_bits(*a, *b)));
    assert!(big.slice(s![.., ..4]).iter().all(|&x| x == 0.0));
}

#[test]
fn zero_bars_one_bar_and_one_column_work() {
    let grid = supertrend::grid(&[1, 3], &[2.0]).unwrap();
    let empty: Vec<Ohlc> = vec![
        Ohlc {
            high: vec![],
            low: vec![],
            close: vec![]
        };
        2
    ];
    let (out, states) = Sweep::new(SuperTrend::default(), &prices(&empty), &grid)
        .run_with_states()
        .unwrap();
    assert_eq!(out.supert().unwrap().dim(), (0, 4));
    assert_eq!(states.states().len(), 4);

    let one = random_symbols(1, 2, 1, 0);
    let out = Sweep::new(SuperTrend::default(), &prices(&one), &grid)
        .run()
        .unwrap();
    assert_eq!(out.superd().unwrap().dim(), (1, 4));
    assert!(out.supert().unwrap().iter().all(|x| x.is_nan()));
    assert_matches_kernel(&out, &one);

    let data = random_symbols(100, 1, 2, 0);
    let out = Sweep::new(
        SuperTrend::default(),
        &prices(&data),
        &supertrend::pairs(&[(5, 2.0)]).unwrap(),
    )
    .run()
    .unwrap();
    assert_eq!(out.supert().unwrap().dim(), (100, 1));
    assert_matches_kernel(&out, &data);

    // Zero symbols: no columns.
    let none = Prices::from_symbols(std::iter::empty()).unwrap();
    let out = Sweep::new(SuperTrend::default(), &none, &grid)
        .run()
        .unwrap();
    assert_eq!(out.supert().unwrap().dim(), (0, 0));
}

#[test]
fn prices_from_arrays_in_any_layout_give_the_same_bits() {
    let data = random_symbols(150, 3, 31, 20);
    let grid = supertrend::grid(&[4, 9], &[2.0, 3.5]).unwrap();
    let reference = Sweep::new(SuperTrend::default(), &prices(&data), &grid)
        .run()
        .unwrap();
    let fill = |f: &dyn Fn(&Ohlc) -> &Vec<f64>, array: &mut Array2<f64>| {
        for (s, d) in data.iter().enumerate() {
            array
                .column_mut(s)
                .assign(&ndarray::ArrayView1::from(&f(d)[..]));
        }
    };
    for fortran in [true, false] {
        let mut arrays = [(); 3].map(|_| {
            if fortran {
                Array2::zeros((150, 3).f())
            } else {
                Array2::zeros((150, 3))
            }
        });
        fill(&|d| &d.high, &mut arrays[0]);
        fill(&|d| &d.low, &mut arrays[1]);
        fill(&|d| &d.close, &mut arrays[2]);
        let prices = Prices::from_arrays(&arrays[0], &arrays[1], &arrays[2]).unwrap();
        assert_eq!((prices.bars(), prices.symbols()), (150, 3));
        let out = Sweep::new(SuperTrend::default(), &prices, &grid)
            .run()
            .unwrap();
        assert!(out
            .supert()
            .unwrap()
            .iter()
            .zip(reference.supert().unwrap())
            .all(|(a, b)| same_bits(*a, *b)));
        assert_eq!(out.superd(), reference.superd());
    }
}

#[test]
fn progress_reports_every_column_once_in_increasing_order() {
    let data = random_symbols(100, 2, 41, 0);
    let grid = supertrend::grid(&[3, 4, 5], &[1.0, 2.0, 3.0]).unwrap();
    for threads in [1, 3] {
        let calls = Mutex::new(Vec::new());
        let record = |done: usize, total: usize| calls.lock().unwrap().push((done, total));
        let pool = pool(threads);
        Sweep::new(SuperTrend::default(), &prices(&data), &grid)
            .chunk_len(4)
            .pool(&pool)
            .progress(&record)
            .run()
            .unwrap();
        let calls = calls.into_inner().unwrap();
        assert_eq!(calls.len(), 18usize.div_ceil(4));
        assert!(calls.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(calls.iter().all(|&(_, total)| total == 18));
        assert_eq!(calls.last().unwrap().0, 18);
    }
}

#[test]
fn a_panicking_progress_callback_propagates_and_the_next_sweep_is_fine() {
    let data = random_symbols(100, 2, 43, 0);
    let grid = supertrend::grid(&[3, 4], &[1.0, 2.0]).unwrap();
    let prices = prices(&data);
    let boom = |_: usize, _: usize| panic!("callback failed");
    // `Grid` is not `RefUnwindSafe` (its rows are a trait object): assert it, as nothing
    // of the sweep's is observed after the panic but through a fresh sweep.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Sweep::new(SuperTrend::default(), &prices, &grid)
            .chunk_len(1)
            .progress(&boom)
            .run()
    }));
    assert!(result.is_err());
    let out = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run()
        .unwrap();
    assert_matches_kernel(&out, &data);
}

/// Runs `job` on its own thread and fails, instead of hanging the suite, if it takes longer
/// than `limit` (the stuck thread is left behind; the test process ends with the failure).
fn within<T: Send + 'static>(
    limit: std::time::Duration,
    job: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(job()));
    receiver
        .recv_timeout(limit)
        .expect("the job hung (or panicked)")
}

#[test]
fn a_progress_callback_that_runs_rayon_work_does_not_deadlock() {
    // While the callback waits for its `join`, its thread steals this sweep's other chunks;
    // their reports used to wait for the lock the callback's caller held: a deadlock within
    // a few sweeps on 4 threads.
    let calls = within(std::time::Duration::from_secs(60), || {
        let data = random_symbols(500, 2, 47, 0);
        let grid = supertrend::grid(&(1..=30).collect::<Vec<_>>(), &[1.0, 2.0]).unwrap();
        let prices = prices(&data);
        let pool = pool(4);
        let calls = Mutex::new(Vec::new());
        let progress = |done: usize, total: usize| {
            let pause = || std::thread::sleep(std::time::Duration::from_micros(200));
            rayon::join(pause, pause);
            calls.lock().unwrap().push((done, total));
        };
        for _ in 0..10 {
            Sweep::new(SuperTrend::default(), &prices, &grid)
                .pool(&pool)
                .chunk_len(1)
                .progress(&progress)
                .run()
                .unwrap();
        }
        calls.into_inner().unwrap()
    });
    // Still one call per chunk, increasing within each sweep and ending at the total.
    assert_eq!(calls.len(), 10 * 120);
    for sweep in calls.chunks(120) {
        assert!(sweep.windows(2).all(|w| w[0].0 < w[1].0), "{sweep:?}");
        assert_eq!(sweep.last(), Some(&(120, 120)));
    }
}

#[test]
fn batch_states_continue_bar_by_bar_like_a_longer_batch() {
    let data = random_symbols(300, 2, 53, 15);
    let grid = supertrend::grid(&[3, 7, 12], &fraction_range(10..=30, 10)).unwrap();
    let full = Sweep::new(SuperTrend::default(), &prices(&data), &grid)
        .run()
        .unwrap();
    for cut in [0, 1, 5, 150, 299] {
        let head: Vec<Ohlc> = data.iter().map(|d| d.slice(0..cut)).collect();
        let pool = pool(2);
        let (_, mut live): (_, SweepState<SuperTrend>) =
            Sweep::new(SuperTrend::default(), &prices(&head), &grid)
                .pool(&pool)
                .chunk_len(5)
                .run_with_states()
                .unwrap();
        for i in cut..300 {
            let bar = live
                .update(
                    &data.iter().map(|d| d.high[i]).collect::<Vec<_>>(),
                    &data.iter().map(|d| d.low[i]).collect::<Vec<_>>(),
                    &data.iter().map(|d| d.close[i]).collect::<Vec<_>>(),
                )
                .unwrap();
            let row = |a: Option<&Array2<f64>>| a.unwrap().row(i).to_vec();
            assert_same_bits(
                &format!("supert cut {cut} bar {i}"),
                &row(full.supert()),
                bar.get::<f64>("supert").unwrap(),
            );
            assert_same_bits(
                &format!("superl cut {cut} bar {i}"),
                &row(full.superl()),
                bar.get::<f64>("superl").unwrap(),
            );
            assert_same_bits(
                &format!("supers cut {cut} bar {i}"),
                &row(full.supers()),
                bar.get::<f64>("supers").unwrap(),
            );
            assert_eq!(
                full.superd().unwrap().row(i).to_vec(),
                bar.get::<i8>("superd").unwrap()
            );
        }
    }
    // A fresh grid state from scratch equals the batch too.
    let mut fresh = SweepState::new(SuperTrend::default(), &grid, 2).unwrap();
    for i in 0..300 {
        let bar = fresh
            .update(
                &[data[0].high[i], data[1].high[i]],
                &[data[0].low[i], data[1].low[i]],
                &[data[0].close[i], data[1].close[i]],
            )
            .unwrap();
        assert_eq!(
            full.superd().unwrap().row(i).to_vec(),
            bar.get::<i8>("superd").unwrap()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Every path, deterministic and safe from many threads and inside pools
// ---------------------------------------------------------------------------------------------

/// Random walks with NaN gaps, an infinite high and a price that overflows the midpoint.
fn awkward_symbols() -> Vec<Ohlc> {
    let mut data = random_symbols(300, 3, 91, 13);
    data[1].high[50] = f64::INFINITY;
    data[2].close[100] = 1e308;
    data[2].low[200] = -0.0;
    data
}

fn awkward_grid() -> Grid<Params> {
    supertrend::grid(&[1, 2, 5, 13], &[0.0, 0.5, 2.1, 3.0, 1e308]).unwrap()
}

/// Every value of one column, as bits: the line, direction, long and short bands.
fn column_bits(supert: &[f64], superd: &[i8], superl: &[f64], supers: &[f64]) -> Vec<u64> {
    let floats = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let mut bits = floats(supert);
    bits.extend(superd.iter().map(|&d| d as u64));
    bits.extend(floats(superl));
    bits.extend(floats(supers));
    bits
}

fn output_bits(
    columns: usize,
    supert: &Array2<f64>,
    superd: &Array2<i8>,
    superl: &Array2<f64>,
    supers: &Array2<f64>,
) -> Vec<u64> {
    (0..columns)
        .flat_map(|j| {
            let column = |a: &Array2<f64>| a.column(j).to_vec();
            column_bits(
                &column(supert),
                &superd.column(j).to_vec(),
                &column(superl),
                &column(supers),
            )
        })
        .collect()
}

/// The bits of `bars` more bars streamed through `states`.
fn streamed_bits(mut states: SweepState<SuperTrend>, bars: &[Ohlc]) -> Vec<u64> {
    let mut bits = Vec::new();
    for i in 0..bars[0].len() {
        let at = |f: fn(&Ohlc) -> &Vec<f64>| bars.iter().map(|d| f(d)[i]).collect::<Vec<_>>();
        let bar = states
            .update(&at(|d| &d.high), &at(|d| &d.low), &at(|d| &d.close))
            .unwrap();
        bits.extend(column_bits(
            bar.get::<f64>("supert").unwrap(),
            bar.get::<i8>("superd").unwrap(),
            bar.get::<f64>("superl").unwrap(),
            bar.get::<f64>("supers").unwrap(),
        ));
    }
    bits
}

/// What every path gives for one configured sweep: (run's columns, run's states streamed on,
/// run_into's columns, run_into's states streamed on, reduce's columns, reduce_init's).
fn every_path(sweep: Sweep<'_, '_, SuperTrend>, next: &[Ohlc]) -> [Vec<u64>; 6] {
    let (out, states) = sweep.run_with_states().unwrap();
    let columns = out.columns.len();
    let run = output_bits(
        columns,
        out.supert().unwrap(),
        out.superd().unwrap(),
        out.superl().unwrap(),
        out.supers().unwrap(),
    );
    let run_states = streamed_bits(states, next);
    let shape = (out.bars, columns);
    let matrix = || ta_sweep::output_matrix::<f64>(shape.0, shape.1);
    let (mut t, mut l, mut s) = (matrix(), matrix(), matrix());
    let mut d = ta_sweep::output_matrix::<i8>(shape.0, shape.1);
    let states = sweep
        .run_into_with_states(
            SweepBuffers::new()
                .with("supert", &mut t)
                .with("superd", &mut d)
                .with("superl", &mut l)
                .with("supers", &mut s),
        )
        .unwrap();
    let run_into = output_bits(columns, &t, &d, &l, &s);
    let run_into_states = streamed_bits(states, next);
    let view_bits = |c: ColumnView<'_, Params>| {
        column_bits(
            c.get::<f64>("supert").unwrap(),
            c.get::<i8>("superd").unwrap(),
            c.get::<f64>("superl").unwrap(),
            c.get::<f64>("supers").unwrap(),
        )
    };
    let reduce = sweep.reduce(view_bits).unwrap().concat();
    let reduce_init = sweep
        .reduce_init(Vec::new, |scratch: &mut Vec<u64>, c| {
            scratch.clear();
            scratch.extend(view_bits(c));
            scratch.clone()
        })
        .unwrap()
        .concat();
    [
        run,
        run_states,
        run_into,
        run_into_states,
        reduce,
        reduce_init,
    ]
}

#[test]
fn every_path_gives_the_same_bits_on_every_run_thread_count_and_chunk_length() {
    let data = awkward_symbols();
    let next = random_symbols(15, 3, 92, 5);
    let grid = awkward_grid();
    let prices = prices(&data);
    let names = [
        "run",
        "run states",
        "run_into",
        "run_into states",
        "reduce",
        "reduce_init",
    ];
    for variant in ta_sweep::Variant::ALL {
        let reference = every_path(Sweep::new(SuperTrend::new(variant), &prices, &grid), &next);
        // The paths agree with each other: materialised, into buffers, reduced; states alike.
        assert!(reference[0] == reference[2] && reference[0] == reference[4]);
        assert!(reference[0] == reference[5] && reference[1] == reference[3]);
        for threads in [1, 2, 5] {
            let pool = pool(threads);
            for chunk_len in [1, 4, 7, usize::MAX] {
                for repeat in 0..2 {
                    let sweep = Sweep::new(SuperTrend::new(variant), &prices, &grid)
                        .pool(&pool)
                        .chunk_len(chunk_len);
                    let bits = every_path(sweep, &next);
                    for (k, name) in names.iter().enumerate() {
                        assert!(
                            bits[k] == reference[k],
                            "{variant:?} {name}: {threads} threads, chunks of {chunk_len}, \
                             repeat {repeat}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_path_from_many_threads_at_once_agrees_while_another_callback_panics() {
    let data = awkward_symbols();
    let next = random_symbols(15, 3, 92, 5);
    let grid = awkward_grid();
    let prices = prices(&data);
    let reference = every_path(Sweep::new(SuperTrend::default(), &prices, &grid), &next);
    let shared = pool(3);
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (prices, grid, next, reference, shared) =
                (&prices, &grid, &next, &reference, &shared);
            scope.spawn(move || {
                for _ in 0..3 {
                    // Half the threads share one pool, the others use the global one.
                    let sweep = Sweep::new(SuperTrend::default(), prices, grid);
                    let sweep = if t % 2 == 0 {
                        sweep.pool(shared)
                    } else {
                        sweep
                    };
                    assert!(every_path(sweep, next) == *reference, "thread {t}");
                }
            });
        }
        // Meanwhile, sweeps on the shared pool whose callbacks panic.
        scope.spawn(|| {
            for _ in 0..10 {
                let boom = |_: usize, _: usize| panic!("progress failed");
                let sweep = Sweep::new(SuperTrend::default(), &prices, &grid)
                    .pool(&shared)
                    .chunk_len(3);
                let unwind = |f: &dyn Fn()| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err()
                };
                assert!(unwind(&|| drop(sweep.progress(&boom).run())));
                let reducer = |c: ColumnView<'_, Params>| {
                    if c.key.symbol == 2 {
                        panic!("reducer failed")
                    }
                };
                assert!(unwind(&|| drop(sweep.reduce(reducer))));
            }
        });
    });
    assert!(
        every_path(
            Sweep::new(SuperTrend::default(), &prices, &grid).pool(&shared),
            &next
        ) == reference
    );
}

#[test]
fn sweeps_inside_outer_pools_and_install_agree_and_survive_panics() {
    // On its own thread with a time limit: a deadlock fails the test instead of hanging it.
    within(std::time::Duration::from_secs(120), || {
        use rayon::prelude::*;
        let data = awkward_symbols();
        let grid = awkward_grid();
        let prices = prices(&data);
        let st = SuperTrend::default();
        let reference = Sweep::new(st, &prices, &grid).run().unwrap();
        let flips = |c: ColumnView<'_, Params>| {
            c.get::<i8>("superd")
                .unwrap()
                .windows(2)
                .filter(|w| w[0] != w[1])
                .count()
        };
        let reference_flips = Sweep::new(st, &prices, &grid)
            .outputs(&["superd"])
            .reduce(flips)
            .unwrap();
        let same = |out: SweepOutput<SuperTrend>| {
            assert_eq!(out.superd(), reference.superd());
            assert!(out
                .supert()
                .unwrap()
                .iter()
                .zip(reference.supert().unwrap())
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        };
        let (outer, inner) = (pool(3), pool(2));
        // Sweeps as tasks of an outer pool: on it (the current pool), on another pool, and
        // the reduce path with a reducer that itself sweeps, on the same pool.
        outer.install(|| {
            (0..6).into_par_iter().for_each(|task| match task % 3 {
                0 => same(Sweep::new(st, &prices, &grid).run().unwrap()),
                1 => same(Sweep::new(st, &prices, &grid).pool(&inner).run().unwrap()),
                _ => {
                    let nested = Sweep::new(st, &prices, &grid)
                        .chunk_len(2)
                        .reduce(|c| {
                            let one = [c.key.params];
                            let one = supertrend::pairs(&one).unwrap();
                            let again = Sweep::new(st, &prices, &one).reduce(flips).unwrap();
                            (flips(c), again[c.key.symbol])
                        })
                        .unwrap();
                    assert_eq!(nested.len(), reference_flips.len());
                    assert!(nested
                        .iter()
                        .zip(&reference_flips)
                        .all(|(&(a, b), &r)| a == r && b == r));
                }
            })
        });
        // Inside `ThreadPool::install` directly, and one pool's sweep started inside another.
        same(inner.install(|| Sweep::new(st, &prices, &grid).run().unwrap()));
        same(inner.install(|| Sweep::new(st, &prices, &grid).pool(&outer).run().unwrap()));
        // A panicking callback or `init` inside an outer pool propagates out of `install`, and
        // both pools serve the next sweeps.
        let boom = |_: usize, _: usize| panic!("progress failed");
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            outer.install(|| {
                Sweep::new(st, &prices, &grid)
                    .pool(&inner)
                    .progress(&boom)
                    .run()
            })
        }));
        assert!(caught.is_err());
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            outer.install(|| {
                Sweep::new(st, &prices, &grid)
                    .reduce_init(|| panic!("init failed"), |_: &mut (), c| flips(c))
            })
        }));
        assert!(caught.is_err());
        same(outer.install(|| Sweep::new(st, &prices, &grid).run().unwrap()));
        same(Sweep::new(st, &prices, &grid).pool(&inner).run().unwrap());
    });
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn pair() -> impl Strategy<Value = (usize, f64)> {
        (common::period(), common::multiplier())
    }

    proptest! {
        #![proptest_config(common::proptest_config(48))]

        /// Random pair grids (periods in any order, so groups of equal period are cut anywhere),
        /// random NaN data, any chunk length and thread count: every column is the kernel's.
        #[test]
        fn random_pair_grids_match_the_kernel(
            pairs in prop::collection::vec(pair(), 1..12),
            symbols in 1usize..4,
            bars in 0usize..150,
            seed in any::<u64>(),
            chunk_len in 1usize..40,
            threads in 1usize..4,
            variant in common::variant(),
        ) {
            let mut unique: Vec<(usize, f64)> = Vec::new();
            for p in pairs {
                if !unique.iter().any(|q| q.0 == p.0 && q.1 == p.1) {
                    unique.push(p);
                }
            }
            let grid = supertrend::pairs(&unique).unwrap();
            let data = random_symbols(bars, symbols, seed, 9);
            let pool = pool(threads);
            let out = Sweep::new(SuperTrend::new(variant), &prices(&data), &grid).pool(&pool).chunk_len(chunk_len).run().unwrap();
            assert_matches_variant(&out, &data, variant);
        }
    }
}

mod reduce_path {
    use super::*;

    /// A reducer that copies the column, to compare with the materialised sweep.
    #[derive(Debug, PartialEq)]
    struct Copied {
        key: ColumnKey<Params>,
        supert: Option<Vec<f64>>,
        superd: Option<Vec<i8>>,
        superl: Option<Vec<f64>>,
        supers: Option<Vec<f64>>,
    }

    fn copy(view: ColumnView<'_, Params>) -> Copied {
        Copied {
            key: view.key,
            supert: view.get::<f64>("supert").map(<[f64]>::to_vec),
            superd: view.get::<i8>("superd").map(<[i8]>::to_vec),
            superl: view.get::<f64>("superl").map(<[f64]>::to_vec),
            supers: view.get::<f64>("supers").map(<[f64]>::to_vec),
        }
    }

    #[test]
    fn reduce_sees_exactly_the_materialised_columns_for_any_threads_chunks_and_outputs() {
        let data = random_symbols(333, 2, 71, 20);
        let prices = prices(&data);
        for grid in grids() {
            let full = Sweep::new(SuperTrend::default(), &prices, &grid)
                .run()
                .unwrap();
            for (threads, chunk_len) in [(1, 1), (2, 3), (3, 7), (8, 1000)] {
                let pool = pool(threads);
                let selections: [&[&str]; 3] = [&OUTPUTS, &["superd"], &["supers", "supert"]];
                for names in selections {
                    let copies = Sweep::new(SuperTrend::default(), &prices, &grid)
                        .outputs(names)
                        .pool(&pool)
                        .chunk_len(chunk_len)
                        .reduce(copy)
                        .unwrap();
                    assert_eq!(copies.len(), full.columns.len());
                    for (j, c) in copies.iter().enumerate() {
                        assert_eq!(Some(c.key), full.columns.key(j));
                        let f64_column = |m: Option<&Array2<f64>>| m.unwrap().column(j).to_vec();
                        let contains = |name: &str| names.contains(&name);
                        assert_eq!(c.supert.is_some(), contains("supert"));
                        assert_eq!(c.superd.is_some(), contains("superd"));
                        assert_eq!(c.superl.is_some(), contains("superl"));
                        assert_eq!(c.supers.is_some(), contains("supers"));
                        if let Some(v) = &c.supert {
                            assert_same_bits("reduce supert", &f64_column(full.supert()), v);
                        }
                        if let Some(v) = &c.superl {
                            assert_same_bits("reduce superl", &f64_column(full.superl()), v);
                        }
                        if let Some(v) = &c.supers {
                            assert_same_bits("reduce supers", &f64_column(full.supers()), v);
                        }
                        if let Some(v) = &c.superd {
                            assert_eq!(&full.superd().unwrap().column(j).to_vec(), v);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn reduce_init_gives_each_chunk_one_scratch_and_the_same_values_as_reduce() {
        let data = random_symbols(200, 2, 79, 10);
        let prices = prices(&data);
        let grid = supertrend::grid(&[3, 7, 9], &[1.0, 2.5]).unwrap();
        let last = |c: ColumnView<'_, Params>| c.get::<f64>("supert").unwrap()[199].to_bits();
        let plain = Sweep::new(SuperTrend::default(), &prices, &grid)
            .reduce(last)
            .unwrap();
        let inits = std::sync::atomic::AtomicUsize::new(0);
        let pool = pool(2);
        let with_scratch = Sweep::new(SuperTrend::default(), &prices, &grid)
            .pool(&pool)
            .chunk_len(5)
            .reduce_init(
                || {
                    inits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    0usize
                },
                |seen: &mut usize, c| {
                    *seen += 1;
                    assert!(
                        *seen <= 5,
                        "one scratch serves one chunk of at most 5 columns"
                    );
                    last(c)
                },
            )
            .unwrap();
        assert_eq!(plain, with_scratch);
        assert_eq!(inits.into_inner(), 12usize.div_ceil(5));
    }

    #[test]
    fn reduce_handles_zero_bars_and_zero_symbols() {
        let grid = supertrend::grid(&[2, 3], &[1.0, 2.0]).unwrap();
        let empty = vec![
            Ohlc {
                high: vec![],
                low: vec![],
                close: vec![]
            };
            2
        ];
        let lengths = Sweep::new(SuperTrend::default(), &prices(&empty), &grid)
            .reduce(|c| c.get::<f64>("supert").unwrap().len())
            .unwrap();
        assert_eq!(lengths, vec![0; 8]);
        let none = Prices::from_symbols(std::iter::empty()).unwrap();
        assert!(Sweep::new(SuperTrend::default(), &none, &grid)
            .reduce(|_| ())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_panicking_reducer_propagates_and_the_next_reduce_is_fine() {
        let data = random_symbols(100, 2, 73, 0);
        let grid = supertrend::grid(&[3, 4], &[1.0, 2.0]).unwrap();
        let prices = prices(&data);
        // `Grid` is not `RefUnwindSafe` (its rows are a trait object): asserted, as above.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Sweep::new(SuperTrend::default(), &prices, &grid).reduce(|c| {
                if c.key.params.0 == 4 {
                    panic!("reducer failed")
                } else {
                    0
                }
            })
        }));
        assert!(result.is_err());
        let counts = Sweep::new(SuperTrend::default(), &prices, &grid)
            .reduce(|c| c.get::<i8>("superd").unwrap().len())
            .unwrap();
        assert_eq!(counts, vec![100; 8]);
    }
}
