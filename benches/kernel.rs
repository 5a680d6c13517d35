//! One series: the batch kernel per bar, and one streaming update.
//!
//! Run with `cargo bench --bench kernel`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use ta_sweep::{supertrend_into, SuperTrendParams, SuperTrendSlices, SuperTrendState};

/// Two years of hourly bars, as in the tutorial workload.
const BARS: usize = 17_544;

/// A seeded random walk (xorshift), so the bench needs no data files.
fn random_walk(bars: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut high, mut low, mut close) = (Vec::new(), Vec::new(), Vec::new());
    let mut price = 100.0;
    for _ in 0..bars {
        let open = price;
        price *= 1.0 + 0.02 * (next() - 0.5);
        high.push(open.max(price) * (1.0 + 0.005 * next()));
        low.push(open.min(price) * (1.0 - 0.005 * next()));
        close.push(price);
    }
    (high, low, close)
}

fn kernel(c: &mut Criterion) {
    let (high, low, close) = random_walk(BARS, 42);
    let params = SuperTrendParams::new(10, 3.0).unwrap();
    let mut group = c.benchmark_group("kernel");
    group.throughput(Throughput::Elements(BARS as u64));
    let (mut t, mut d, mut l, mut s) = (
        vec![0.0; BARS],
        vec![0i8; BARS],
        vec![0.0; BARS],
        vec![0.0; BARS],
    );
    group.bench_function("supertrend_into/17544", |b| {
        b.iter(|| {
            let out = SuperTrendSlices {
                supert: &mut t,
                superd: &mut d,
                superl: &mut l,
                supers: &mut s,
            };
            supertrend_into(black_box(&high), &low, &close, params, out).unwrap()
        })
    });
    group.finish();

    let warm = {
        let mut state = SuperTrendState::new(params);
        for i in 0..BARS {
            state.update(high[i], low[i], close[i]);
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

criterion_group!(benches, kernel);
criterion_main!(benches);
