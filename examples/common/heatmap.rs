//! A heatmap of one value over a (period x multiplier) grid, one panel per symbol, as an SVG
//! picture: a diverging colour scale around zero, shared by every panel so that they compare.

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;

/// One symbol's panel: `values[p * multipliers + m]` for period `p` and multiplier `m`.
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub values: Vec<f64>,
}

const PANEL_SIZE: (u32, u32) = (460, 400);
const LEGEND_WIDTH: u32 = 120;
const TITLE_HEIGHT: u32 = 40;
const MAX_PANELS_PER_ROW: usize = 2;
/// Cells with a value that is not finite (a column that never traded has a Sharpe ratio of
/// +inf; too few bars, NaN).
const UNDEFINED: RGBColor = RGBColor(200, 200, 200);

/// White at zero, red for negative values, blue for positive ones, saturated at `limit`.
fn colour(value: f64, limit: f64) -> RGBColor {
    if !value.is_finite() {
        return UNDEFINED;
    }
    let t = (value / limit).clamp(-1.0, 1.0);
    let fade = |full: f64| (255.0 - (255.0 - full) * t.abs()).round() as u8;
    if t < 0.0 {
        RGBColor(fade(178.0), fade(24.0), fade(43.0))
    } else {
        RGBColor(fade(33.0), fade(102.0), fade(172.0))
    }
}

/// A tick label: the axis value at integer positions (cell centres), nothing in between.
fn label<T: ToString>(values: &[T], position: f64) -> String {
    let index = position.round();
    if (position - index).abs() > 1e-9 || index < 0.0 {
        return String::new();
    }
    values
        .get(index as usize)
        .map_or_else(String::new, ToString::to_string)
}

/// Writes `panels` (values over `periods` x `multipliers`) to the SVG file `path`, titled
/// `title`, with a colour bar for `measure`.
pub fn write_heatmap(
    path: &Path,
    title: &str,
    measure: &str,
    periods: &[usize],
    multipliers: &[f64],
    panels: &[Panel],
) -> Result<(), Box<dyn Error>> {
    let (rows, columns) = (
        panels.len().div_ceil(MAX_PANELS_PER_ROW).max(1),
        panels.len().clamp(1, MAX_PANELS_PER_ROW),
    );
    let size = (
        PANEL_SIZE.0 * columns as u32 + LEGEND_WIDTH,
        PANEL_SIZE.1 * rows as u32 + TITLE_HEIGHT,
    );
    // The largest finite magnitude of every panel: one scale for all.
    let limit = panels
        .iter()
        .flat_map(|p| &p.values)
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let limit = if limit > 0.0 { limit } else { 1.0 };

    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 20))?;
    let (main, legend) = root.split_horizontally(size.0 - LEGEND_WIDTH);
    let areas = main.split_evenly((rows, columns));
    let (nm, np) = (multipliers.len() as f64, periods.len() as f64);
    for (area, panel) in areas.iter().zip(panels) {
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(44)
            .build_cartesian_2d(-0.5..nm - 0.5, -0.5..np - 0.5)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("multiplier")
            .y_desc("period")
            .x_labels(multipliers.len().min(11))
            .y_labels(periods.len().min(16))
            .label_style(("sans-serif", 12))
            .x_label_formatter(&|x| label(multipliers, *x))
            .y_label_formatter(&|y| label(periods, *y))
            .draw()?;
        chart.draw_series(panel.values.iter().enumerate().map(|(k, &value)| {
            let (p, m) = (
                (k / multipliers.len()) as f64,
                (k % multipliers.len()) as f64,
            );
            Rectangle::new(
                [(m - 0.5, p - 0.5), (m + 0.5, p + 0.5)],
                colour(value, limit).filled(),
            )
        }))?;
    }

    // The colour bar, and the colour of undefined cells.
    let mut bar = ChartBuilder::on(&legend)
        .caption(measure, ("sans-serif", 15))
        .margin_top(30)
        .margin_bottom(80)
        .margin_right(10)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..1.0, -limit..limit)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(9)
        .y_label_style(("sans-serif", 12))
        // No `-0.00` for a tick a rounding below zero.
        .y_label_formatter(&|y| format!("{:.2}", if y.abs() < 1e-9 { 0.0 } else { *y }))
        .draw()?;
    let steps = 100;
    bar.draw_series((0..steps).map(|i| {
        let low = -limit + 2.0 * limit * i as f64 / steps as f64;
        let high = low + 2.0 * limit / steps as f64;
        Rectangle::new(
            [(0.0, low), (1.0, high)],
            colour((low + high) / 2.0, limit).filled(),
        )
    }))?;
    let note_y = size.1 as i32 - TITLE_HEIGHT as i32 - 60;
    legend.draw(&Rectangle::new(
        [(50, note_y), (70, note_y + 14)],
        UNDEFINED.filled(),
    ))?;
    legend.draw(&Text::new(
        "no trade",
        (50, note_y + 20),
        ("sans-serif", 12),
    ))?;
    root.present()?;
    Ok(())
}
