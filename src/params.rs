//! Validated SuperTrend parameters.

use crate::error::{Error, Result};
use crate::kernel::variant::Variant;

/// A validated (period, multiplier) pair for one SuperTrend series.
///
/// Construct it with [`SuperTrendParams::new`]; once it exists, every kernel that takes it is
/// infallible with respect to the parameters.
///
/// # Example
/// ```
/// use ta_sweep::SuperTrendParams;
///
/// let params = SuperTrendParams::new(7, 3.0)?;
/// assert_eq!(params.period(), 7);
/// assert_eq!(params.multiplier(), 3.0);
/// assert!(SuperTrendParams::new(0, 3.0).is_err());
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuperTrendParams {
    period: usize,
    multiplier: f64,
    variant: Variant,
}

impl SuperTrendParams {
    /// Checks and bundles an ATR period and a band multiplier.
    ///
    /// # Errors
    /// - [`Error::InvalidPeriod`] if `period` is 0.
    /// - [`Error::InvalidMultiplier`] if `multiplier` is NaN, infinite or negative. `0.0` (and
    ///   `-0.0`) are valid: the bands then collapse onto the bar's midpoint.
    pub fn new(period: usize, multiplier: f64) -> Result<Self> {
        validate_period(period)?;
        validate_multiplier(multiplier)?;
        Ok(Self::from_valid(period, multiplier))
    }

    /// The same parameters under another [definition](Variant) of SuperTrend (the default is
    /// [`Variant::Vectorbt`]).
    #[must_use]
    pub fn with_variant(mut self, variant: Variant) -> Self {
        self.variant = variant;
        self
    }

    /// For values that were validated as part of a grid.
    pub(crate) fn from_valid(period: usize, multiplier: f64) -> Self {
        debug_assert!(validate_period(period).is_ok() && validate_multiplier(multiplier).is_ok());
        SuperTrendParams {
            period,
            multiplier,
            variant: Variant::default(),
        }
    }

    /// The ATR period (at least 1).
    pub fn period(&self) -> usize {
        self.period
    }

    /// The band multiplier (finite and `>= 0`).
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// The definition of SuperTrend these parameters are for.
    pub fn variant(&self) -> Variant {
        self.variant
    }
}

/// Accepts every period of at least 1.
pub(crate) fn validate_period(period: usize) -> Result<()> {
    if period == 0 {
        return Err(Error::InvalidPeriod { period });
    }
    Ok(())
}

/// Accepts finite multipliers `>= 0` (so `-0.0` too, which compares equal to `0.0`).
pub(crate) fn validate_multiplier(multiplier: f64) -> Result<()> {
    if !(multiplier.is_finite() && multiplier >= 0.0) {
        return Err(Error::InvalidMultiplier { multiplier });
    }
    Ok(())
}

/// Exact, drift-free evenly spaced values: `numerator as f64 / denominator as f64` for every
/// numerator in the range.
///
/// Building a multiplier axis by repeated addition drifts (`2.0 + 0.1 + 0.1 + 0.1` is
/// `2.3000000000000003`) and so does `start + k * step` for some `k`; one division per value
/// gives the double nearest to each decimal, the same bits as `np.arange(20, 41) / 10` in the
/// reference workload.
///
/// # Example
/// ```
/// use ta_sweep::fraction_range;
///
/// let multipliers = fraction_range(20..=40, 10); // 2.0, 2.1, ..., 4.0
/// assert_eq!(multipliers.len(), 21);
/// assert_eq!(multipliers[3], 2.3);
/// assert_eq!(multipliers[14], 3.4);
/// ```
pub fn fraction_range(numerators: std::ops::RangeInclusive<u32>, denominator: u32) -> Vec<f64> {
    numerators
        .map(|k| f64::from(k) / f64::from(denominator))
        .collect()
}

/// The parameter combinations of a sweep, in column order.
///
/// Either the full product of a list of periods and a list of multipliers (periods outer,
/// multipliers inner), or an explicit list of (period, multiplier) pairs. Every parameter is
/// validated on construction, and no combination may appear twice, so that every output column
/// has exactly one key.
///
/// # Example
/// ```
/// use ta_sweep::{fraction_range, ParamGrid};
///
/// // The reference workload's grid: periods 4..=19 x multipliers 2.0..=4.0 step 0.1.
/// let grid = ParamGrid::product(&(4..=19).collect::<Vec<_>>(), &fraction_range(20..=40, 10))?;
/// assert_eq!(grid.len(), 336);
/// assert_eq!(grid.get(22), Some((5, 2.1)));
///
/// let pairs = ParamGrid::pairs(&[(10, 3.0), (7, 3.0), (10, 2.0)])?;
/// assert_eq!(pairs.get(1), Some((7, 3.0)));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ParamGrid {
    shape: GridShape,
    /// Every combination in column order (symbol excluded).
    combos: Vec<(usize, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
enum GridShape {
    Product {
        periods: Vec<usize>,
        multipliers: Vec<f64>,
    },
    Pairs,
}

impl ParamGrid {
    /// Every combination of `periods` (outer) and `multipliers` (inner).
    ///
    /// # Errors
    /// - [`Error::EmptyGrid`] if either list is empty.
    /// - [`Error::InvalidPeriod`] / [`Error::InvalidMultiplier`] for the first invalid value.
    /// - [`Error::DuplicateParams`] if a period or a multiplier appears twice.
    pub fn product(periods: &[usize], multipliers: &[f64]) -> Result<Self> {
        if periods.is_empty() || multipliers.is_empty() {
            return Err(Error::EmptyGrid);
        }
        periods.iter().try_for_each(|&p| validate_period(p))?;
        multipliers
            .iter()
            .try_for_each(|&m| validate_multiplier(m))?;
        if let Some(i) = first_repeat(periods, |&p| p) {
            return Err(Error::DuplicateParams {
                period: periods[i],
                multiplier: multipliers[0],
            });
        }
        if let Some(i) = first_repeat(multipliers, |&m| multiplier_key(m)) {
            return Err(Error::DuplicateParams {
                period: periods[0],
                multiplier: multipliers[i],
            });
        }
        let combos = periods
            .iter()
            .flat_map(|&p| multipliers.iter().map(move |&m| (p, m)))
            .collect();
        Ok(ParamGrid {
            shape: GridShape::Product {
                periods: periods.to_vec(),
                multipliers: multipliers.to_vec(),
            },
            combos,
        })
    }

    /// Explicit (period, multiplier) pairs, in the given order.
    ///
    /// Columns sharing a period share its ATR when they are adjacent, so listing pairs grouped
    /// by period is faster (the results are the same either way).
    ///
    /// # Errors
    /// - [`Error::EmptyGrid`] if `pairs` is empty.
    /// - [`Error::InvalidPeriod`] / [`Error::InvalidMultiplier`] for the first invalid value.
    /// - [`Error::DuplicateParams`] if a pair appears twice.
    pub fn pairs(pairs: &[(usize, f64)]) -> Result<Self> {
        if pairs.is_empty() {
            return Err(Error::EmptyGrid);
        }
        for &(p, m) in pairs {
            validate_period(p)?;
            validate_multiplier(m)?;
        }
        if let Some(i) = first_repeat(pairs, |&(p, m)| (p, multiplier_key(m))) {
            let (period, multiplier) = pairs[i];
            return Err(Error::DuplicateParams { period, multiplier });
        }
        Ok(ParamGrid {
            shape: GridShape::Pairs,
            combos: pairs.to_vec(),
        })
    }

    /// The reference ("tutorial") grid: periods 4..=19 and multipliers `k / 10` for
    /// k in 20..=40, 336 combinations.
    pub fn tutorial() -> Self {
        let periods: Vec<usize> = (4..=19).collect();
        ParamGrid::product(&periods, &fraction_range(20..=40, 10))
            .expect("the tutorial grid is valid")
    }

    /// The number of combinations.
    pub fn len(&self) -> usize {
        self.combos.len()
    }

    /// Always `false`: an empty grid cannot be constructed.
    pub fn is_empty(&self) -> bool {
        self.combos.is_empty()
    }

    /// The `index`-th combination as `(period, multiplier)`, in column order.
    pub fn get(&self, index: usize) -> Option<(usize, f64)> {
        self.combos.get(index).copied()
    }

    /// Every combination as `(period, multiplier)`, in column order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        self.combos.iter().copied()
    }

    /// Every combination as `(period, multiplier)`, in column order.
    pub fn as_slice(&self) -> &[(usize, f64)] {
        &self.combos
    }

    /// The position of a combination (multipliers compare with `==`).
    pub fn position(&self, period: usize, multiplier: f64) -> Option<usize> {
        match &self.shape {
            GridShape::Product {
                periods,
                multipliers,
            } => {
                let p = periods.iter().position(|&x| x == period)?;
                let m = multipliers.iter().position(|&x| x == multiplier)?;
                Some(p * multipliers.len() + m)
            }
            GridShape::Pairs => self
                .combos
                .iter()
                .position(|&(p, m)| p == period && m == multiplier),
        }
    }
}

/// Index of the first element equal to an earlier one, in linear time (optimisers generate
/// long lists). `key` must map equal elements, and only those, to equal keys.
fn first_repeat<T, K: std::hash::Hash + Eq>(items: &[T], key: impl Fn(&T) -> K) -> Option<usize> {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items.iter().position(|item| !seen.insert(key(item)))
}

/// A key under which two multipliers are equal exactly when they compare `==` (so `0.0` and
/// `-0.0` are one multiplier); NaN never gets here, it is rejected first.
fn multiplier_key(multiplier: f64) -> u64 {
    if multiplier == 0.0 {
        0
    } else {
        multiplier.to_bits()
    }
}

/// What one output column holds: its parameters and its symbol.
///
/// Its `Display` form is the column label `p{period}_m{multiplier}_c{symbol}`, with the
/// multiplier in Rust's shortest round-trip `{}` form (for example `p7_m3_c0`, `p6_m2.1_c1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnKey {
    /// The ATR period.
    pub period: usize,
    /// The band multiplier.
    pub multiplier: f64,
    /// The symbol's index in the input.
    pub symbol: usize,
}

impl std::fmt::Display for ColumnKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p{}_m{}_c{}", self.period, self.multiplier, self.symbol)
    }
}

/// The column layout of a sweep: which (period, multiplier, symbol) each column holds.
///
/// Columns are ordered period slowest, then multiplier, then symbol fastest:
/// `column = combo_index * symbols + symbol`, where `combo_index` is the position in the
/// [`ParamGrid`] (for a product grid, `p_idx * n_multipliers + m_idx`). So the columns of one
/// period are contiguous and share its ATR.
///
/// # Example
/// ```
/// use ta_sweep::{ColumnKey, ParamGrid, SweepColumns};
///
/// let columns = SweepColumns::new(ParamGrid::product(&[7, 10], &[2.0, 3.0])?, 2)?;
/// assert_eq!(columns.len(), 8);
/// let key = columns.key(5).unwrap();
/// assert_eq!(key, ColumnKey { period: 10, multiplier: 2.0, symbol: 1 });
/// assert_eq!(key.to_string(), "p10_m2_c1");
/// assert_eq!(columns.column(key), Some(5));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SweepColumns {
    grid: ParamGrid,
    symbols: usize,
}

impl SweepColumns {
    /// The layout of `grid` over `symbols` symbols.
    ///
    /// # Errors
    /// [`Error::TooManyColumns`] if combinations times symbols overflows `usize`.
    pub fn new(grid: ParamGrid, symbols: usize) -> Result<Self> {
        let combinations = grid.len();
        combinations
            .checked_mul(symbols)
            .ok_or(Error::TooManyColumns {
                combinations,
                symbols,
            })?;
        Ok(SweepColumns { grid, symbols })
    }

    /// The parameter grid.
    pub fn grid(&self) -> &ParamGrid {
        &self.grid
    }

    /// The number of symbols.
    pub fn symbols(&self) -> usize {
        self.symbols
    }

    /// The number of columns: combinations times symbols.
    pub fn len(&self) -> usize {
        // Checked in `new`.
        self.grid.len() * self.symbols
    }

    /// `true` if there are no columns (zero symbols).
    pub fn is_empty(&self) -> bool {
        self.symbols == 0
    }

    /// The key of a column, or `None` if `column >= self.len()`.
    pub fn key(&self, column: usize) -> Option<ColumnKey> {
        if self.symbols == 0 {
            return None;
        }
        let (period, multiplier) = self.grid.get(column / self.symbols)?;
        Some(ColumnKey {
            period,
            multiplier,
            symbol: column % self.symbols,
        })
    }

    /// The column holding a key, or `None` if the grid or the symbols do not contain it.
    pub fn column(&self, key: ColumnKey) -> Option<usize> {
        if key.symbol >= self.symbols {
            return None;
        }
        let combo = self.grid.position(key.period, key.multiplier)?;
        Some(combo * self.symbols + key.symbol)
    }

    /// Every key, in column order.
    pub fn keys(&self) -> impl Iterator<Item = ColumnKey> + '_ {
        let symbols = self.symbols;
        self.grid.iter().flat_map(move |(period, multiplier)| {
            (0..symbols).map(move |symbol| ColumnKey {
                period,
                multiplier,
                symbol,
            })
        })
    }
}
