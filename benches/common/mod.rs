//! Seeded synthetic prices for the benches, the bundled daily closes, and the materialising
//! baseline the fused backtest benches compare with.
#![allow(dead_code)] // each bench uses a part

pub mod materialising;

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

/// The closes of a bundled daily file, `examples/data/<name>.csv` (`MSFT_bokeh`, `IBM_bokeh`).
pub fn bundled_close(name: &str) -> Vec<f64> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(format!("{name}.csv"));
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let index = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h.eq_ignore_ascii_case("close"))
        .unwrap_or_else(|| panic!("{path:?}: no close column"));
    reader
        .records()
        .map(|record| {
            let record = record.unwrap_or_else(|e| panic!("{path:?}: {e}"));
            record[index]
                .parse()
                .unwrap_or_else(|e| panic!("{path:?}: {e}"))
        })
        .collect()
}
