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
    /// Whether high and low were given; prices of closes alone have only the close.
    has_range: bool,
}

/// One symbol's series, all the same length: what an [`Indicator`](crate::Indicator) reads.
///
/// For prices built from closes alone ([`Prices::from_closes`]), `high` and `low` are the
/// close; the factory runs only indicators whose [`inputs`](crate::Indicator::inputs) are
/// [`Inputs::Close`] on them.
#[derive(Debug, Clone)]
pub struct SymbolPrices<'a> {
    pub(crate) high: Cow<'a, [f64]>,
    pub(crate) low: Cow<'a, [f64]>,
    pub(crate) close: Cow<'a, [f64]>,
}

impl SymbolPrices<'_> {
    /// The highs.
    pub fn high(&self) -> &[f64] {
        &self.high
    }

    /// The lows.
    pub fn low(&self) -> &[f64] {
        &self.low
    }

    /// The closes.
    pub fn close(&self) -> &[f64] {
        &self.close
    }

    /// The number of bars.
    pub fn bars(&self) -> usize {
        self.close.len()
    }
}

/// Which price series an indicator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Inputs {
    /// The close alone (moving averages).
    Close,
    /// High, low and close (the true range, SuperTrend).
    HighLowClose,
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
        Ok(Prices {
            bars,
            symbols,
            has_range: true,
        })
    }

    /// Symbols as the columns of one (bars, symbols) array of closes, for indicators that
    /// read only the close (moving averages, crossovers of them).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use ta_sweep::{Inputs, Prices};
    ///
    /// let close = array![[10.0, 20.0], [11.0, 21.0], [12.0, 22.0]];
    /// let prices = Prices::from_closes(&close);
    /// assert_eq!((prices.bars(), prices.symbols()), (3, 2));
    /// assert_eq!(prices.inputs(), Inputs::Close);
    /// ```
    pub fn from_closes(close: &'a ArrayRef2<f64>) -> Self {
        let (bars, symbols) = close.dim();
        let symbols = (0..symbols)
            .map(|s| {
                let column = close.column(s);
                let close: Cow<'a, [f64]> = match column.to_slice() {
                    Some(slice) => Cow::Borrowed(slice),
                    None => Cow::Owned(column.to_vec()),
                };
                SymbolPrices {
                    high: close.clone(),
                    low: close.clone(),
                    close,
                }
            })
            .collect();
        Prices {
            bars,
            symbols,
            has_range: false,
        }
    }

    /// Symbols given one by one as close series.
    ///
    /// # Errors
    /// [`Error::SymbolLength`] naming the first symbol whose closes do not have the length of
    /// symbol 0's.
    pub fn from_close_series<I>(closes: I) -> Result<Self>
    where
        I: IntoIterator<Item = &'a [f64]>,
    {
        let mut prices = Prices::from_symbols(closes.into_iter().map(|c| (c, c, c)))?;
        prices.has_range = false;
        Ok(prices)
    }

    /// Which series the prices have: [`Inputs::HighLowClose`], or [`Inputs::Close`] for
    /// prices built from closes alone.
    pub fn inputs(&self) -> Inputs {
        if self.has_range {
            Inputs::HighLowClose
        } else {
            Inputs::Close
        }
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
            has_range: true,
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

    /// Every symbol's series, in order.
    pub fn as_slice(&self) -> &[SymbolPrices<'a>] {
        &self.symbols
    }
}
