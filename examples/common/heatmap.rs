//! A heatmap of one value over any two parameter axes, one panel per symbol, as an SVG
//! picture: a diverging colour scale around zero, shared by every panel so that they compare.
//! A cell may be empty (a pair the grid does not have, such as `slow <= fast`) or undefined
//! (a value that is not finite, drawn grey).

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;

/// The most cells a panel may have: more would not be readable, and would make an SVG file of
/// tens of megabytes.
pub const MAX_CELLS: usize = 250_000;

/// The most panels drawn: the first symbols.
pub const MAX_PANELS: usize = 16;

/// One axis: its name and a label per position.
#[derive(Debug, Clone)]
pub struct Axis {
    pub name: String,
    pub labels: Vec<String>,
}

impl Axis {
    pub fn new<T: ToString>(name: &str, values: &[T]) -> Self {
        Axis {
            name: name.to_owned(),
            labels: values.iter().map(T::to_string).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }
}

/// What the picture shows: the title, the measure on the colour bar, what a grey cell means,
/// and the axes (`x` across, `y` up).
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub title: String,
    pub measure: String,
    pub undefined: String,
    pub x: Axis,
    pub y: Axis,
}

/// One symbol's panel: `cells[y * x_len + x]`, `None` for an empty cell.
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub cells: Vec<Option<f64>>,
}

/// Whether a heatmap of `x_len` x `y_len` cells can be drawn, or why not.
pub fn check_size(x_len: usize, y_len: usize) -> Result<(), String> {
    match x_len.checked_mul(y_len) {
        Some(cells) if cells <= MAX_CELLS => Ok(()),
        _ => Err(format!(
            "{x_len} x {y_len} cells are more than the {MAX_CELLS} a panel can show"
        )),
    }
}

/// Panels titled `names` (at most [`MAX_PANELS`]) filled from `(symbol, x, y, value)` cells;
/// cells of other symbols are skipped.
pub fn panels(
    names: &[String],
    x_len: usize,
    y_len: usize,
    cells: impl IntoIterator<Item = (usize, usize, usize, f64)>,
) -> Vec<Panel> {
    let mut panels: Vec<Panel> = names
        .iter()
        .take(MAX_PANELS)
        .map(|name| Panel {
            title: name.clone(),
            cells: vec![None; x_len * y_len],
        })
        .collect();
    for (symbol, x, y, value) in cells {
        if let Some(panel) = panels.get_mut(symbol) {
            panel.cells[y * x_len + x] = Some(value);
        }
    }
    panels
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

/// A tick label: the axis label at integer positions (cell centres), nothing in between.
fn label(labels: &[String], position: f64) -> String {
    let index = position.round();
    if (position - index).abs() > 1e-9 || index < 0.0 {
        return String::new();
    }
    labels.get(index as usize).cloned().unwrap_or_default()
}

/// Writes `panels` to the SVG file `path`.
pub fn write_heatmap(path: &Path, map: &Heatmap, panels: &[Panel]) -> Result<(), Box<dyn Error>> {
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
        .flat_map(|p| p.cells.iter().flatten())
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let limit = if limit > 0.0 { limit } else { 1.0 };

    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(&map.title, ("sans-serif", 20))?;
    let (main, legend) = root.split_horizontally(size.0 - LEGEND_WIDTH);
    let areas = main.split_evenly((rows, columns));
    let (nx, ny) = (map.x.len(), map.y.len());
    for (area, panel) in areas.iter().zip(panels) {
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(44)
            .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&map.x.name)
            .y_desc(&map.y.name)
            .x_labels(nx.min(11))
            .y_labels(ny.min(16))
            .label_style(("sans-serif", 12))
            .x_label_formatter(&|x| label(&map.x.labels, *x))
            .y_label_formatter(&|y| label(&map.y.labels, *y))
            .draw()?;
        let cells = panel.cells.iter().enumerate();
        chart.draw_series(cells.filter_map(|(k, value)| {
            let (y, x) = ((k / nx) as f64, (k % nx) as f64);
            let value = (*value)?;
            Some(Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                colour(value, limit).filled(),
            ))
        }))?;
    }

    // The colour bar, and the colour of undefined cells.
    let mut bar = ChartBuilder::on(&legend)
        .caption(&map.measure, ("sans-serif", 15))
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
        map.undefined.as_str(),
        (50, note_y + 20),
        ("sans-serif", 12),
    ))?;
    root.present()?;
    Ok(())
}
