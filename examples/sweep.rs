//! SuperTrend on the bundled daily MSFT and IBM prices.
//!
//! `cargo run --release --example sweep`

use std::error::Error;
use std::path::Path;

use ta_sweep::{supertrend, SuperTrendParams};

type Columns = (Vec<f64>, Vec<f64>, Vec<f64>);

/// Reads the `high`, `low` and `close` columns of a bundled CSV file.
fn read_ohlc(path: &Path) -> Result<Columns, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let index = |name: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("{}: no `{name}` column", path.display()))
    };
    let (h, l, c) = (index("high")?, index("low")?, index("close")?);
    let (mut high, mut low, mut close) = (Vec::new(), Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record?;
        high.push(record[h].parse()?);
        low.push(record[l].parse()?);
        close.push(record[c].parse()?);
    }
    Ok((high, low, close))
}

fn main() -> Result<(), Box<dyn Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let params = SuperTrendParams::new(10, 3.0)?;
    for symbol in ["MSFT", "IBM"] {
        let (high, low, close) = read_ohlc(&data.join(format!("{symbol}_bokeh.csv")))?;
        let st = supertrend(&high, &low, &close, params)?;
        let flips = st.superd.windows(2).filter(|w| w[0] != w[1]).count();
        let last = close.len() - 1;
        println!(
            "{symbol}: {} bars, SuperTrend(10, 3): {flips} direction changes, last close {} with line {:.2} ({})",
            close.len(),
            close[last],
            st.supert[last],
            if st.superd[last] > 0 { "up" } else { "down" }
        );
    }
    Ok(())
}
