//! What a backtest asks of a strategy: a signal rule that turns one column's indicator outputs
//! into entries and exits per bar, and the searches the simulation makes over them.

use crate::error::Result;
use crate::factory::{ColumnView, Indicator, OutputSet};
use crate::kernel::cross::{words, WORD};
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

/// Signals as two bitmaps, entries and exits: bar `i` is bit `i % 64` of word `i / 64`. The
/// searches skip 64 bars at a time.
#[derive(Debug, Clone, Copy)]
pub struct SignalBits<'a> {
    entry: &'a [u64],
    exit: &'a [u64],
}

impl<'a> SignalBits<'a> {
    /// The signals of the bitmaps `entry` and `exit`, each at least one bit per bar.
    pub fn new(entry: &'a [u64], exit: &'a [u64]) -> Self {
        SignalBits { entry, exit }
    }

    /// The first bar in `from..end` where `wanted & !other` has a bit, or `end`.
    #[inline]
    fn next(wanted: &[u64], other: &[u64], from: usize, end: usize) -> usize {
        if from >= end {
            return end;
        }
        let mut word = from / WORD;
        let mut mask = !0u64 << (from % WORD);
        while word * WORD < end {
            let bits = wanted[word] & !other[word] & mask;
            if bits != 0 {
                return (word * WORD + bits.trailing_zeros() as usize).min(end);
            }
            word += 1;
            mask = !0;
        }
        end
    }
}

impl Signals for SignalBits<'_> {
    #[inline]
    fn signals(&self, bar: usize) -> (bool, bool) {
        let (word, bit) = (bar / WORD, bar % WORD);
        (
            (self.entry[word] >> bit) & 1 != 0,
            (self.exit[word] >> bit) & 1 != 0,
        )
    }

    #[inline]
    fn next_entry(&self, from: usize, end: usize) -> usize {
        SignalBits::next(self.entry, self.exit, from, end)
    }

    #[inline]
    fn next_exit(&self, from: usize, end: usize) -> usize {
        SignalBits::next(self.exit, self.entry, from, end)
    }
}

/// A worker's memory for signals computed into bitmaps: what a rule's
/// [`Scratch`](SignalRule::Scratch) holds to hand out [`SignalBits`].
#[derive(Debug, Clone, Default)]
pub struct SignalBuffer {
    entry: Vec<u64>,
    exit: Vec<u64>,
}

impl SignalBuffer {
    /// Room for `bars` bars, no signal.
    pub fn new(bars: usize) -> Self {
        SignalBuffer {
            entry: vec![0; words(bars)],
            exit: vec![0; words(bars)],
        }
    }

    /// Sets the signals of `bar`.
    ///
    /// # Panics
    /// If `bar` is beyond the buffer's bars.
    #[inline]
    pub fn set(&mut self, bar: usize, entry: bool, exit: bool) {
        let (word, bit) = (bar / WORD, bar % WORD);
        self.entry[word] = (self.entry[word] & !(1 << bit)) | (u64::from(entry) << bit);
        self.exit[word] = (self.exit[word] & !(1 << bit)) | (u64::from(exit) << bit);
    }

    /// The two bitmaps, to fill word by word.
    pub fn words_mut(&mut self) -> (&mut [u64], &mut [u64]) {
        (&mut self.entry, &mut self.exit)
    }

    /// The signals.
    pub fn signals(&self) -> SignalBits<'_> {
        SignalBits::new(&self.entry, &self.exit)
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
        fn bit_searches_equal_the_default_searches(
            bars in prop::collection::vec(0u8..4, 0..300),
            from in 0usize..310,
            end in 0usize..310,
        ) {
            struct Plain<'a>(&'a [u8]);
            impl Signals for Plain<'_> {
                fn signals(&self, bar: usize) -> (bool, bool) {
                    (self.0[bar] & 1 != 0, self.0[bar] & 2 != 0)
                }
            }
            let mut buffer = SignalBuffer::new(bars.len());
            for (bar, &b) in bars.iter().enumerate() {
                buffer.set(bar, b & 1 != 0, b & 2 != 0);
            }
            let end = end.min(bars.len());
            let from = from.min(end + 3);
            let fast = buffer.signals();
            for bar in 0..bars.len() {
                prop_assert_eq!(fast.signals(bar), Plain(&bars).signals(bar));
            }
            prop_assert_eq!(fast.next_entry(from, end), Plain(&bars).next_entry(from, end));
            prop_assert_eq!(fast.next_exit(from, end), Plain(&bars).next_exit(from, end));
        }
    }
}
