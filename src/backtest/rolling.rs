//! Rolling windows: the whole grid on each of a series of windows of the data, every window
//! an independent series (SuperTrend and simulation start afresh), in parallel.

use std::ops::Range;

use super::{validate_closes, Backtest, ColumnMetrics, Params, Strategy};
use crate::columns::Columns;
use crate::error::{Error, Result};
use crate::grid::Row;
use crate::prices::{Inputs, Prices};

/// How many window bars (windows x window length x symbols) one sweep covers at most: a
/// sweep first computes each symbol's shared series (SuperTrend's true range and midpoint,
/// a moving average's prefix sums: 16 bytes a bar), so this bounds that memory at 64 MiB
/// however many windows overlap. Larger jobs run
/// as several sweeps, one after the other, each in parallel.
const WINDOW_BARS_PER_SWEEP: usize = 1 << 22;

/// The metrics of every column on every window of a rolling backtest.
///
/// `metrics` is window-major: the row of window `w` and column `j` (in the order of
/// `columns`) is `metrics[w * columns.len() + j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RollingOutput<P: Row> {
    /// What each column holds, in sweep order.
    pub columns: Columns<P>,
    /// The bars of each window, in order: `start..start + window_len`.
    pub windows: Vec<Range<usize>>,
    /// One row per (window, column), window-major.
    pub metrics: Vec<ColumnMetrics>,
}

impl<P: Row> RollingOutput<P> {
    /// The metrics of every column on window `window`, in column order.
    pub fn window(&self, window: usize) -> Option<&[ColumnMetrics]> {
        let width = self.columns.len();
        self.metrics
            .get(window.checked_mul(width)?..window.checked_add(1)?.checked_mul(width)?)
    }

    /// The metrics of column `column` on window `window`.
    pub fn get(&self, window: usize, column: usize) -> Option<&ColumnMetrics> {
        if column >= self.columns.len() {
            return None;
        }
        self.window(window)?.get(column)
    }
}

impl<S: Strategy> Backtest<'_, '_, S> {
    /// Runs the pipeline on windows of `window_len` bars starting every `step` bars: bars
    /// `0..window_len`, `step..step + window_len`, ... as long as a window fits in the data
    /// (so trailing bars that do not fill a window are left out). Each window is an
    /// independent series: the indicator warms up again and every column starts flat with the
    /// initial cash, exactly as the backtest of that slice alone. All windows and columns run
    /// in parallel.
    ///
    /// The result holds `windows x columns` rows: with a step of 1 that is as many as bars
    /// times columns.
    ///
    /// # Errors
    /// - [`Error::InvalidWindowLen`] if `window_len` is 0 or more than the bars of the data.
    /// - [`Error::InvalidWindowStep`] if `step` is 0.
    /// - [`Error::ColumnRangeUnsupported`] if a [column range](Backtest::column_range) is set.
    /// - [`Error::OutputTooLarge`] if the metrics of every window and column would exceed the
    ///   [memory limit](Backtest::memory_limit).
    /// - As [`run`](Backtest::run).
    ///
    /// # Example
    /// ```
    /// use ta_sweep::{supertrend, Backtest, BacktestConfig, Prices, SuperTrend};
    ///
    /// let close: Vec<f64> = (0..1000).map(|i| 50.0 + (i as f64 * 0.05).sin() * 5.0).collect();
    /// let (high, low): (Vec<f64>, Vec<f64>) = close.iter().map(|c| (c + 0.5, c - 0.5)).unzip();
    /// let prices = Prices::single(&high, &low, &close)?;
    /// let grid = supertrend::grid(&[7, 14], &[2.0, 3.0])?;
    /// let backtest = Backtest::new(SuperTrend::default(), &prices, &grid, BacktestConfig::default());
    ///
    /// let rolling = backtest.rolling(400, 200)?;
    /// assert_eq!(rolling.windows, [0..400, 200..600, 400..800, 600..1000]);
    /// assert_eq!(rolling.metrics.len(), 4 * 4);
    ///
    /// // Each window is the backtest of its slice alone.
    /// let slice = Prices::single(&high[200..600], &low[200..600], &close[200..600])?;
    /// let alone = Backtest::new(SuperTrend::default(), &slice, &grid, BacktestConfig::default()).run()?;
    /// assert_eq!(rolling.window(1).unwrap(), alone.metrics.as_slice());
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn rolling(&self, window_len: usize, step: usize) -> Result<RollingOutput<Params<S>>> {
        self.rolling_in_sweeps(window_len, step, WINDOW_BARS_PER_SWEEP)
    }

    /// [`rolling`](Backtest::rolling), with at most `window_bars_per_sweep` window bars (but
    /// at least one window) per sweep.
    fn rolling_in_sweeps(
        &self,
        window_len: usize,
        step: usize,
        window_bars_per_sweep: usize,
    ) -> Result<RollingOutput<Params<S>>> {
        let bars = self.prices.bars();
        if window_len == 0 || window_len > bars {
            return Err(Error::InvalidWindowLen { window_len, bars });
        }
        if step == 0 {
            return Err(Error::InvalidWindowStep { step });
        }
        // Each window's sweep has (combination, window, symbol) columns, in which a range of
        // the backtest's columns is not contiguous.
        self.whole_columns_only("rolling windows")?;
        validate_closes(self.prices)?;
        let symbols = self.prices.as_slice();
        let columns = Columns::new(self.grid.clone(), symbols.len())?;
        let windows: Vec<Range<usize>> = (0..=bars - window_len)
            .step_by(step)
            .map(|start| start..start + window_len)
            .collect();
        let too_many = Error::TooManyColumns {
            combinations: self.grid.len(),
            symbols: symbols.len().saturating_mul(windows.len()),
        };
        let rows = windows
            .len()
            .checked_mul(columns.len())
            .ok_or(too_many.clone())?;
        // The metrics of every (window, column) are held at once: within the memory limit,
        // and allocated fallibly besides.
        let bytes = (rows as u128).saturating_mul(std::mem::size_of::<ColumnMetrics>() as u128);
        let limit = self.limit();
        if bytes > limit {
            return Err(Error::OutputTooLarge { bytes, limit });
        }
        let mut metrics = Vec::new();
        metrics.try_reserve_exact(rows).map_err(|_| too_many)?;

        let bars_per_window = window_len.saturating_mul(symbols.len()).max(1);
        let windows_per_sweep = (window_bars_per_sweep / bars_per_window).max(1);
        for group in windows.chunks(windows_per_sweep) {
            // Every (window, symbol) is a symbol of its own, borrowed, not copied: a sweep
            // column is then (combination, window, symbol).
            let slices = group.iter().flat_map(|window| {
                symbols.iter().map(move |s| {
                    let w = window.clone();
                    (&s.high[w.clone()], &s.low[w.clone()], &s.close[w])
                })
            });
            let group_prices = match self.prices.inputs() {
                Inputs::HighLowClose => Prices::from_symbols(slices)?,
                Inputs::Close => Prices::from_close_series(slices.map(|(_, _, close)| close))?,
            };
            let group_metrics = self.metrics(&group_prices)?;
            let width = group_prices.symbols();
            for window in 0..group.len() {
                for combination in 0..self.grid.len() {
                    let first = combination * width + window * symbols.len();
                    metrics.extend_from_slice(&group_metrics[first..first + symbols.len()]);
                }
            }
        }
        Ok(RollingOutput {
            columns,
            windows,
            metrics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{supertrend, BacktestConfig, SuperTrend};

    #[test]
    fn sweeps_of_any_number_of_windows_give_the_same_rows() {
        let close: Vec<f64> = (0..300)
            .map(|i| 50.0 + (i as f64 * 0.13).sin() * 4.0 + (i as f64 * 0.031).cos())
            .collect();
        let high: Vec<f64> = close.iter().map(|c| c + 0.3).collect();
        let low: Vec<f64> = close.iter().map(|c| c - 0.3).collect();
        let prices = Prices::from_symbols([
            (&high[..], &low[..], &close[..]),
            (&low[..], &low[..], &low[..]),
        ])
        .unwrap();
        let grid = supertrend::grid(&[3, 7], &[1.0, 2.5]).unwrap();
        let backtest = Backtest::new(
            SuperTrend::default(),
            &prices,
            &grid,
            BacktestConfig::default(),
        );
        let whole = backtest.rolling_in_sweeps(100, 30, usize::MAX).unwrap();
        assert_eq!(whole.windows.len(), 7);
        assert!(whole.metrics.iter().any(|m| m.trades > 0));
        for bound in [1, 200, 450, 1000] {
            let parts = backtest.rolling_in_sweeps(100, 30, bound).unwrap();
            assert_eq!(parts.windows, whole.windows);
            let bits = ColumnMetrics::bits;
            let (a, b): (Vec<_>, Vec<_>) = (
                parts.metrics.iter().map(bits).collect(),
                whole.metrics.iter().map(bits).collect(),
            );
            assert_eq!(a, b, "at most {bound} window bars per sweep");
        }
    }
}
