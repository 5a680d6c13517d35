//! Seeded random-walk prices, for runs of any size without data files.

use std::collections::TryReserveError;
use std::str::FromStr;

use super::ohlc::Ohlc;

/// How many symbols of how many bars to generate, written `S:N` (for example `2:17544`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSpec {
    pub symbols: usize,
    pub bars: usize,
}

impl FromStr for SyntheticSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage =
            || format!("`{text}` is not SYMBOLS:BARS with two whole numbers, as in 2:17544");
        let (symbols, bars) = text.split_once(':').ok_or_else(usage)?;
        let symbols: usize = symbols.trim().parse().map_err(|_| usage())?;
        let bars = bars.trim().parse().map_err(|_| usage())?;
        if symbols == 0 {
            return Err("at least one symbol is needed".into());
        }
        Ok(SyntheticSpec { symbols, bars })
    }
}

impl SyntheticSpec {
    /// Every symbol's prices: symbol `i` is [`random_walk`]`(i, bars)`.
    pub fn generate(self) -> Result<Vec<Ohlc>, TryReserveError> {
        (0..self.symbols as u64)
            .map(|symbol| random_walk(symbol, self.bars))
            .collect()
    }
}

/// `bars` daily-like bars of a random walk, the same for the same `seed` on every platform:
/// only IEEE multiplications and divisions are used, never a library function such as `exp`.
///
/// Prices are positive and `high >= max(open, close)`, `low <= min(open, close)`. The close
/// moves by a factor up to 2 % each bar, multiplied or divided with equal probability, so the
/// log price has no drift and stays far from overflow and underflow. A shorter series is a
/// prefix of a longer one with the same seed.
///
/// # Errors
/// If the memory for the series cannot be reserved, rather than aborting the process.
pub fn random_walk(seed: u64, bars: usize) -> Result<Ohlc, TryReserveError> {
    let mut ohlc = Ohlc::default();
    for series in [&mut ohlc.high, &mut ohlc.low, &mut ohlc.close] {
        series.try_reserve_exact(bars)?;
    }
    let mut rng = SplitMix64(seed);
    let mut close = 20.0 + 180.0 * rng.unit();
    for _ in 0..bars {
        let open = close * (1.0 + 0.002 * (2.0 * rng.unit() - 1.0));
        let factor = 1.0 + 0.02 * rng.unit();
        close = if rng.unit() < 0.5 {
            open * factor
        } else {
            open / factor
        };
        // Multiplying a positive value by at least 1 (at most 1) rounds to no less (no more)
        // than it, so the wicks never cross the body.
        ohlc.high.push(open.max(close) * (1.0 + 0.01 * rng.unit()));
        ohlc.low.push(open.min(close) * (1.0 - 0.01 * rng.unit()));
        ohlc.close.push(close);
    }
    Ok(ohlc)
}

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast and well mixed even from seeds 0, 1, 2.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
