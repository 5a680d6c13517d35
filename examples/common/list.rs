//! Parameter lists as written on a command line: comma-separated values and inclusive ranges,
//! such as `5,10,20`, `4..=19`, `4..=20:2`, `2,5,10..=20:5`, `2,2.5,3` or `2.0..=4.0:0.1`.
//!
//! Only the syntax is checked here (and the length, at most [`MAX_VALUES`]); whether a value is
//! a valid parameter (a period or window of 0, a negative multiplier, a repeated value) is for
//! the library to say.

use std::error::Error;
use std::fmt;

/// Most values a list may expand to, so that a slip such as `1..=1000000000` is an error
/// instead of an attempt to allocate gigabytes.
pub const MAX_VALUES: usize = 100_000;

/// Largest integer numerator of a decimal range: every integer up to 2^53 is an exact `f64`,
/// which keeps each value a single correctly rounded division.
const MAX_NUMERATOR: i64 = 1 << 53;

/// Most decimal places in a range, so that the power of ten is an exact `f64` too.
const MAX_DECIMALS: u32 = 15;

/// A list that could not be parsed; the message quotes the offending item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListError(pub String);

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for ListError {}

/// ATR periods: whole numbers and ranges `A..=B` or `A..=B:STEP` (step 1 by default).
pub fn parse_periods(list: &str) -> Result<Vec<usize>, ListError> {
    parse_list(list, |item| {
        let Some((start, rest)) = item.split_once("..=") else {
            return Ok(vec![period(item)?]);
        };
        let (end, step) = match rest.split_once(':') {
            Some((end, step)) => (end, period(step)?),
            None => (rest, 1),
        };
        let (start, end) = (period(start)?, period(end)?);
        if step == 0 {
            return Err("the step must be at least 1".into());
        }
        if start > end {
            return Err("the range is empty".into());
        }
        check_count((end - start) / step)?;
        Ok((start..=end).step_by(step).collect())
    })
}

/// Moving-average windows: the syntax of [`parse_periods`].
pub fn parse_windows(list: &str) -> Result<Vec<usize>, ListError> {
    parse_periods(list)
}

/// Band multipliers: numbers (read by `str::parse::<f64>`) and ranges `A..=B:STEP` of plain
/// decimals.
///
/// A range is computed without drift: its bounds and step are read as integers over a common
/// power of ten `10^d`, and every value is the one division `k as f64 / 10^d`, so
/// `2.0..=4.0:0.1` gives the doubles nearest to 2.0, 2.1, ..., 4.0, as `2.3` would.
pub fn parse_multipliers(list: &str) -> Result<Vec<f64>, ListError> {
    parse_list(list, |item| {
        let Some((start, rest)) = item.split_once("..=") else {
            let value = item.parse().map_err(|_| "not a number".to_owned())?;
            return Ok(vec![value]);
        };
        let Some((end, step)) = rest.split_once(':') else {
            return Err(format!(
                "a multiplier range needs a step, as in {start}..={rest}:0.1"
            ));
        };
        let (start, end, step) = (
            Decimal::parse(start)?,
            Decimal::parse(end)?,
            Decimal::parse(step)?,
        );
        let decimals = start.decimals.max(end.decimals).max(step.decimals);
        let (a, b, s) = (
            start.numerator(decimals)?,
            end.numerator(decimals)?,
            step.numerator(decimals)?,
        );
        if s <= 0 {
            return Err("the step must be positive".into());
        }
        if a > b {
            return Err("the range is empty".into());
        }
        // Both bounds are within 2^53 of 0, so neither the difference nor any k overflows.
        let count = check_count(usize::try_from((b - a) / s).unwrap_or(usize::MAX))?;
        let denominator = 10u64.pow(decimals) as f64;
        Ok((0..count as i64)
            .map(|i| (a + i * s) as f64 / denominator)
            .collect())
    })
}

/// Splits at commas and concatenates what `item` makes of each piece.
fn parse_list<T>(
    list: &str,
    item: impl Fn(&str) -> Result<Vec<T>, String>,
) -> Result<Vec<T>, ListError> {
    let mut values = Vec::new();
    for piece in list.split(',') {
        let piece = piece.trim();
        if piece.is_empty() {
            return Err(ListError(format!("`{list}`: an item of the list is empty")));
        }
        if piece.contains("..") && !piece.contains("..=") {
            return Err(ListError(format!(
                "`{piece}`: write ranges inclusively, as A..=B"
            )));
        }
        let part = item(piece).map_err(|reason| ListError(format!("`{piece}`: {reason}")))?;
        if values.len() + part.len() > MAX_VALUES {
            return Err(ListError(format!(
                "`{list}`: more than {MAX_VALUES} values"
            )));
        }
        values.extend(part);
    }
    Ok(values)
}

fn period(text: &str) -> Result<usize, String> {
    let text = text.trim();
    text.parse()
        .map_err(|_| format!("`{text}` is not a whole number"))
}

/// The number of values of a range with `steps` steps after its start, if it is not too many.
fn check_count(steps: usize) -> Result<usize, String> {
    match steps.checked_add(1) {
        Some(count) if count <= MAX_VALUES => Ok(count),
        _ => Err(format!("more than {MAX_VALUES} values")),
    }
}

/// A plain decimal number `[+-]digits[.digits]`, as the integer `units / 10^decimals`.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    units: i64,
    decimals: u32,
}

impl Decimal {
    fn parse(text: &str) -> Result<Decimal, String> {
        let text = text.trim();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = || whole.bytes().chain(fraction.bytes());
        if digits().next().is_none() || !digits().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{text}` is not a plain decimal number like 2.5"));
        }
        let too_long = || format!("`{text}` has too many digits for an exact range");
        let decimals = u32::try_from(fraction.len())
            .ok()
            .filter(|&d| d <= MAX_DECIMALS)
            .ok_or_else(too_long)?;
        let units = digits()
            .try_fold(0i64, |n, b| {
                n.checked_mul(10)?.checked_add(i64::from(b - b'0'))
            })
            .filter(|&n| n <= MAX_NUMERATOR)
            .ok_or_else(too_long)?;
        Ok(Decimal {
            units: if negative { -units } else { units },
            decimals,
        })
    }

    /// The numerator over `10^decimals`, which must not be fewer decimals than this value's.
    fn numerator(self, decimals: u32) -> Result<i64, String> {
        10i64
            .checked_pow(decimals - self.decimals)
            .and_then(|scale| scale.checked_mul(self.units))
            .filter(|n| n.abs() <= MAX_NUMERATOR)
            .ok_or_else(|| "the range has too many digits to be exact".to_owned())
    }
}
