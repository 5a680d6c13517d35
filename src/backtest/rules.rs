//! What a backtest asks of a strategy: a signal rule that turns one column's indicator outputs
//! into entries and exits per bar, and the searches the simulation makes over them.

use crate::error::Result;
use crate::factory::{ColumnView, Indicator, OutputSet};
use crate::kernel::cross::first_masked;
use crate::prices::Prices;

/// The entry and exit signals of one column, as the simulation reads them.
///
/// `signals(bar)` is the pair (entry, exit) of `bar`. The searches have default forms that
/// step through [`signals`](Signals::signals); a rule whose signals are sparse overrides them
/// with a faster scan.
pub trait Signals {
    /// The (entry, exit) signals of `bar`.
    fn signals(&self, bar: usize) -> (bool, bool);

    /// The first bar in `from..end` with an entry and no exit (a buy attempt when flat), or
    /// `end`.
    fn next_entry(&self, from: usize, end: usize) -> usize {
        (from..end)
            .find(|&bar| self.signals(bar) == (true, false))
            .unwrap_or(end)
    }

    /// The first bar in `from..end` with an exit and no entry (a sell attempt when holding),
    /// or `end`.
    fn next_exit(&self, from: usize, end: usize) -> usize {
        (from..end)
            .find(|&bar| self.signals(bar) == (false, true))
            .unwrap_or(end)
    }

    /// A bar before which no bar has a signal, at most `bars` (default: 0).
    fn first_signal(&self, bars: usize) -> usize {
        let _ = bars;
        0
    }
}

/// How a strategy's signals come from an indicator's outputs, one column at a time.
///
/// Before any column runs, [`plan`](SignalRule::plan) resolves the outputs the rule reads
/// against the indicator's schema (typed errors for a name it lacks or a wrong type) and
/// computes what the rule needs from the prices; the sweep then computes only those outputs,
/// and each worker hands every column's outputs to [`signals`](SignalRule::signals).
pub trait SignalRule<I: Indicator>: Sync {
    /// What the rule resolved before the columns run.
    type Plan: Sync;
    /// A worker's reusable memory (for signals computed into a buffer).
    type Scratch: Send;

    /// Resolves the rule against `indicator` and `prices`: its plan, and the outputs to
    /// compute.
    ///
    /// # Errors
    /// [`Error::UnknownOutput`](crate::Error::UnknownOutput) or
    /// [`Error::OutputType`](crate::Error::OutputType) for an output the indicator does not
    /// have as the rule needs it, or the rule's own errors.
    fn plan(&self, indicator: &I, prices: &Prices<'_>) -> Result<(Self::Plan, OutputSet)>;

    /// A worker's scratch for series of `bars` bars.
    fn scratch(&self, bars: usize) -> Self::Scratch;

    /// The signals of one column, from its outputs.
    fn signals<'a>(
        &'a self,
        plan: &'a Self::Plan,
        column: ColumnView<'a, I::Params>,
        scratch: &'a mut Self::Scratch,
    ) -> impl Signals + 'a;
}

/// What a backtest runs: an indicator and the rule that turns its outputs into signals.
///
/// Implemented by [`SuperTrend`](crate::SuperTrend) (its own rule, the default pipeline), by
/// [`MaCrossover`](crate::backtest::MaCrossover), and by any `(indicator, rule)` pair.
pub trait Strategy: Sync {
    /// The indicator swept.
    type Indicator: Indicator;
    /// The rule applied to its outputs.
    type Rule: SignalRule<Self::Indicator>;

    /// The indicator.
    fn indicator(&self) -> &Self::Indicator;

    /// The rule.
    fn rule(&self) -> &Self::Rule;
}

impl<I: Indicator, R: SignalRule<I>> Strategy for (I, R) {
    type Indicator = I;
    type Rule = R;

    fn indicator(&self) -> &I {
        &self.0
    }

    fn rule(&self) -> &R {
        &self.1
    }
}

/// The bit of an entry in a [`SignalBytes`] byte.
pub const ENTRY: u8 = crate::kernel::cross::ABOVE;
/// The bit of an exit in a [`SignalBytes`] byte.
pub const EXIT: u8 = crate::kernel::cross::BELOW;

/// Signals computed into one byte per bar: [`ENTRY`] and [`EXIT`] bits, every other bit
/// ignored. The searches scan eight bytes at a time.
#[derive(Debug, Clone, Copy)]
pub struct SignalBytes<'a> {
    bytes: &'a [u8],
}

impl<'a> SignalBytes<'a> {
    /// The signals `bytes`, one byte per bar.
    pub fn new(bytes: &'a [u8]) -> Self {
        SignalBytes { bytes }
    }
}

impl Signals for SignalBytes<'_> {
    #[inline]
    fn signals(&self, bar: usize) -> (bool, bool) {
        let byte = self.bytes[bar];
        (byte & ENTRY != 0, byte & EXIT != 0)
    }

    #[inline]
    fn next_entry(&self, from: usize, end: usize) -> usize {
        let from = from.min(end);
        from + first_masked(&self.bytes[from..end], ENTRY | EXIT, ENTRY)
    }

    #[inline]
    fn next_exit(&self, from: usize, end: usize) -> usize {
        let from = from.min(end);
        from + first_masked(&self.bytes[from..end], ENTRY | EXIT, EXIT)
    }
}

/// The index of the first byte of `bytes` equal to `value`, or `bytes.len()`.
///
/// Eight bytes at a time as one `u64` (SWAR): the loop exits once, on the word that holds the
/// byte, whose index is then a count of trailing zeros; runs between signals are long, and a
/// loop per byte would mispredict its exit once more per search.
#[inline]
pub(crate) fn first_equal<B: Byte>(bytes: &[B], value: B) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let pattern = ONES * u64::from(value.bits());
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let word = u64::from_le_bytes(std::array::from_fn(|k| word[k].bits()));
        // Zero bytes where the byte equals `value`; the lowest flagged byte is the first such
        // (the trick can flag a byte above a zero one, never below).
        let x = word ^ pattern;
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return offset + (zeros.trailing_zeros() / 8) as usize;
        }
        offset += 8;
    }
    offset
        + words
            .remainder()
            .iter()
            .position(|&b| b == value)
            .unwrap_or(bytes.len() - offset)
}

/// A one-byte value the searches scan: signal bytes and SuperTrend's directions.
pub(crate) trait Byte: Copy + PartialEq {
    fn bits(self) -> u8;
}

impl Byte for u8 {
    #[inline]
    fn bits(self) -> u8 {
        self
    }
}

impl Byte for i8 {
    #[inline]
    fn bits(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn first_equal_finds_the_first_byte(
            bytes in prop::collection::vec(prop_oneof![Just(1i8), Just(-1i8), any::<i8>()], 0..80),
            value in prop_oneof![Just(1i8), Just(-1i8), any::<i8>()],
        ) {
            let expected = bytes.iter().position(|&b| b == value).unwrap_or(bytes.len());
            prop_assert_eq!(first_equal(&bytes, value), expected);
            let unsigned: Vec<u8> = bytes.iter().map(|&b| b as u8).collect();
            prop_assert_eq!(first_equal(&unsigned, value as u8), expected);
        }

        #[test]
        fn byte_searches_equal_the_default_searches(
            bytes in prop::collection::vec(any::<u8>(), 0..100),
            from in 0usize..110,
            end in 0usize..110,
        ) {
            struct Plain<'a>(&'a [u8]);
            impl Signals for Plain<'_> {
                fn signals(&self, bar: usize) -> (bool, bool) {
                    (self.0[bar] & ENTRY != 0, self.0[bar] & EXIT != 0)
                }
            }
            let end = end.min(bytes.len());
            let from = from.min(end);
            let fast = SignalBytes::new(&bytes);
            prop_assert_eq!(fast.next_entry(from, end), Plain(&bytes).next_entry(from, end));
            prop_assert_eq!(fast.next_exit(from, end), Plain(&bytes).next_exit(from, end));
        }
    }
}
