//! Seeded synthetic prices for the benches, so they need no data files.
#![allow(dead_code)] // each bench uses a part

/// Two years of hourly bars: the tutorial workload's length.
pub const TUTORIAL_BARS: usize = 17_544;

/// High, low and close of one symbol.
pub struct Series {
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
}

/// A seeded random walk (xorshift64) with realistic bar ranges.
pub fn random_walk(bars: usize, seed: u64) -> Series {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut series = Series {
        high: Vec::with_capacity(bars),
        low: Vec::with_capacity(bars),
        close: Vec::with_capacity(bars),
    };
    let mut price = 100.0;
    for _ in 0..bars {
        let open = price;
        price *= 1.0 + 0.01 * (next() - 0.5);
        series.high.push(open.max(price) * (1.0 + 0.003 * next()));
        series.low.push(open.min(price) * (1.0 - 0.003 * next()));
        series.close.push(price);
    }
    series
}
