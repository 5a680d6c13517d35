//! What the examples report: timed runs with the peak of memory they took, the JSON line, and
//! numbers and lists written for people.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The times of repeated runs, sorted, and the peak of memory they took.
#[derive(Debug, Clone)]
pub struct Runs {
    /// Every run's time, fastest first.
    pub times: Vec<Duration>,
    /// The peak of resident memory during the runs over what was resident before them (Linux
    /// only).
    pub peak_extra_bytes: Option<u64>,
}

/// Runs `run` `repeat` times (at least once) and returns the last result with the times.
/// The previous result is dropped before each run, so repeats need no more memory than one.
pub fn repeat<T, E>(repeat: usize, mut run: impl FnMut() -> Result<T, E>) -> Result<(T, Runs), E> {
    let memory = PeakMemory::start();
    let mut times = Vec::with_capacity(repeat.max(1));
    let mut last = None;
    for _ in 0..repeat.max(1) {
        drop(last.take());
        let start = Instant::now();
        last = Some(run()?);
        times.push(start.elapsed());
    }
    let peak_extra_bytes = memory.and_then(PeakMemory::extra_bytes);
    times.sort();
    let last = last.expect("at least one run");
    Ok((
        last,
        Runs {
            times,
            peak_extra_bytes,
        },
    ))
}

impl Runs {
    pub fn fastest(&self) -> Duration {
        self.times[0]
    }

    /// The median (the mean of the middle two for an even count).
    pub fn median(&self) -> Duration {
        let (sorted, mid) = (&self.times, self.times.len() / 2);
        match sorted.len() % 2 {
            0 => (sorted[mid - 1] + sorted[mid]) / 2,
            _ => sorted[mid],
        }
    }

    /// `12.345 ms`, or `12.345 ms fastest, 13.000 ms median of 5 runs`.
    pub fn describe(&self) -> String {
        match self.times.len() {
            1 => format!("{:.3} ms", ms(self.fastest())),
            n => format!(
                "{:.3} ms fastest, {:.3} ms median of {n} runs",
                ms(self.fastest()),
                ms(self.median())
            ),
        }
    }

    /// The JSON line's common fields: `bars`, `symbols`, `columns`, `threads`, `runs`,
    /// `ms_min`, `ms_median`.
    pub fn json(&self, bars: usize, symbols: usize, columns: usize, threads: usize) -> Value {
        json!({
            "bars": bars,
            "symbols": symbols,
            "columns": columns,
            "threads": threads,
            "runs": self.times.len(),
            "ms_min": ms(self.fastest()),
            "ms_median": ms(self.median()),
        })
    }

    /// [`json`](Runs::json) with `peak_extra_bytes` where it was measured.
    pub fn json_with_peak(
        &self,
        bars: usize,
        symbols: usize,
        columns: usize,
        threads: usize,
    ) -> Value {
        let mut line = self.json(bars, symbols, columns, threads);
        if let Some(bytes) = self.peak_extra_bytes {
            line["peak_extra_bytes"] = json!(bytes);
        }
        line
    }
}

/// The peak of resident memory during the runs, over what was resident before them, from
/// Linux's `/proc/self` (page-granular; resetting the peak needs Linux 4.0).
struct PeakMemory {
    before: u64,
}

impl PeakMemory {
    fn start() -> Option<Self> {
        std::fs::write("/proc/self/clear_refs", "5").ok()?;
        Some(PeakMemory {
            before: status_bytes("VmRSS")?,
        })
    }

    fn extra_bytes(self) -> Option<u64> {
        Some(status_bytes("VmHWM")?.saturating_sub(self.before))
    }
}

/// A `kB` field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Milliseconds, as the double nearest to the exact decimal (`as_secs_f64() * 1e3` is not).
pub fn ms(duration: Duration) -> f64 {
    duration.as_nanos() as f64 / 1e6
}

/// Bytes in GiB.
pub fn gib(bytes: u128) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

/// A list short enough for one line: `4, 5, ..., 19`.
pub fn abridged<T: ToString>(values: &[T]) -> String {
    let text: Vec<String> = match values {
        [first, second, .., last] if values.len() > 4 => {
            vec![
                first.to_string(),
                second.to_string(),
                "...".into(),
                last.to_string(),
            ]
        }
        _ => values.iter().map(T::to_string).collect(),
    };
    text.join(", ")
}

/// `3 periods`, `1 period`, `3,270 bars`.
pub fn counted(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", thousands(n))
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: impl ToString) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}
