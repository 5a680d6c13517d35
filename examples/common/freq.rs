//! Bar intervals as written on a command line, pandas style: `1h`, `1D`, `15min`, `30s`, `1W`.
//!
//! Only fixed lengths: months and years have none, so `1M` or `1Y` are errors rather than a
//! guess.

use std::time::Duration;

/// An interval: an optional whole number (default 1) and a unit: `s` (seconds), `min` or `T`
/// (minutes), `h` or `H` (hours), `D` or `d` (days), `W` or `w` (weeks).
pub fn parse_freq(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (count, unit) = text.split_at(digits);
    let count: u64 = if count.is_empty() {
        1
    } else {
        count
            .parse()
            .map_err(|_| format!("`{text}`: the number of units is too large"))?
    };
    let seconds: u64 = match unit {
        "s" | "S" => 1,
        "min" | "T" => 60,
        "h" | "H" => 3600,
        "d" | "D" => 86_400,
        "w" | "W" => 7 * 86_400,
        "" => return Err(format!("`{text}` has no unit: write for example 1h or 1D")),
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}`; use s, min, h, D or W (months and years have \
                 no fixed length)"
            ))
        }
    };
    let total = count
        .checked_mul(seconds)
        .ok_or_else(|| format!("`{text}` is too long an interval"))?;
    if total == 0 {
        return Err(format!("`{text}` is an empty interval"));
    }
    Ok(Duration::from_secs(total))
}
