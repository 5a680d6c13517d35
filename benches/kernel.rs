//! One series of 17,544 bars (two years of hourly bars): the batch kernel against the plain
//! scalar loop it must equal (the reference `SuperTrendState::update`, bar by bar), the sweep
//! path for one column, and one streaming update.
//!
//! `cargo bench --bench kernel`

mod common;

use std::hint::black_box;

use common::{random_walk, TUTORIAL_BARS};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ta_sweep::{
    output_matrix, supertrend, supertrend_into, Prices, SuperTrend, SuperTrendParams,
    SuperTrendSlices, SuperTrendState, Sweep, SweepBuffers,
};

fn one_column(c: &mut Criterion) {
    let data = random_walk(TUTORIAL_BARS, 42);
    let params = SuperTrendParams::new(10, 3.0).unwrap();
    let mut group = c.benchmark_group("one_column");
    group.throughput(Throughput::Elements(TUTORIAL_BARS as u64));

    // The baseline: the scalar reference, one `update` per bar, into the same slices.
    let (mut t, mut d, mut l, mut s) = (
        vec![0.0; TUTORIAL_BARS],
        vec![0i8; TUTORIAL_BARS],
        vec![0.0; TUTORIAL_BARS],
        vec![0.0; TUTORIAL_BARS],
    );
    group.bench_function("scalar_reference", |b| {
        b.iter(|| {
            let mut state = SuperTrendState::new(params);
            for i in 0..TUTORIAL_BARS {
                let bar = state.update(black_box(data.high[i]), data.low[i], data.close[i]);
                (t[i], d[i], l[i], s[i]) = (bar.supert, bar.superd, bar.superl, bar.supers);
            }
            state
        })
    });
    group.bench_function("supertrend_into", |b| {
        b.iter(|| {
            let out = SuperTrendSlices {
                supert: &mut t,
                superd: &mut d,
                superl: &mut l,
                supers: &mut s,
            };
            supertrend_into(black_box(&data.high), &data.low, &data.close, params, out).unwrap()
        })
    });
    // The factory on a one-column grid, into a reused buffer: the lanes path.
    let prices = Prices::single(&data.high, &data.low, &data.close).unwrap();
    let grid = supertrend::pairs(&[(10, 3.0)]).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut buffers = [(); 3].map(|_| output_matrix::<f64>(TUTORIAL_BARS, 1));
    let mut directions = output_matrix::<i8>(TUTORIAL_BARS, 1);
    group.bench_function("sweep_of_one/reused", |b| {
        b.iter(|| {
            let [t, l, s] = &mut buffers;
            let out = SweepBuffers::new()
                .with("supert", t)
                .with("superd", &mut directions)
                .with("superl", l)
                .with("supers", s);
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&pool)
                .run_into(out)
                .unwrap()
        })
    });
    group.finish();

    let warm = {
        let mut state = SuperTrendState::new(params);
        for i in 0..TUTORIAL_BARS {
            state.update(data.high[i], data.low[i], data.close[i]);
        }
        state
    };
    c.bench_function("streaming/update", |b| {
        b.iter_batched(
            || warm,
            |mut state| state.update(black_box(101.0), black_box(99.0), black_box(100.5)),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, one_column);
criterion_main!(benches);
