//! The input of a sweep: high, low and close of one or many symbols over the same bars.

use std::borrow::Cow;

use ndarray::ArrayRef2;

use crate::error::{Error, Result};

/// High, low and close prices of one or many symbols, all covering the same bars.
///
/// The series are borrowed where they already are contiguous slices (a column-major array, or
/// slices passed per symbol) and copied once otherwise (a row-major array's columns), so the
/// workers of a sweep always read contiguous memory. NaN is a valid price (a missing bar).
///
/// # Example
/// ```
/// use ndarray::{array, ShapeBuilder};
/// use ta_sweep::Prices;
///
/// // bars x symbols: 3 bars of 2 symbols.
/// let high = array![[10.0, 20.0], [11.0, 21.0], [12.0, 22.0]];
/// let low = array![[9.0, 19.0], [10.0, 20.0], [11.0, 21.0]];
/// let close = array![[9.5, 19.5], [10.5, 20.5], [11.5, 21.5]];
/// let prices = Prices::from_arrays(&high, &low, &close)?;
/// assert_eq!((prices.bars(), prices.symbols()), (3, 2));
///
/// // One series on its own.
/// let single = Prices::single(&[10.0, 11.0], &[9.0, 10.0], &[9.5, 10.5])?;
/// assert_eq!(single.symbols(), 1);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Prices<'a> {
    bars: usize,
    symbols: Vec<SymbolPrices<'a>>,
}

/// One symbol's three series, all `bars` long.
#[derive(Debug, Clone)]
pub(crate) struct SymbolPrices<'a> {
    pub(crate) high: Cow<'a, [f64]>,
    pub(crate) low: Cow<'a, [f64]>,
    pub(crate) close: Cow<'a, [f64]>,
}

impl<'a> Prices<'a> {
    /// Symbols as the columns of three (bars, symbols) arrays, in any memory layout.
    ///
    /// Views work too: `Prices::from_arrays(&high.view(), ...)`.
    ///
    /// # Errors
    /// [`Error::PriceShape`] if the three arrays do not have the same shape.
    pub fn from_arrays(
        high: &'a ArrayRef2<f64>,
        low: &'a ArrayRef2<f64>,
        close: &'a ArrayRef2<f64>,
    ) -> Result<Self> {
        if high.dim() != low.dim() || high.dim() != close.dim() {
            return Err(Error::PriceShape {
                high: high.dim(),
                low: low.dim(),
                close: close.dim(),
            });
        }
        let (bars, symbols) = high.dim();
        let column = |array: &'a ArrayRef2<f64>, symbol: usize| -> Cow<'a, [f64]> {
            let column = array.column(symbol);
            match column.to_slice() {
                Some(slice) => Cow::Borrowed(slice),
                None => Cow::Owned(column.to_vec()),
            }
        };
        let symbols = (0..symbols)
            .map(|s| SymbolPrices {
                high: column(high, s),
                low: column(low, s),
                close: column(close, s),
            })
            .collect();
        Ok(Prices { bars, symbols })
    }

    /// Symbols given one by one as `(high, low, close)` slices.
    ///
    /// # Errors
    /// [`Error::SymbolLength`] naming the first symbol whose series do not all have the length
    /// of symbol 0's `high`.
    ///
    /// # Example
    /// ```
    /// use ta_sweep::{Error, Prices};
    ///
    /// let a = ([10.0, 11.0], [9.0, 10.0], [9.5, 10.5]);
    /// let b = ([20.0, 21.0, 22.0], [19.0, 20.0, 21.0], [19.5, 20.5, 21.5]);
    /// let err = Prices::from_symbols([(&a.0[..], &a.1[..], &a.2[..]), (&b.0[..], &b.1[..], &b.2[..])])
    ///     .unwrap_err();
    /// assert_eq!(err, Error::SymbolLength { symbol: 1, high: 3, low: 3, close: 3, expected: 2 });
    /// ```
    pub fn from_symbols<I>(symbols: I) -> Result<Self>
    where
        I: IntoIterator<Item = (&'a [f64], &'a [f64], &'a [f64])>,
    {
        let mut bars = None;
        let mut out = Vec::new();
        for (symbol, (high, low, close)) in symbols.into_iter().enumerate() {
            let expected = *bars.get_or_insert(high.len());
            if high.len() != expected || low.len() != expected || close.len() != expected {
                return Err(Error::SymbolLength {
                    symbol,
                    high: high.len(),
                    low: low.len(),
                    close: close.len(),
                    expected,
                });
            }
            out.push(SymbolPrices {
                high: Cow::Borrowed(high),
                low: Cow::Borrowed(low),
                close: Cow::Borrowed(close),
            });
        }
        Ok(Prices {
            bars: bars.unwrap_or(0),
            symbols: out,
        })
    }

    /// A single symbol.
    ///
    /// # Errors
    /// [`Error::SymbolLength`] (for symbol 0) if the three series differ in length.
    pub fn single(high: &'a [f64], low: &'a [f64], close: &'a [f64]) -> Result<Self> {
        Prices::from_symbols([(high, low, close)])
    }

    /// The number of bars every symbol has.
    pub fn bars(&self) -> usize {
        self.bars
    }

    /// The number of symbols.
    pub fn symbols(&self) -> usize {
        self.symbols.len()
    }

    pub(crate) fn as_slice(&self) -> &[SymbolPrices<'a>] {
        &self.symbols
    }
}
