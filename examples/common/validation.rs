//! What the `validate` example needs besides the library: its numbers on the command line
//! (CSCV blocks, walk-forward windows), the memory bound of a validation, checks of the paths
//! it writes, and its two SVG pictures: the distribution of the CSCV logits and the in-sample
//! against out-of-sample Sharpe ratios of the CSCV winners, one panel per symbol.

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;
use ta_sweep::validation::{CscvCombination, MAX_BLOCKS};

use super::bounds::{memory_limit, BACKTEST_BYTES_PER_COLUMN};
use super::heatmap::MAX_PANELS;
use super::report::{counted, gib, thousands};

/// A whole number of `what` on the command line, any size.
fn whole(text: &str, what: &str) -> Result<u128, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of {what}"))
}

/// `--blocks`: an even number of CSCV blocks from 2 to [`MAX_BLOCKS`].
pub fn parse_blocks(text: &str) -> Result<usize, String> {
    match whole(text, "blocks")? {
        n if (2..=MAX_BLOCKS as u128).contains(&n) && n % 2 == 0 => Ok(n as usize),
        n => Err(format!(
            "{n} blocks: CSCV splits the blocks into two halves, so it needs an even number of \
             them, from 2 to {MAX_BLOCKS}"
        )),
    }
}

/// `--train`, `--test`: a window of at least 2 bars (a Sharpe ratio needs two returns).
pub fn parse_window(text: &str) -> Result<usize, String> {
    match whole(text, "bars")? {
        n if n < 2 => Err(format!("{n} bars: a window needs at least 2 bars")),
        n => usize::try_from(n).map_err(|_| format!("{n} bars: more than any data has")),
    }
}

/// `--step`: at least 1 bar.
pub fn parse_step(text: &str) -> Result<usize, String> {
    match whole(text, "bars")? {
        0 => Err("0 bars: the step must be at least 1 bar".into()),
        n => usize::try_from(n).map_err(|_| format!("{n} bars: more than any data has")),
    }
}

/// The bytes a validation keeps per column, rounded up: the backtest's metrics and ranking
/// ([`BACKTEST_BYTES_PER_COLUMN`]), and twice (in the pass and in the report) its `2 * blocks`
/// block sums, its training Sharpe ratio per split and a few moments.
pub fn validation_bytes_per_column(blocks: usize, splits: usize) -> u128 {
    let numbers = 2 * (2 * blocks as u128 + splits as u128 + 16);
    BACKTEST_BYTES_PER_COLUMN + 8 * numbers
}

/// Whether the validation of `columns` columns over `symbols` symbols, with `combinations`
/// CSCV combinations per symbol and `splits` walk-forward splits, fits in memory with `prices`
/// bytes of prices.
pub fn check_validation(
    columns: usize,
    symbols: usize,
    blocks: usize,
    combinations: usize,
    splits: usize,
    prices: u128,
) -> Result<(), String> {
    let per_column = validation_bytes_per_column(blocks, splits);
    let logit = std::mem::size_of::<CscvCombination>() as u128;
    let bytes = (columns as u128)
        .saturating_mul(per_column)
        .saturating_add(
            (combinations as u128)
                .saturating_mul(symbols as u128)
                .saturating_mul(logit),
        )
        .saturating_add(prices);
    let limit = memory_limit();
    if bytes <= limit {
        return Ok(());
    }
    Err(format!(
        "the validation of {} ({per_column} bytes each) with {} x {} CSCV combinations ({logit} \
         bytes each) would take {} bytes ({:.2} GiB), over the memory limit of {} bytes ({:.2} \
         GiB, half the machine's memory)",
        counted(columns, "column"),
        thousands(combinations),
        counted(symbols, "symbol"),
        thousands(bytes),
        gib(bytes),
        thousands(limit),
        gib(limit)
    ))
}

/// Whether a file can be created at `path` (`what` names the option): not a directory, and in
/// a directory that exists.
pub fn check_output_path(what: &str, path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "{what} {}: a directory, not a file",
            path.display()
        ));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(format!(
            "{what} {}: the directory {} does not exist",
            path.display(),
            parent.display()
        ));
    }
    Ok(())
}

/// The most points the degradation picture draws, over all panels: a file of at most about
/// 6 MB (the default run draws all of its 25,740). Beyond, every `k`-th combination is drawn.
pub const MAX_POINTS: usize = 60_000;

/// Every how many combinations the degradation picture draws one, for `combinations` per
/// symbol over `symbols` symbols (at most [`MAX_PANELS`] drawn).
pub fn point_stride(combinations: usize, symbols: usize) -> usize {
    let panels = symbols.clamp(1, MAX_PANELS);
    let per_panel = (MAX_POINTS / panels).max(1);
    combinations.div_ceil(per_panel).max(1)
}

/// One symbol's CSCV results, for both pictures.
#[derive(Debug, Clone)]
pub struct CscvPanel<'a> {
    /// The symbol's name.
    pub name: String,
    /// Its PBO (NaN if undefined).
    pub pbo: f64,
    /// Every combination, in CSCV order.
    pub logits: &'a [CscvCombination],
}

const PANEL_SIZE: (u32, u32) = (460, 400);
const TITLE_HEIGHT: u32 = 40;
const MAX_PANELS_PER_ROW: usize = 2;
/// Bins of the logit histogram.
const BINS: usize = 40;
const OVERFIT: RGBColor = RGBColor(178, 24, 43);
const FIT: RGBColor = RGBColor(33, 102, 172);

/// The drawing area split into one area per panel (at most [`MAX_PANELS`]), under a title.
fn panel_areas<'p>(
    path: &'p Path,
    title: &str,
    panels: usize,
) -> Result<Vec<DrawingArea<SVGBackend<'p>, plotters::coord::Shift>>, Box<dyn Error>> {
    let panels = panels.clamp(1, MAX_PANELS);
    let (rows, columns) = (
        panels.div_ceil(MAX_PANELS_PER_ROW),
        panels.min(MAX_PANELS_PER_ROW),
    );
    let size = (
        PANEL_SIZE.0 * columns as u32,
        PANEL_SIZE.1 * rows as u32 + TITLE_HEIGHT,
    );
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 18))?;
    Ok(root.split_evenly((rows, columns)))
}

/// `lo..hi` widened by 5 % on each side (and to a unit span if empty), including 0.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    (lo - pad, hi + pad)
}

/// The histogram of each symbol's finite CSCV logits, on one shared logit axis with a bin edge
/// at 0: bins at or below 0 (the in-sample winner at or below the median out of sample) in
/// red, the others in blue, and a line at 0. The heights are shares of the combinations.
pub fn write_logits_svg(
    path: &Path,
    title: &str,
    panels: &[CscvPanel<'_>],
) -> Result<(), Box<dyn Error>> {
    let finite = || {
        panels
            .iter()
            .take(MAX_PANELS)
            .flat_map(|p| p.logits.iter().map(|c| c.logit))
            .filter(|x| x.is_finite())
    };
    let (lo, hi) = finite().fold((0.0f64, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let width = span / BINS as f64;
    // Bin k holds the logits in ((k - 1) * width, k * width]: 0 closes a bin, so that a logit
    // of 0 (overfit, as VALIDATION.md 3.6 counts it) is drawn red.
    let bin = |x: f64| (x / width).ceil() as i64;
    let (first, last) = (bin(lo).min(0), bin(hi).max(1));
    let areas = panel_areas(path, title, panels.len())?;
    let histograms: Vec<Vec<f64>> = panels
        .iter()
        .take(MAX_PANELS)
        .map(|p| {
            let mut counts = vec![0.0; (last - first + 1) as usize];
            for x in p.logits.iter().map(|c| c.logit).filter(|x| x.is_finite()) {
                counts[(bin(x) - first) as usize] += 1.0;
            }
            let total = p.logits.len().max(1) as f64;
            counts.iter_mut().for_each(|c| *c /= total);
            counts
        })
        .collect();
    let top = histograms
        .iter()
        .flatten()
        .fold(0.0f64, |m, &c| m.max(c))
        .max(1e-3)
        * 1.1;
    let x_range = ((first - 2) as f64 * width, (last + 1) as f64 * width);
    for ((area, panel), counts) in areas.iter().zip(panels).zip(&histograms) {
        let caption = match panel.pbo {
            pbo if pbo.is_nan() => format!("{}: PBO undefined", panel.name),
            pbo => format!("{}: PBO {pbo:.3}", panel.name),
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(x_range.0..x_range.1, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("logit of the winner's out-of-sample rank")
            .y_desc("share of combinations")
            .label_style(("sans-serif", 12))
            .y_label_formatter(&|y| format!("{y:.2}"))
            .draw()?;
        chart.draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, &c)| c > 0.0)
                .map(|(i, &c)| {
                    let k = first + i as i64;
                    let colour = if k <= 0 { OVERFIT } else { FIT };
                    let (a, b) = ((k - 1) as f64 * width, k as f64 * width);
                    Rectangle::new([(a, 0.0), (b, c)], colour.mix(0.75).filled())
                }),
        )?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, top)],
            BLACK.stroke_width(2),
        )))?;
        if panel.logits.is_empty() {
            chart.draw_series(std::iter::once(Text::new(
                "no combinations (fewer than 2 trials)",
                (x_range.0 + 0.05 * (x_range.1 - x_range.0), top * 0.5),
                ("sans-serif", 13),
            )))?;
        }
    }
    areas[0].present()?;
    Ok(())
}

/// Per symbol, the CSCV winners' per-bar Sharpe ratio on the training half (across) and on
/// the test half (up), every `stride`-th combination, with the least-squares line through
/// every combination and the line of no out-of-sample gain or loss.
pub fn write_degradation_svg(
    path: &Path,
    title: &str,
    panels: &[CscvPanel<'_>],
    stride: usize,
) -> Result<(), Box<dyn Error>> {
    let areas = panel_areas(path, title, panels.len())?;
    for (area, panel) in areas.iter().zip(panels) {
        let points: Vec<(f64, f64)> = panel
            .logits
            .iter()
            .map(|c| (c.is_sr, c.oos_sr))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        let bounds = |pick: fn(&(f64, f64)) -> f64| {
            points
                .iter()
                .map(pick)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                })
        };
        let (x_lo, x_hi) = match bounds(|p| p.0) {
            (lo, hi) if lo <= hi => padded(lo, hi),
            _ => padded(0.0, 0.0),
        };
        let (y_lo, y_hi) = match bounds(|p| p.1) {
            (lo, hi) if lo <= hi => padded(lo, hi),
            _ => padded(0.0, 0.0),
        };
        let fit = least_squares(&points);
        let caption = match fit {
            Some((_, slope)) => format!("{}: slope {slope:.2}", panel.name),
            None => panel.name.clone(),
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        chart
            .configure_mesh()
            .x_desc("in-sample Sharpe per bar")
            .y_desc("out-of-sample Sharpe per bar")
            .label_style(("sans-serif", 12))
            .x_label_formatter(&|x| format!("{x:.3}"))
            .y_label_formatter(&|y| format!("{y:.3}"))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x_lo, 0.0), (x_hi, 0.0)],
            BLACK.stroke_width(1),
        )))?;
        chart.draw_series(
            points
                .iter()
                .step_by(stride.max(1))
                .map(|&p| Circle::new(p, 2, FIT.mix(0.35).filled())),
        )?;
        if let Some((intercept, slope)) = fit {
            let line = |x: f64| (x, intercept + slope * x);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![line(x_lo), line(x_hi)],
                OVERFIT.stroke_width(2),
            )))?;
        }
    }
    areas[0].present()?;
    Ok(())
}

/// The least-squares line `y = a + b x` through `points`, if `x` varies.
pub fn least_squares(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
    let (mx, my) = (mx / n, my / n);
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(sxy, sxx), (x, y)| {
        (sxy + (x - mx) * (y - my), sxx + (x - mx) * (x - mx))
    });
    (sxx > 0.0).then(|| {
        let slope = sxy / sxx;
        (my - slope * mx, slope)
    })
}
