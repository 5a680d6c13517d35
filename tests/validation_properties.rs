//! Validation against a naive route on random data with NaN gaps and flat runs: every column
//! materialised with the naive pipeline of `tests/common` (per-bar returns of the whole series,
//! and of each walk-forward window simulated alone on the whole series' signals), then the
//! block sums, DSR, CSCV and walk-forward choices computed from those returns, literally.

mod common;

use common::strategies::{close_series, naive_pipeline, NaivePipeline};
use common::{
    multiplier, naive_backtest, period, proptest_config, two_symbols, valid_closes, vbt_is_close,
    NaiveBacktest, NaiveCosts,
};
use proptest::prelude::*;
use statrs::function::erf::{erfc, erfc_inv};
use ta_sweep::backtest::Engine;
use ta_sweep::validation::{Validation, ValidationReport, WalkForward};
use ta_sweep::{supertrend, Backtest, BacktestConfig, Grid, MaCrossover, Prices, Row, SuperTrend};

fn costs(config: &BacktestConfig) -> NaiveCosts {
    NaiveCosts {
        fees: config.fees(),
        init_cash: config.init_cash(),
        annualisation: config.annualisation(),
    }
}

/// The best of finite `(index, value)`s: the lowest index within tolerance of the maximum.
fn naive_best(values: &[(usize, f64)]) -> Option<usize> {
    let max = values.iter().map(|v| v.1).fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .find(|v| vbt_is_close(v.1, max))
        .or_else(|| values.iter().find(|v| v.1 == max))
        .map(|v| v.0)
}

fn naive_block_sums(returns: &[f64], blocks: usize) -> Vec<[f64; 2]> {
    let len = returns.len() / blocks;
    (0..blocks)
        .map(|b| {
            let block = &returns[b * len..(b + 1) * len];
            let s = block.iter().fold(0.0, |acc, r| acc + r);
            let q = block.iter().fold(0.0, |acc, r| acc + r * r);
            [s, q]
        })
        .collect()
}

/// Every `k`-subset of `0..n` in lexicographic order.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    (0..n)
        .flat_map(|first| {
            subsets(n - first - 1, k - 1).into_iter().map(move |rest| {
                std::iter::once(first)
                    .chain(rest.into_iter().map(|b| b + first + 1))
                    .collect()
            })
        })
        .collect()
}

/// (winner row, rank, logit) of every combination, or `None` for undefined ones.
fn naive_cscv(
    sums: &[Vec<[f64; 2]>],
    rows: &[usize],
    blocks: usize,
    len: usize,
) -> Vec<Option<(usize, f64, f64)>> {
    let half_sr = |t: usize, h: &[usize]| {
        let (mut s, mut q) = (0.0, 0.0);
        for &b in h {
            s += sums[t][b][0];
            q += sums[t][b][1];
        }
        let n = (h.len() * len) as f64;
        let mu = s / n;
        let var = (q - s * mu) / (n - 1.0);
        if q == 0.0 || var.is_nan() || var <= 0.0 || n < 2.0 {
            f64::NAN
        } else {
            mu / var.sqrt()
        }
    };
    subsets(blocks, blocks / 2)
        .into_iter()
        .map(|train| {
            let test: Vec<usize> = (0..blocks).filter(|b| !train.contains(b)).collect();
            let a: Vec<f64> = (0..rows.len()).map(|t| half_sr(t, &train)).collect();
            let b: Vec<f64> = (0..rows.len()).map(|t| half_sr(t, &test)).collect();
            if a.iter().chain(&b).any(|x| x.is_nan()) {
                return None;
            }
            let w = naive_best(&a.iter().copied().enumerate().collect::<Vec<_>>())?;
            let x = b[w];
            let below = b.iter().filter(|&&y| y < x && !vbt_is_close(y, x)).count();
            let tied = b.iter().filter(|&&y| vbt_is_close(y, x)).count();
            let rank = below as f64 + (tied as f64 + 1.0) / 2.0;
            let omega = rank / (rows.len() as f64 + 1.0);
            Some((rows[w], rank, (omega / (1.0 - omega)).ln()))
        })
        .collect()
}

/// The per-bar Sharpe ratio and the two-pass central sums of `returns`.
fn naive_moments(returns: &[f64]) -> (f64, f64, f64, f64) {
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let m = |p: i32| returns.iter().map(|r| (r - mean).powi(p)).sum::<f64>();
    let (m2, m3, m4) = (m(2), m(3), m(4));
    // PIPELINE.md 6.1's order of operations for the deviation.
    (mean / (m2 / n * n / (n - 1.0)).sqrt(), m2, m3, m4)
}

fn close_within(a: f64, b: f64, relative: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= relative * a.abs().max(b.abs())
}

/// Checks `report` against the naive route, from each column's naive pipeline (`full`, grid
/// row-major with the symbol fastest) and a function simulating a column on a window alone.
fn check<P: Row>(
    report: &ValidationReport<P>,
    full: &[NaivePipeline],
    window: impl Fn(usize, std::ops::Range<usize>) -> NaivePipeline,
    blocks: usize,
    symbols: usize,
) -> Result<(), TestCaseError> {
    let bars = full[0].returns.len();
    let rows = full.len() / symbols;
    let len = bars / blocks;
    for (j, column) in full.iter().enumerate() {
        // The fused block sums are the naive ones from the materialised returns, bit for bit.
        let naive = naive_block_sums(&column.returns, blocks);
        let bits = |v: &[[f64; 2]]| {
            v.iter()
                .map(|[s, q]| (s.to_bits(), q.to_bits()))
                .collect::<Vec<_>>()
        };
        prop_assert_eq!(
            bits(report.block_sums.column(j)),
            bits(&naive),
            "column {}",
            j
        );
        prop_assert_eq!(
            report.metrics[j].sharpe.to_bits(),
            column.metrics.sharpe.to_bits()
        );
    }
    for symbol in 0..symbols {
        let trials: Vec<usize> = (0..rows)
            .filter(|&row| full[row * symbols + symbol].metrics.sharpe.is_finite())
            .collect();
        // DSR.
        let dsr = &report.dsr[symbol];
        prop_assert_eq!(dsr.trials, trials.len());
        let sharpes: Vec<(usize, f64)> = trials
            .iter()
            .map(|&r| (r, full[r * symbols + symbol].metrics.sharpe))
            .collect();
        prop_assert_eq!(dsr.best, naive_best(&sharpes));
        if let Some(best) = dsr.best {
            let returns = &full[best * symbols + symbol].returns;
            let (sr, m2, m3, m4) = naive_moments(returns);
            prop_assert!(close_within(dsr.sr, sr, 1e-9), "sr {} vs {}", dsr.sr, sr);
            let n = bars as f64;
            let skew = m3 / (m2 * m2.sqrt()) * (n * (n - 1.0).sqrt() / (n - 2.0));
            let kurt = (n - 1.0) / ((n - 2.0) * (n - 3.0))
                * (n * (n + 1.0) * (m4 / (m2 * m2)) - 3.0 * (n - 1.0))
                + 3.0;
            prop_assert!(
                close_within(dsr.skew, skew, 1e-8),
                "skew {} vs {}",
                dsr.skew,
                skew
            );
            prop_assert!(
                close_within(dsr.kurtosis, kurt, 1e-8),
                "kurtosis {} vs {}",
                dsr.kurtosis,
                kurt
            );
            let srs: Vec<f64> = trials
                .iter()
                .map(|&r| naive_moments(&full[r * symbols + symbol].returns).0)
                .collect();
            let nt = srs.len() as f64;
            let mean = srs.iter().sum::<f64>() / nt;
            let sd = (srs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (nt - 1.0)).sqrt();
            let quantile = |p: f64| -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p);
            let g = 0.5772156649015329;
            let sr0 = if srs.len() < 2 || sd.is_nan() || sd <= 0.0 {
                0.0
            } else {
                sd * ((1.0 - g) * quantile(1.0 - 1.0 / nt)
                    + g * quantile(1.0 - 1.0 / (nt * std::f64::consts::E)))
            };
            prop_assert!(
                close_within(dsr.sr0, sr0, 1e-8),
                "sr0 {} vs {}",
                dsr.sr0,
                sr0
            );
            let v = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr;
            if v > 0.0 && bars >= 4 {
                let z = (sr - sr0) * (n - 1.0).sqrt() / v.sqrt();
                let phi = 0.5 * erfc(-z / std::f64::consts::SQRT_2);
                prop_assert!((dsr.dsr - phi).abs() <= 1e-8, "dsr {} vs {}", dsr.dsr, phi);
            }
        }
        // CSCV from the naive block sums, exactly.
        let pbo = &report.pbo[symbol];
        if trials.len() < 2 {
            prop_assert!(pbo.pbo.is_nan() && pbo.logits.is_empty());
        } else {
            let sums: Vec<Vec<[f64; 2]>> = trials
                .iter()
                .map(|&r| naive_block_sums(&full[r * symbols + symbol].returns, blocks))
                .collect();
            let naive = naive_cscv(&sums, &trials, blocks, len);
            prop_assert_eq!(naive.len(), pbo.logits.len());
            for (x, n) in pbo.logits.iter().zip(&naive) {
                match n {
                    None => prop_assert!(x.winner.is_none() && x.logit.is_nan()),
                    Some((w, rank, logit)) => {
                        prop_assert_eq!(x.winner, Some(*w));
                        prop_assert_eq!(x.rank, *rank);
                        prop_assert_eq!(x.logit.to_bits(), logit.to_bits());
                    }
                }
            }
            let undefined = naive.iter().filter(|n| n.is_none()).count();
            let overfit = naive.iter().flatten().filter(|n| n.2 <= 0.0).count();
            prop_assert_eq!((pbo.undefined, pbo.overfit), (undefined, overfit));
        }
    }
    // Walk-forward: each window alone on the whole series' signals.
    if let Some(wf) = &report.walk_forward {
        for (k, split) in wf.splits.iter().enumerate() {
            for symbol in 0..symbols {
                let train: Vec<(usize, f64)> = (0..rows)
                    .map(|row| {
                        (
                            row,
                            window(row * symbols + symbol, split.train.clone())
                                .metrics
                                .sharpe,
                        )
                    })
                    .collect();
                for &(row, sharpe) in &train {
                    let fused = wf.train_sharpe[k * full.len() + row * symbols + symbol];
                    prop_assert_eq!(fused.to_bits(), sharpe.to_bits(), "split {} row {}", k, row);
                }
                let candidates: Vec<(usize, f64)> =
                    train.into_iter().filter(|x| x.1.is_finite()).collect();
                let choice = &wf.choices[k * symbols + symbol];
                prop_assert_eq!(choice.candidates, candidates.len());
                prop_assert_eq!(choice.chosen, naive_best(&candidates));
                if let Some(row) = choice.chosen {
                    let test = window(row * symbols + symbol, split.test.clone()).metrics;
                    let oos = choice.oos.unwrap();
                    prop_assert_eq!(oos.sharpe.to_bits(), test.sharpe.to_bits());
                    prop_assert_eq!(oos.total_return.to_bits(), test.total_return.to_bits());
                    prop_assert_eq!(oos.max_drawdown.to_bits(), test.max_drawdown.to_bits());
                    prop_assert_eq!(oos.trades, test.trades);
                }
            }
        }
    }
    Ok(())
}

fn st_grid() -> impl Strategy<Value = Grid<(usize, f64)>> {
    prop::collection::vec((period(), multiplier()), 2..7).prop_map(|mut pairs| {
        pairs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        pairs.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        supertrend::pairs(&pairs).unwrap()
    })
}

fn options(bars: usize) -> impl Strategy<Value = (usize, WalkForward)> {
    let max_blocks = (bars / 2).clamp(1, 4) * 2;
    (
        (1..=max_blocks / 2).prop_map(|h| h * 2),
        2..=bars / 2,
        2..=bars / 3,
        1..=bars / 3,
    )
        .prop_map(move |(blocks, train, test, step)| {
            let test = test.min(bars - train);
            (blocks, WalkForward::new(train, test.max(2), step))
        })
}

proptest! {
    #![proptest_config(proptest_config(48))]

    #[test]
    fn supertrend_validation_equals_the_naive_route(
        ((a, b), grid, (blocks, wf)) in two_symbols(160)
            .prop_filter("enough bars", |(a, _)| a.len() >= 12)
            .prop_flat_map(|data| { let n = data.0.len(); (Just(data), st_grid(), options(n)) }),
    ) {
        prop_assume!(valid_closes(&[&a, &b]));
        prop_assume!(wf.train + wf.test <= a.len());
        let prices = Prices::from_symbols([
            (&a.high[..], &a.low[..], &a.close[..]),
            (&b.high[..], &b.low[..], &b.close[..]),
        ]).unwrap();
        let config = BacktestConfig::default();
        let backtest = Backtest::new(SuperTrend::default(), &prices, &grid, config);
        let validation = Validation::new().blocks(blocks).walk_forward(wf);
        let report = backtest.validate(&validation).unwrap();
        // The lane engine and the scalar one give the same bits (NaN fields through `Debug`).
        let scalar = backtest.engine(Engine::Scalar).validate(&validation).unwrap();
        prop_assert_eq!(format!("{scalar:?}"), format!("{report:?}"));
        let data = [&a, &b];
        let naive: Vec<NaiveBacktest> = grid.iter().flat_map(|(p, m)| {
            data.map(|d| naive_backtest(&d.high, &d.low, &d.close, p, m, costs(&config)))
        }).collect();
        let full: Vec<NaivePipeline> = naive.iter().enumerate().map(|(j, n)| {
            naive_pipeline(&data[j % 2].close, &n.entry, &n.exit, costs(&config))
        }).collect();
        check(&report, &full, |j, w| {
            let n = &naive[j];
            naive_pipeline(&data[j % 2].close[w.clone()], &n.entry[w.clone()], &n.exit[w], costs(&config))
        }, blocks, 2)?;
    }

    #[test]
    fn crossover_validation_equals_the_naive_route(
        (close, blocks, wf) in close_series(200)
            .prop_filter("enough bars", |c| c.len() >= 12)
            .prop_flat_map(|c| { let n = c.len(); (Just(c), options(n)) })
            .prop_map(|(c, (blocks, wf))| (c, blocks, wf)),
    ) {
        prop_assume!(wf.train + wf.test <= close.len());
        let prices = Prices::from_close_series([&close[..]]).unwrap();
        let grid = Grid::combinations(&["fast", "slow"], &[2usize, 3, 5, 8]).unwrap();
        let config = BacktestConfig::default();
        let backtest = Backtest::new(MaCrossover::simple(), &prices, &grid, config);
        let validation = Validation::new().blocks(blocks).walk_forward(wf);
        let report = backtest.validate(&validation).unwrap();
        let scalar = backtest.engine(Engine::Scalar).validate(&validation).unwrap();
        prop_assert_eq!(format!("{scalar:?}"), format!("{report:?}"));
        let full: Vec<_> = grid.iter().map(|(f, s)| {
            common::strategies::naive_crossover(&close, f, s, ta_sweep::MaKind::Simple, costs(&config))
        }).collect();
        let pipelines: Vec<NaivePipeline> = full.iter().map(|c| c.pipeline.clone()).collect();
        check(&report, &pipelines, |j, w| {
            naive_pipeline(&close[w.clone()], &full[j].entry[w.clone()], &full[j].exit[w], costs(&config))
        }, blocks, 1)?;
    }
}
