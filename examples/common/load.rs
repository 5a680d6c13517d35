//! The symbols' names and prices: the `--csv` files (named by their stem), the `--synthetic`
//! walks (`S0`, `S1`, ...) or the bundled daily MSFT and IBM prices, bounded before anything
//! is generated.

use std::error::Error;
use std::path::{Path, PathBuf};

use ta_sweep::Prices;

use super::args::DataArgs;
use super::bounds::check_prices;
use super::ohlc::{read_close, read_ohlc, Ohlc};

/// The bundled files, in `examples/data/`.
pub const BUNDLED: [&str; 2] = ["MSFT_bokeh.csv", "IBM_bokeh.csv"];

/// Which series an example reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// High, low and close: files need the three columns.
    HighLowClose,
    /// Closes alone: files need only a close column.
    Close,
}

/// Loaded symbols: their names and series (for [`Series::Close`], empty highs and lows).
#[derive(Debug, Clone)]
pub struct Symbols {
    pub names: Vec<String>,
    pub data: Vec<Ohlc>,
    pub series: Series,
}

impl Symbols {
    /// The library's view of the series, with a length error that names the symbol.
    pub fn prices(&self) -> Result<Prices<'_>, Box<dyn Error>> {
        let prices = match self.series {
            Series::HighLowClose => Prices::from_symbols(self.data.iter().map(Ohlc::as_slices)),
            Series::Close => Prices::from_close_series(self.data.iter().map(|d| &d.close[..])),
        };
        prices.map_err(|e| match e {
            // The library counts symbols; the user knows them by name.
            ta_sweep::Error::SymbolLength { symbol, .. } => {
                format!("{}: {e}", self.names[symbol]).into()
            }
            e => e.into(),
        })
    }
}

impl DataArgs {
    /// The number of symbols the arguments make, known before anything is read.
    pub fn symbols(&self) -> usize {
        match (&self.synthetic, self.csv.len()) {
            (Some(spec), _) => spec.symbols,
            (None, 0) => BUNDLED.len(),
            (None, files) => files,
        }
    }

    /// Reads the files or generates the walks; the walks' memory is checked first.
    pub fn load(&self, series: Series) -> Result<Symbols, Box<dyn Error>> {
        if let Some(spec) = self.synthetic {
            check_prices(spec.symbols, spec.bars)?;
            let mut data = spec.generate().map_err(|e| {
                format!(
                    "{} symbols x {} bars do not fit in memory: {e}",
                    spec.symbols, spec.bars
                )
            })?;
            if series == Series::Close {
                for walk in &mut data {
                    (walk.high, walk.low) = (Vec::new(), Vec::new());
                }
            }
            let names = (0..spec.symbols).map(|s| format!("S{s}")).collect();
            return Ok(Symbols {
                names,
                data,
                series,
            });
        }
        let paths: Vec<PathBuf> = if self.csv.is_empty() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
            BUNDLED.iter().map(|file| dir.join(file)).collect()
        } else {
            self.csv.clone()
        };
        let mut names = Vec::with_capacity(paths.len());
        let mut data = Vec::with_capacity(paths.len());
        for path in paths {
            data.push(match series {
                Series::HighLowClose => read_ohlc(&path)?,
                Series::Close => Ohlc {
                    close: read_close(&path)?,
                    ..Ohlc::default()
                },
            });
            let stem = path.file_stem().unwrap_or(path.as_os_str());
            names.push(stem.to_string_lossy().into_owned());
        }
        Ok(Symbols {
            names,
            data,
            series,
        })
    }
}
