//! The Deflated Sharpe Ratio of a symbol's best column (Bailey and Lopez de Prado, 2014;
//! `docs/VALIDATION.md` section 2): the probability that its Sharpe ratio beats the best of as
//! many unskilled trials, given the spread of the trials' Sharpe ratios and the skewness and
//! kurtosis of the best column's returns.

use super::column_stats::Moments;
use super::normal;
use super::select::best_of;

/// The Euler-Mascheroni constant of the expected maximum of normal trials.
const EULER_GAMMA: f64 = 0.5772156649015329;

/// The Deflated Sharpe Ratio of one symbol's grid.
///
/// Sharpe ratios here are per bar (`sr`, `sr_std`, `sr0`, `z`) except `sharpe`, the
/// annualised one of the backtest's metrics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeflatedSharpe {
    /// The bars of the series (`n` of the moments).
    pub bars: usize,
    /// The trials: the columns whose Sharpe ratio is finite (a column that never trades has
    /// `+inf`, and is no trial).
    pub trials: usize,
    /// The grid row of the best trial (near-ties to the lowest row), `None` without trials.
    pub best: Option<usize>,
    /// The best trial's annualised Sharpe ratio.
    pub sharpe: f64,
    /// Its per-bar Sharpe ratio `mean / std`.
    pub sr: f64,
    /// The standard deviation (ddof 1) of the trials' per-bar Sharpe ratios; NaN with one
    /// trial.
    pub sr_std: f64,
    /// The skewness of the best trial's returns (bias-adjusted, pandas' `skew`).
    pub skew: f64,
    /// Their kurtosis, not excess: 3 for normal returns (pandas' `kurt` + 3).
    pub kurtosis: f64,
    /// The expected maximum per-bar Sharpe ratio of `trials` unskilled trials; 0 with one
    /// trial or no spread.
    pub sr0: f64,
    /// The test statistic: `(sr - sr0) * sqrt(bars - 1) / sqrt(1 - skew sr + (kurtosis - 1) / 4 sr^2)`.
    pub z: f64,
    /// The Deflated Sharpe Ratio `Phi(z)`: the probability that the best trial's skill is
    /// real. NaN with fewer than 4 bars or a non-positive variance term.
    pub dsr: f64,
}

impl DeflatedSharpe {
    /// The DSR of a symbol's columns, in grid-row order: each one's annualised Sharpe ratio
    /// and moments.
    pub(crate) fn of(bars: usize, columns: &[(f64, Moments)]) -> DeflatedSharpe {
        let trials = || {
            columns
                .iter()
                .enumerate()
                .filter(|(_, (sharpe, _))| sharpe.is_finite())
        };
        let count = trials().count();
        let Some(best) = best_of(trials().map(|(row, (sharpe, _))| (row, *sharpe))) else {
            return DeflatedSharpe {
                bars,
                trials: 0,
                best: None,
                sharpe: f64::NAN,
                sr: f64::NAN,
                sr_std: f64::NAN,
                skew: f64::NAN,
                kurtosis: f64::NAN,
                sr0: f64::NAN,
                z: f64::NAN,
                dsr: f64::NAN,
            };
        };
        let (sharpe, moments) = columns[best];
        let n_t = count as f64;
        let mean = trials().map(|(_, (_, m))| m.sr).sum::<f64>() / n_t;
        let spread = trials()
            .map(|(_, (_, m))| (m.sr - mean) * (m.sr - mean))
            .sum::<f64>();
        let sr_std = (spread / (n_t - 1.0)).sqrt();
        let sr0 = if count == 1 || sr_std.is_nan() || sr_std <= 0.0 {
            0.0
        } else {
            let e = std::f64::consts::E;
            sr_std
                * ((1.0 - EULER_GAMMA) * normal::quantile(1.0 - 1.0 / n_t)
                    + EULER_GAMMA * normal::quantile(1.0 - 1.0 / (n_t * e)))
        };
        let (skew, kurtosis) = shape(&moments);
        let sr = moments.sr;
        let (z, dsr) = deflate(sr, sr0, skew, kurtosis, moments.count);
        DeflatedSharpe {
            bars,
            trials: count,
            best: Some(best),
            sharpe,
            sr,
            sr_std: if count > 1 { sr_std } else { f64::NAN },
            skew,
            kurtosis,
            sr0,
            z,
            dsr,
        }
    }
}

/// Skewness (G1) and kurtosis (G2 + 3) of a column's returns from their central sums
/// (VALIDATION.md 2.4); NaN with fewer than 3 (skewness) or 4 (kurtosis) returns.
fn shape(m: &Moments) -> (f64, f64) {
    let n = m.count as f64;
    let skew = if m.count >= 3 {
        m.m3 / (m.m2 * m.m2.sqrt()) * (n * (n - 1.0).sqrt() / (n - 2.0))
    } else {
        f64::NAN
    };
    let kurtosis = if m.count >= 4 {
        (n - 1.0) / ((n - 2.0) * (n - 3.0))
            * (n * (n + 1.0) * (m.m4 / (m.m2 * m.m2)) - 3.0 * (n - 1.0))
            + 3.0
    } else {
        f64::NAN
    };
    (skew, kurtosis)
}

/// The statistic `z` and `Phi(z)` (2.5): NaN with fewer than 4 returns or a variance term
/// that is not positive.
fn deflate(sr: f64, sr0: f64, skew: f64, kurtosis: f64, count: usize) -> (f64, f64) {
    let v = 1.0 - skew * sr + (kurtosis - 1.0) / 4.0 * sr * sr;
    if count < 4 || v.is_nan() || v <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let z = (sr - sr0) * ((count - 1) as f64).sqrt() / v.sqrt();
    (z, normal::cdf(z))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paper's example: annual Sharpe 2.5 over 250 bars a year, 1,250 bars, 100 trials
    /// whose annual Sharpe ratios vary by 0.5, skewness -3, kurtosis 10.
    #[test]
    fn the_papers_example() {
        let sd = (0.5f64 / 250.0).sqrt();
        let n_t = 100.0;
        let e = std::f64::consts::E;
        let sr0 = sd
            * ((1.0 - EULER_GAMMA) * normal::quantile(1.0 - 1.0 / n_t)
                + EULER_GAMMA * normal::quantile(1.0 - 1.0 / (n_t * e)));
        assert!((sr0 - 0.113172).abs() < 5e-7, "{sr0}");
        let sr = 2.5 / 250f64.sqrt();
        let (_, dsr) = deflate(sr, sr0, -3.0, 10.0, 1250);
        assert!((dsr - 0.900397).abs() < 5e-7, "{dsr}");
    }

    #[test]
    fn no_trials_and_one_trial() {
        let m = Moments::of(&[0.01, -0.01, 0.02, 0.0, 0.01]);
        let none = DeflatedSharpe::of(5, &[(f64::INFINITY, m), (f64::NAN, m)]);
        assert_eq!((none.trials, none.best), (0, None));
        assert!(none.dsr.is_nan() && none.sr0.is_nan());
        let one = DeflatedSharpe::of(5, &[(f64::INFINITY, m), (1.5, m)]);
        assert_eq!((one.trials, one.best, one.sr0), (1, Some(1), 0.0));
        assert!(one.sr_std.is_nan());
        assert!(one.dsr > 0.5 && one.dsr < 1.0);
    }
}
