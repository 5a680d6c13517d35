//! Where the entry and exit signals come from: whether each bar's long and short bands are
//! values, read from the sweep's outputs, and the search for the next bar whose signals
//! call for an order.

/// The SuperTrend facts the pipeline reads: whether a bar's long band and short band are
/// values (not NaN). A bar's entry signal is the previous bar's long band, its exit signal the
/// previous bar's short band.
pub(crate) trait Bands {
    /// `superl[bar]` is not NaN.
    fn long(&self, bar: usize) -> bool;
    /// `supers[bar]` is not NaN.
    fn short(&self, bar: usize) -> bool;

    /// The first bar in `from..end` whose previous bar's long band is a value and short band
    /// is not (a buy attempt when flat), or `end`.
    #[inline]
    fn next_buy(&self, from: usize, end: usize) -> usize {
        (from.max(1)..end)
            .find(|&bar| self.long(bar - 1) && !self.short(bar - 1))
            .unwrap_or(end)
    }

    /// The first bar in `from..end` whose previous bar's short band is a value and long band
    /// is not (a sell attempt when holding), or `end`.
    #[inline]
    fn next_sell(&self, from: usize, end: usize) -> usize {
        (from.max(1)..end)
            .find(|&bar| self.short(bar - 1) && !self.long(bar - 1))
            .unwrap_or(end)
    }

    /// A bar before which no bar has a signal (the bands' warm-up), at most `bars`.
    #[inline]
    fn first_signal(&self, bars: usize) -> usize {
        bars.min(1)
    }

    /// The entry and exit signals of `bar` (both false at bar 0).
    #[inline]
    fn signals(&self, bar: usize) -> (bool, bool) {
        match bar.checked_sub(1) {
            Some(previous) => (self.long(previous), self.short(previous)),
            None => (false, false),
        }
    }
}

/// The bands as the `superl` and `supers` series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LongShort<'a> {
    pub(crate) superl: &'a [f64],
    pub(crate) supers: &'a [f64],
}

impl Bands for LongShort<'_> {
    #[inline]
    fn long(&self, bar: usize) -> bool {
        !self.superl[bar].is_nan()
    }

    #[inline]
    fn short(&self, bar: usize) -> bool {
        !self.supers[bar].is_nan()
    }
}

/// The bands from the line and the direction: `superl` is the line where the direction is up,
/// `supers` where it is down (SEMANTICS.md), so this reads 9 bytes a bar instead of 16.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineDirection<'a> {
    pub(crate) supert: &'a [f64],
    pub(crate) superd: &'a [i8],
}

/// The first bar in `from..end` whose previous bar has direction `direction` and bands
/// (`has_bands`), or `end`. The directions are scanned eight bytes at a time; the bands are
/// looked at only where the direction matches: runs between flips are long.
#[inline]
fn next_after(
    superd: &[i8],
    has_bands: impl Fn(usize) -> bool,
    direction: i8,
    from: usize,
    end: usize,
) -> usize {
    let mut previous = from.max(1) - 1;
    let last = end.saturating_sub(1);
    while previous < last {
        previous += first_equal(&superd[previous..last], direction);
        if previous == last {
            return end;
        }
        if has_bands(previous) {
            return previous + 1;
        }
        previous += 1;
    }
    end
}

/// The index of the first byte of `bytes` equal to `value`, or `bytes.len()`.
///
/// Eight bytes at a time as one `u64` (SWAR): the loop exits once, on the word that holds the
/// byte, whose index is then a count of trailing zeros; runs between flips are long, and a
/// loop per byte would mispredict its exit once more per search.
#[inline]
fn first_equal(bytes: &[i8], value: i8) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let pattern = ONES * u64::from(value as u8);
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let word = u64::from_le_bytes(std::array::from_fn(|k| word[k] as u8));
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

impl Bands for LineDirection<'_> {
    #[inline]
    fn long(&self, bar: usize) -> bool {
        self.superd[bar] > 0 && !self.supert[bar].is_nan()
    }

    #[inline]
    fn short(&self, bar: usize) -> bool {
        self.superd[bar] < 0 && !self.supert[bar].is_nan()
    }

    #[inline]
    fn first_signal(&self, bars: usize) -> usize {
        // The first line value is the first band, long or short.
        match self.supert[..bars].iter().position(|x| !x.is_nan()) {
            Some(bar) => bar + 1,
            None => bars,
        }
    }

    // A direction is +1 or -1, so a bar is never both long and short here.
    #[inline]
    fn next_buy(&self, from: usize, end: usize) -> usize {
        next_after(self.superd, |b| !self.supert[b].is_nan(), 1, from, end)
    }

    #[inline]
    fn next_sell(&self, from: usize, end: usize) -> usize {
        next_after(self.superd, |b| !self.supert[b].is_nan(), -1, from, end)
    }
}

/// The bands from the direction and where the default SuperTrend has bands
/// ([`BandGaps`](super::band_gaps::BandGaps)): the long band is a value where the direction
/// is up and the bar has bands, the short band where it is down. Reads 1 byte a bar.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DirectionGaps<'a> {
    pub(crate) superd: &'a [i8],
    /// The first bar with an ATR.
    pub(crate) first_atr: usize,
    /// Bars without a midpoint, if any.
    pub(crate) missing_mid: Option<&'a [bool]>,
}

impl DirectionGaps<'_> {
    #[inline]
    fn has_bands(&self, bar: usize) -> bool {
        bar >= self.first_atr && !self.missing_mid.is_some_and(|missing| missing[bar])
    }
}

impl Bands for DirectionGaps<'_> {
    #[inline]
    fn long(&self, bar: usize) -> bool {
        self.superd[bar] > 0 && self.has_bands(bar)
    }

    #[inline]
    fn short(&self, bar: usize) -> bool {
        self.superd[bar] < 0 && self.has_bands(bar)
    }

    #[inline]
    fn first_signal(&self, bars: usize) -> usize {
        match (self.first_atr..bars).find(|&bar| self.has_bands(bar)) {
            Some(bar) => bar + 1,
            None => bars,
        }
    }

    #[inline]
    fn next_buy(&self, from: usize, end: usize) -> usize {
        next_after(self.superd, |b| self.has_bands(b), 1, from, end)
    }

    #[inline]
    fn next_sell(&self, from: usize, end: usize) -> usize {
        next_after(self.superd, |b| self.has_bands(b), -1, from, end)
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
        }
    }
}
