//! A sweep's materialised outputs as CSV, for any indicator.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use ta_sweep::{Indicator, OutputArray, SweepOutput};

/// Writes every computed output as CSV: a header of `{output}_{column label}` (such as
/// `supert_p7_m3_c0`), then one row per bar. `{}` prints the shortest text that reads back as
/// the same `f64`, and `NaN`.
pub fn write_outputs_csv<I: Indicator>(path: &Path, out: &SweepOutput<I>) -> io::Result<()> {
    let outputs: Vec<(&str, &OutputArray)> = out
        .outputs()
        .filter_map(|(spec, array)| Some((spec.name(), array?)))
        .collect();
    let labels: Vec<String> = (0..out.columns.len())
        .filter_map(|j| out.columns.label(j))
        .collect();
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut sep = "";
    for (name, _) in &outputs {
        for label in &labels {
            cell(&mut w, &mut sep, format_args!("{name}_{label}"))?;
        }
    }
    writeln!(w)?;
    for bar in 0..out.bars {
        let mut sep = "";
        for (_, array) in &outputs {
            match array {
                OutputArray::F64(m) => row(&mut w, &mut sep, m.row(bar)),
                OutputArray::I8(m) => row(&mut w, &mut sep, m.row(bar)),
                OutputArray::Bool(m) => row(&mut w, &mut sep, m.row(bar)),
            }?;
        }
        writeln!(w)?;
    }
    w.flush()
}

fn row<'a, T: Display + 'a>(
    w: &mut impl Write,
    sep: &mut &str,
    values: impl IntoIterator<Item = &'a T>,
) -> io::Result<()> {
    values.into_iter().try_for_each(|x| cell(w, sep, x))
}

fn cell(w: &mut impl Write, sep: &mut &str, value: impl Display) -> io::Result<()> {
    write!(w, "{sep}{value}")?;
    *sep = ",";
    Ok(())
}
