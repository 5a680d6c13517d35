//! The crate's one error type.

use std::fmt;

use crate::schema::Dtype;

/// A specialised `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling into `ta_sweep`.
///
/// Every variant carries the offending values, so a message can say exactly what was wrong.
/// Errors are detected before any computation starts: a function that returns `Err` has not
/// written to any output.
///
/// NaN in price data is *not* an error: it is valid input with the semantics described in the
/// [crate documentation](crate#nan-and-warm-up).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The ATR period was 0. Every period must be at least 1.
    InvalidPeriod {
        /// The period that was passed.
        period: usize,
    },
    /// The band multiplier was NaN, infinite or negative. It must be finite and `>= 0`.
    InvalidMultiplier {
        /// The multiplier that was passed.
        multiplier: f64,
    },
    /// `high`, `low` and `close` do not have the same length.
    LengthMismatch {
        /// Length of the `high` input.
        high: usize,
        /// Length of the `low` input.
        low: usize,
        /// Length of the `close` input.
        close: usize,
    },
    /// An output slice passed to an `_into` function does not have the input's length.
    OutputLength {
        /// Which output was wrong: `"supert"`, `"superd"`, `"superl"`, `"supers"`,
        /// `"true_range"` or `"atr"`.
        output: &'static str,
        /// The length it must have (the number of bars).
        expected: usize,
        /// The length it had.
        actual: usize,
    },
    /// A parameter grid with no combination: an axis without values, no tuple, or a filter
    /// that kept nothing.
    EmptyGrid,
    /// A combination appears twice in a grid, so two columns would have the same key. For a
    /// product or combinations grid, a value was listed twice on one axis.
    DuplicateParams {
        /// The repeated combination's label, such as `p7_m3` or `fast5_slow20`.
        params: String,
    },
    /// A combinations grid of `r` axes over fewer than `r` values, which has no combination.
    TooFewValues {
        /// The number of values given.
        values: usize,
        /// The number of values each combination takes.
        needed: usize,
    },
    /// A grid was given a different number of axis names than its rows have values.
    AxisNames {
        /// The number of values per row.
        expected: usize,
        /// The number of names given.
        actual: usize,
    },
    /// A grid row has more values than a grid can hold.
    TooManyAxes {
        /// The number of values per row.
        axes: usize,
        /// The most a grid holds.
        max: usize,
    },
    /// A moving-average window of 0. Every window must be at least 1.
    InvalidWindow {
        /// The window that was passed.
        window: usize,
    },
    /// An indicator rejected a combination of parameters (the check of a user's indicator).
    InvalidParams {
        /// The combination's label.
        params: String,
        /// Why it was rejected.
        reason: String,
    },
    /// An output name that the indicator does not have.
    UnknownOutput {
        /// The name that was given.
        name: String,
        /// The indicator's outputs, comma-separated.
        available: String,
    },
    /// An output used as another element type than the indicator's schema gives it.
    OutputType {
        /// The output.
        name: String,
        /// The type it was used as.
        expected: Dtype,
        /// Its type in the schema.
        actual: Dtype,
    },
    /// An indicator declares more outputs than a sweep can hold.
    TooManyOutputs {
        /// The number of outputs declared.
        outputs: usize,
        /// The most a sweep holds.
        max: usize,
    },
    /// An output selected, or given a buffer, twice.
    DuplicateOutput {
        /// The output.
        name: String,
    },
    /// The indicator needs a price series that the input does not have (prices built from
    /// closes alone have no high and low).
    MissingPrices {
        /// The missing series: `"high"` or `"low"`.
        input: &'static str,
    },
    /// The high, low and close arrays of a multi-symbol input do not have the same
    /// (bars, symbols) shape.
    PriceShape {
        /// Shape of the `high` array.
        high: (usize, usize),
        /// Shape of the `low` array.
        low: (usize, usize),
        /// Shape of the `close` array.
        close: (usize, usize),
    },
    /// A symbol's series do not all have the length of the first symbol (every symbol of a
    /// sweep must cover the same bars), or its own high, low and close differ in length.
    SymbolLength {
        /// The symbol's index.
        symbol: usize,
        /// Length of its `high` series.
        high: usize,
        /// Length of its `low` series.
        low: usize,
        /// Length of its `close` series.
        close: usize,
        /// The length every series must have: that of symbol 0's `high`.
        expected: usize,
    },
    /// A streaming update got a different number of symbols than the sweep has.
    SymbolCount {
        /// The sweep's number of symbols.
        expected: usize,
        /// The number of values passed.
        actual: usize,
    },
    /// Combinations times symbols does not fit in `usize`.
    TooManyColumns {
        /// The number of parameter combinations.
        combinations: usize,
        /// The number of symbols.
        symbols: usize,
    },
    /// The outputs of a sweep (with its per-column bookkeeping and states), or the values of
    /// a reduction or a backtest, would exceed the memory limit. Nothing has been allocated.
    ///
    /// Select fewer outputs, sweep fewer columns or bars at a time, reduce each column to a
    /// value instead of materialising it, or raise the limit if the machine has the memory.
    OutputTooLarge {
        /// The bytes the sweep would allocate (saturated at `u128::MAX`).
        bytes: u128,
        /// The limit in force, in bytes.
        limit: u128,
    },
    /// A caller-provided output array does not have the shape (bars, columns).
    OutputShape {
        /// Which output.
        output: String,
        /// The shape it must have: (bars, columns).
        expected: (usize, usize),
        /// The shape it had.
        actual: (usize, usize),
    },
    /// A caller-provided output array is not column-major (Fortran order) and contiguous, so
    /// its columns are not slices that workers can fill independently.
    OutputLayout {
        /// Which output.
        output: String,
        /// The array's strides, in elements.
        strides: (isize, isize),
    },
    /// A chunk length of 0 columns was requested.
    InvalidChunkLen {
        /// The requested chunk length.
        chunk_len: usize,
    },
    /// A column range that is not within the sweep's columns, or ends before it starts.
    InvalidColumnRange {
        /// The first column of the range.
        start: usize,
        /// One past its last column.
        end: usize,
        /// The sweep's columns: grid rows times symbols.
        columns: usize,
    },
    /// A shard that is not one of `count` (`index >= count`, or `count == 0`).
    InvalidShard {
        /// The shard asked for, from 0.
        index: usize,
        /// The number of shards.
        count: usize,
    },
    /// A computation that needs every column of each symbol was asked for a column range.
    ColumnRangeUnsupported {
        /// The computation: `rolling windows` or `validation`.
        what: &'static str,
    },
    /// A name that is not one of [`Variant`](crate::Variant)'s: `vectorbt`, `tradingview`,
    /// `talib`.
    UnknownVariant {
        /// The name that was given.
        name: String,
    },
    /// Backtest fees that are not finite or not in `[0, 1)`.
    InvalidFees {
        /// The fees that were passed.
        fees: f64,
    },
    /// A backtest's initial cash that is not finite and `> 0`.
    InvalidInitCash {
        /// The initial cash that was passed.
        init_cash: f64,
    },
    /// An annualisation factor (bars per year) that is not finite and `> 0`.
    InvalidAnnualisation {
        /// The factor that was passed.
        annualisation: f64,
    },
    /// A bar interval of zero, which has no annualisation factor.
    InvalidBarInterval {
        /// The interval that was passed.
        interval: std::time::Duration,
    },
    /// A close price that a backtest cannot trade at: zero, negative or infinite (NaN is valid,
    /// a missing bar). The reference simulator rejects such prices too.
    InvalidClose {
        /// The symbol's index.
        symbol: usize,
        /// The bar.
        bar: usize,
        /// The offending close.
        close: f64,
    },
    /// A rolling window length of 0, or longer than the data.
    InvalidWindowLen {
        /// The requested window length, in bars.
        window_len: usize,
        /// The number of bars of the data.
        bars: usize,
    },
    /// A rolling window step of 0 bars.
    InvalidWindowStep {
        /// The requested step.
        step: usize,
    },
    /// A moving-average kind name that is neither `simple` nor `exponential`.
    UnknownMaKind {
        /// The name that was given.
        name: String,
    },
    /// A signal threshold that is NaN.
    InvalidLevel {
        /// The level that was passed.
        level: f64,
    },
    /// A number of CSCV blocks that is zero, odd, or above
    /// [`MAX_BLOCKS`](crate::validation::MAX_BLOCKS).
    InvalidBlocks {
        /// The requested number of blocks.
        blocks: usize,
        /// The most blocks allowed, [`MAX_BLOCKS`](crate::validation::MAX_BLOCKS).
        max: usize,
    },
    /// More CSCV blocks than bars: a block holds at least one bar.
    TooManyBlocks {
        /// The requested number of blocks.
        blocks: usize,
        /// The number of bars of the data.
        bars: usize,
    },
    /// Walk-forward windows that are too short (train or test under 2 bars, a step of 0) or
    /// that do not fit in the data even once.
    InvalidWalkForward {
        /// The training window, in bars.
        train: usize,
        /// The test window, in bars.
        test: usize,
        /// The step between splits, in bars.
        step: usize,
        /// The number of bars of the data.
        bars: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::InvalidPeriod { period } => {
                write!(
                    f,
                    "invalid period {period}: the ATR period must be at least 1"
                )
            }
            Error::InvalidMultiplier { multiplier } => write!(
                f,
                "invalid multiplier {multiplier}: the band multiplier must be finite and >= 0"
            ),
            Error::LengthMismatch { high, low, close } => write!(
                f,
                "input lengths differ: high has {high} bars, low {low}, close {close}"
            ),
            Error::OutputLength {
                output,
                expected,
                actual,
            } => write!(
                f,
                "output `{output}` has length {actual}, but the input has {expected} bars"
            ),
            Error::EmptyGrid => f.write_str(
                "the parameter grid is empty: give at least one value on every axis and keep at \
                 least one combination",
            ),
            Error::DuplicateParams { ref params } => {
                write!(f, "the combination {params} appears twice in the grid")
            }
            Error::TooFewValues { values, needed } => write!(
                f,
                "{values} values have no combination of {needed}: give at least {needed} values"
            ),
            Error::AxisNames { expected, actual } => write!(
                f,
                "{actual} axis names for grid rows of {expected} values: name every axis once"
            ),
            Error::TooManyAxes { axes, max } => {
                write!(f, "grid rows of {axes} values: a grid holds at most {max}")
            }
            Error::InvalidWindow { window } => write!(
                f,
                "invalid window {window}: a moving-average window must be at least 1"
            ),
            Error::InvalidParams {
                ref params,
                ref reason,
            } => write!(f, "invalid parameters {params}: {reason}"),
            Error::UnknownOutput {
                ref name,
                ref available,
            } => write!(
                f,
                "unknown output `{name}`: the indicator's outputs are {available}"
            ),
            Error::OutputType {
                ref name,
                expected,
                actual,
            } => write!(f, "output `{name}` is {actual}, not {expected}"),
            Error::TooManyOutputs { outputs, max } => write!(
                f,
                "the indicator declares {outputs} outputs, more than the {max} a sweep holds"
            ),
            Error::DuplicateOutput { ref name } => {
                write!(f, "output `{name}` is given twice")
            }
            Error::MissingPrices { input } => write!(
                f,
                "the indicator needs `{input}` prices, but the input has closes only"
            ),
            Error::PriceShape { high, low, close } => write!(
                f,
                "price arrays differ in shape (bars, symbols): high {high:?}, low {low:?}, close {close:?}"
            ),
            Error::SymbolLength {
                symbol,
                high,
                low,
                close,
                expected,
            } => write!(
                f,
                "symbol {symbol} has {high} high, {low} low and {close} close bars; \
                 every series must have {expected} bars, like symbol 0"
            ),
            Error::SymbolCount { expected, actual } => write!(
                f,
                "got prices for {actual} symbols, but the sweep has {expected}"
            ),
            Error::TooManyColumns {
                combinations,
                symbols,
            } => write!(
                f,
                "{combinations} combinations x {symbols} symbols overflows the column count"
            ),
            Error::OutputTooLarge { bytes, limit } => {
                let gib = |b: u128| b as f64 / (1u64 << 30) as f64;
                write!(
                    f,
                    "the sweep's results (outputs, metrics or statistics) would take {bytes} \
                     bytes ({:.2} GiB), over the memory limit of {limit} bytes ({:.2} GiB); \
                     select fewer outputs, sweep fewer columns or bars at a time (a shard of the \
                     columns), reduce each column to a value, or raise the limit",
                    gib(bytes),
                    gib(limit)
                )
            }
            Error::OutputShape {
                ref output,
                expected,
                actual,
            } => write!(
                f,
                "output `{output}` has shape {actual:?}, but the sweep needs (bars, columns) = {expected:?}"
            ),
            Error::OutputLayout {
                ref output,
                strides,
            } => write!(
                f,
                "output `{output}` is not a contiguous column-major array (strides {strides:?}); \
                 allocate it with `Array2::zeros((bars, columns).f())`"
            ),
            Error::UnknownVariant { ref name } => write!(
                f,
                "unknown SuperTrend variant `{name}`: expected vectorbt, tradingview or talib"
            ),
            Error::InvalidChunkLen { chunk_len } => {
                write!(f, "invalid chunk length {chunk_len}: a chunk holds at least one column")
            }
            Error::InvalidColumnRange {
                start,
                end,
                columns,
            } => write!(
                f,
                "invalid column range {start}..{end}: the sweep has columns 0..{columns}, and a \
                 range may not end before it starts"
            ),
            Error::InvalidShard { index, count } => write!(
                f,
                "invalid shard {index} of {count}: shards are numbered 0 to count - 1, count >= 1"
            ),
            Error::ColumnRangeUnsupported { what } => write!(
                f,
                "a column range is not supported by {what}, which needs every column of each \
                 symbol: run without one"
            ),
            Error::InvalidFees { fees } => {
                write!(f, "invalid fees {fees}: fees must be finite and in [0, 1)")
            }
            Error::InvalidInitCash { init_cash } => write!(
                f,
                "invalid initial cash {init_cash}: it must be finite and > 0"
            ),
            Error::InvalidAnnualisation { annualisation } => write!(
                f,
                "invalid annualisation factor {annualisation}: bars per year must be finite and > 0"
            ),
            Error::InvalidBarInterval { interval } => write!(
                f,
                "invalid bar interval {interval:?}: it must be longer than zero"
            ),
            Error::InvalidClose { symbol, bar, close } => write!(
                f,
                "symbol {symbol}, bar {bar}: close {close} cannot be traded at; a close must be \
                 finite and > 0, or NaN for a missing bar"
            ),
            Error::InvalidWindowLen { window_len, bars } => write!(
                f,
                "invalid window length {window_len}: a window holds at least 1 bar and at most \
                 the {bars} bars of the data"
            ),
            Error::InvalidBlocks { blocks, max } => write!(
                f,
                "invalid number of CSCV blocks {blocks}: it must be even, at least 2 and at most \
                 {max}"
            ),
            Error::TooManyBlocks { blocks, bars } => write!(
                f,
                "{blocks} CSCV blocks do not fit in {bars} bars: each block needs at least 1 bar"
            ),
            Error::InvalidWalkForward {
                train,
                test,
                step,
                bars,
            } => write!(
                f,
                "invalid walk-forward windows (train {train}, test {test}, step {step} bars) for \
                 {bars} bars: train and test need at least 2 bars each, the step at least 1, and \
                 train + test at most the bars"
            ),
            Error::InvalidWindowStep { step } => {
                write!(f, "invalid window step {step}: windows must advance by at least 1 bar")
            }
            Error::UnknownMaKind { ref name } => write!(
                f,
                "unknown moving-average kind `{name}`: expected simple or exponential"
            ),
            Error::InvalidLevel { level } => {
                write!(f, "invalid signal level {level}: a level must not be NaN")
            }
        }
    }
}

impl std::error::Error for Error {}
