//! The column layout of a sweep: which parameters and which symbol every column holds, and
//! which contiguous range of the whole layout a shard of it computes.

use std::ops::Range;

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

/// The column layout of a sweep: a grid over some symbols, or a contiguous range of that
/// layout's columns (a shard, see [`Columns::with_range`]).
///
/// Columns are ordered by grid row, then symbol fastest: `column = row * symbols + symbol`.
/// For a product grid the first axis varies slowest, so the columns that share its work (the
/// ATR of one SuperTrend period, the fast average of a crossover) are adjacent.
///
/// Positions (`key`, `column`, `label`) count from the first column of the range, so they are
/// the column indices of the outputs of a sweep of that range; [`range`](Columns::range)
/// places them in the whole layout.
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
    /// The columns of the whole layout that this one holds.
    range: Range<usize>,
}

impl<P: Row> Columns<P> {
    /// The layout of `grid` over `symbols` symbols.
    ///
    /// # Errors
    /// [`Error::TooManyColumns`] if rows times symbols overflows `usize`.
    pub fn new(grid: Grid<P>, symbols: usize) -> Result<Self> {
        let combinations = grid.len();
        let len = combinations
            .checked_mul(symbols)
            .ok_or(Error::TooManyColumns {
                combinations,
                symbols,
            })?;
        Ok(Columns {
            grid,
            symbols,
            range: 0..len,
        })
    }

    /// The columns `range` of the whole layout (a shard of it), positions counted from
    /// `range.start`.
    ///
    /// # Errors
    /// [`Error::InvalidColumnRange`] unless `range.start <= range.end <= ` the whole
    /// layout's [`whole_len`](Columns::whole_len).
    ///
    /// # Example
    /// ```
    /// use ta_sweep::{ColumnKey, Columns, Grid};
    ///
    /// let grid = Grid::axis(&["window"], &[5, 10, 20])?;
    /// let whole = Columns::new(grid, 2)?; // 6 columns
    /// let shard = whole.clone().with_range(3..5)?;
    /// assert_eq!(shard.len(), 2);
    /// assert_eq!(shard.key(0), whole.key(3));
    /// assert_eq!(shard.column(ColumnKey::new(20, 0)), Some(1));
    /// assert_eq!(shard.column(ColumnKey::new(5, 0)), None); // not in the shard
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn with_range(self, range: Range<usize>) -> Result<Self> {
        let columns = self.whole_len();
        if range.start > range.end || range.end > columns {
            return Err(Error::InvalidColumnRange {
                start: range.start,
                end: range.end,
                columns,
            });
        }
        Ok(Columns { range, ..self })
    }

    /// The columns of the whole layout this one holds: `0..whole_len()` unless it is a
    /// [range](Columns::with_range) of it.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// The number of columns of the whole layout: grid rows times symbols.
    pub fn whole_len(&self) -> usize {
        // Checked in `new`.
        self.grid.len() * self.symbols
    }

    /// The parameter grid.
    pub fn grid(&self) -> &Grid<P> {
        &self.grid
    }

    /// The number of symbols.
    pub fn symbols(&self) -> usize {
        self.symbols
    }

    /// The number of columns: rows times symbols, or the length of the range.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// `true` if there are no columns (zero symbols, or an empty range).
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The key of a column, or `None` if `column >= self.len()`.
    pub fn key(&self, column: usize) -> Option<ColumnKey<P>> {
        if column >= self.len() {
            return None;
        }
        self.whole_key(self.range.start + column)
    }

    /// The key of column `column` of the whole layout, in the range or not.
    pub(crate) fn whole_key(&self, column: usize) -> Option<ColumnKey<P>> {
        if self.symbols == 0 {
            return None;
        }
        let params = self.grid.get(column / self.symbols)?;
        Some(ColumnKey {
            params,
            symbol: column % self.symbols,
        })
    }

    /// The column holding a key, or `None` if the grid, the symbols or the range do not
    /// contain it.
    pub fn column(&self, key: ColumnKey<P>) -> Option<usize> {
        if key.symbol >= self.symbols {
            return None;
        }
        let row = self.grid.position(&key.params)?;
        let whole = row * self.symbols + key.symbol;
        self.range
            .contains(&whole)
            .then(|| whole - self.range.start)
    }

    /// The label of a column: the grid row's label and `_c{symbol}`, as `p7_m3_c0` or
    /// `fast5_slow20_c1`.
    pub fn label(&self, column: usize) -> Option<String> {
        if column >= self.len() {
            return None;
        }
        let whole = self.range.start + column;
        let row = self.grid.label(whole / self.symbols)?;
        Some(format!("{row}_c{}", whole % self.symbols))
    }

    /// Every key, in column order.
    pub fn keys(&self) -> impl Iterator<Item = ColumnKey<P>> + '_ {
        self.range
            .clone()
            .map(|column| self.whole_key(column).expect("the range is in the layout"))
    }
}

/// The columns of shard `index` of `count` of a layout of `columns` columns: contiguous
/// ranges that cover `0..columns` in order, their lengths differing by at most one, so that
/// the shards' outputs, concatenated in order, are the whole run's.
///
/// Pass the range to [`Sweep::column_range`](crate::Sweep::column_range) or
/// [`Backtest::column_range`](crate::Backtest::column_range), on any machine or scheduler:
/// a shard's columns are the same bits as those columns of the whole run.
///
/// # Errors
/// [`Error::InvalidShard`] if `count == 0` or `index >= count`.
///
/// # Example
/// ```
/// use ta_sweep::shard;
///
/// assert_eq!(shard(10, 0, 3)?, 0..3);
/// assert_eq!(shard(10, 1, 3)?, 3..6);
/// assert_eq!(shard(10, 2, 3)?, 6..10);
/// assert!(shard(10, 3, 3).is_err());
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn shard(columns: usize, index: usize, count: usize) -> Result<Range<usize>> {
    if index >= count {
        return Err(Error::InvalidShard { index, count });
    }
    // In u128, so that `columns * index` cannot overflow.
    let bound = |i: usize| (columns as u128 * i as u128 / count as u128) as usize;
    Ok(bound(index)..bound(index + 1))
}
