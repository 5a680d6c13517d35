//! The best of a set of values, with near-ties to the lowest index (`docs/VALIDATION.md` 1.3),
//! and the average rank of a value among others, ties by the same tolerance (3.5).
//!
//! Columns whose trades coincide differ only in the last bits of their Sharpe ratios (their
//! cash histories differ), so an exact argmax would choose between them by rounding noise.

use crate::backtest::is_close;

/// The index of the best of `values` (an iterator of `(index, value)` over finite values, in
/// increasing index order): the lowest index whose value is within tolerance of the maximum.
/// `None` if there are no values.
pub(crate) fn best_of(values: impl Iterator<Item = (usize, f64)> + Clone) -> Option<usize> {
    let mut max: Option<f64> = None;
    for (_, x) in values.clone() {
        if max.is_none_or(|m| x > m) {
            max = Some(x);
        }
    }
    let max = max?;
    // An infinite maximum is close to nothing: the first value equal to it then.
    values
        .clone()
        .find(|&(_, x)| is_close(x, max))
        .or_else(|| values.clone().find(|&(_, x)| x == max))
        .map(|(index, _)| index)
}

/// The average rank of `x` among `values` (1 = the lowest): those below it and not close,
/// plus the middle of those close to it (`x` itself among them when it is one of `values`).
pub(crate) fn average_rank(values: &[f64], x: f64) -> f64 {
    let (mut below, mut tied) = (0usize, 0usize);
    for &v in values {
        if is_close(v, x) {
            tied += 1;
        } else if v < x {
            below += 1;
        }
    }
    below as f64 + (tied as f64 + 1.0) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_ties_go_to_the_lowest_index() {
        let values = [1.0, 2.0, 2.0 + 1e-12, 2.0 - 1e-3];
        assert_eq!(best_of(values.iter().copied().enumerate()), Some(1));
        let values = [3.0, 2.0];
        assert_eq!(best_of(values.iter().copied().enumerate()), Some(0));
        assert_eq!(best_of(std::iter::empty::<(usize, f64)>()), None);
        let values = [1.0, f64::INFINITY, f64::INFINITY];
        assert_eq!(best_of(values.iter().copied().enumerate()), Some(1));
    }

    #[test]
    fn ranks_count_ties_by_tolerance() {
        // VALIDATION.md 5, combination 1: the winner ties another column out of sample.
        let oos = [0.5, 0.5 - 1e-13, -0.2];
        assert_eq!(average_rank(&oos, oos[0]), 2.5);
        assert_eq!(average_rank(&[1.0, 2.0, 3.0], 3.0), 3.0);
        assert_eq!(average_rank(&[1.0, 2.0, 3.0], 1.0), 1.0);
    }
}
