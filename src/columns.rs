//! The column layout of a sweep: which parameters and which symbol every column holds.

use crate::error::{Error, Result};
use crate::grid::{Grid, Row};

/// What one column holds: its parameters and its symbol.
///
/// # Example
/// ```
/// use ta_sweep::ColumnKey;
///
/// let key = ColumnKey::new((10, 3.0), 1);
/// assert_eq!((key.params, key.symbol), ((10, 3.0), 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnKey<P> {
    /// The column's row of the grid.
    pub params: P,
    /// The symbol's index in the input.
    pub symbol: usize,
}

impl<P> ColumnKey<P> {
    /// The key of `params` on symbol `symbol`.
    pub fn new(params: P, symbol: usize) -> Self {
        ColumnKey { params, symbol }
    }
}

/// The column layout of a sweep: a grid over some symbols.
///
/// Columns are ordered by grid row, then symbol fastest: `column = row * symbols + symbol`.
/// For a product grid the first axis varies slowest, so the columns that share its work (the
/// ATR of one SuperTrend period, the fast average of a crossover) are adjacent.
///
/// # Example
/// ```
/// use ta_sweep::{ColumnKey, Columns, Grid};
///
/// let grid = Grid::product(&["p", "m"], (&[7, 10][..], &[2.0, 3.0][..]))?;
/// let columns = Columns::new(grid, 2)?;
/// assert_eq!(columns.len(), 8);
/// let key = columns.key(5).unwrap();
/// assert_eq!(key, ColumnKey::new((10, 2.0), 1));
/// assert_eq!(columns.label(5).unwrap(), "p10_m2_c1");
/// assert_eq!(columns.column(key), Some(5));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Columns<P: Row> {
    grid: Grid<P>,
    symbols: usize,
}

impl<P: Row> Columns<P> {
    /// The layout of `grid` over `symbols` symbols.
    ///
    /// # Errors
    /// [`Error::TooManyColumns`] if rows times symbols overflows `usize`.
    pub fn new(grid: Grid<P>, symbols: usize) -> Result<Self> {
        let combinations = grid.len();
        combinations
            .checked_mul(symbols)
            .ok_or(Error::TooManyColumns {
                combinations,
                symbols,
            })?;
        Ok(Columns { grid, symbols })
    }

    /// The parameter grid.
    pub fn grid(&self) -> &Grid<P> {
        &self.grid
    }

    /// The number of symbols.
    pub fn symbols(&self) -> usize {
        self.symbols
    }

    /// The number of columns: rows times symbols.
    pub fn len(&self) -> usize {
        // Checked in `new`.
        self.grid.len() * self.symbols
    }

    /// `true` if there are no columns (zero symbols).
    pub fn is_empty(&self) -> bool {
        self.symbols == 0
    }

    /// The key of a column, or `None` if `column >= self.len()`.
    pub fn key(&self, column: usize) -> Option<ColumnKey<P>> {
        if self.symbols == 0 {
            return None;
        }
        let params = self.grid.get(column / self.symbols)?;
        Some(ColumnKey {
            params,
            symbol: column % self.symbols,
        })
    }

    /// The column holding a key, or `None` if the grid or the symbols do not contain it.
    pub fn column(&self, key: ColumnKey<P>) -> Option<usize> {
        if key.symbol >= self.symbols {
            return None;
        }
        let row = self.grid.position(&key.params)?;
        Some(row * self.symbols + key.symbol)
    }

    /// The label of a column: the grid row's label and `_c{symbol}`, as `p7_m3_c0` or
    /// `fast5_slow20_c1`.
    pub fn label(&self, column: usize) -> Option<String> {
        if self.symbols == 0 {
            return None;
        }
        let row = self.grid.label(column / self.symbols)?;
        Some(format!("{row}_c{}", column % self.symbols))
    }

    /// Every key, in column order.
    pub fn keys(&self) -> impl Iterator<Item = ColumnKey<P>> + '_ {
        let symbols = self.symbols;
        self.grid
            .iter()
            .flat_map(move |params| (0..symbols).map(move |symbol| ColumnKey { params, symbol }))
    }
}
