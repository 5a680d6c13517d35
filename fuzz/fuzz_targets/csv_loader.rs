//! Arbitrary bytes through the `sweep` example's CSV loader, whole and in pieces: it returns
//! prices or an error naming the file and a line of the input, the same either way, and never
//! panics or quotes megabytes back.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;

// The example uses more of the module than the fuzzer.
#[allow(dead_code)]
#[path = "../../examples/common/ohlc.rs"]
mod ohlc;

/// Hands out at most `piece` bytes per read, as a pipe or a socket may.
struct Pieces<'a> {
    data: &'a [u8],
    piece: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.data.len().min(self.piece).min(buf.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fuzz_target!(|data: &[u8]| {
    let whole = ohlc::read_ohlc_from(data, "fuzz.csv");
    let piece = data.last().map_or(1, |&b| 1 + usize::from(b % 7));
    let pieces = ohlc::read_ohlc_from(Pieces { data, piece }, "fuzz.csv");
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    match (whole, pieces) {
        (Ok(a), Ok(b)) => {
            assert!(a.high.len() == a.bars() && a.low.len() == a.bars());
            assert!(a.bars() as u64 <= lines);
            assert!(same_bits(&a.high, &b.high) && same_bits(&a.low, &b.low));
            assert!(same_bits(&a.close, &b.close));
        }
        (Err(a), Err(b)) => {
            let message = a.to_string();
            assert_eq!(
                message,
                b.to_string(),
                "the same error however the bytes arrive"
            );
            let line = a.line.expect("an in-memory reader always has a line");
            assert!(
                (1..=lines).contains(&line),
                "line {line} of {lines}: {message}"
            );
            assert!(
                message.starts_with(&format!("fuzz.csv:{line}: ")),
                "{message}"
            );
            assert!(
                message.len() < 300,
                "{} bytes: {}",
                message.len(),
                &message[..300]
            );
        }
        (a, b) => panic!("whole: {a:?}, in pieces: {b:?}"),
    }
});
