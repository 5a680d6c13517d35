//! Parameter grids for any indicator: the product of several axes, explicit tuples, the
//! combinations of one axis, and a condition filter over any of them.
//!
//! A grid is a list of parameter rows of one type `P` (a number, or a tuple of numbers, one per
//! axis), in column order, with a name per axis for the columns' labels. Product and
//! combination grids are not materialised: their rows are computed from the index, so a grid of
//! a billion combinations takes the memory of its axes, and what a sweep over it would allocate
//! is for the sweep's memory guard to judge.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};

/// The most axes (values per row) a grid holds.
pub const MAX_AXES: usize = 8;

/// One parameter value, as labels print it and lookups compare it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer (windows, periods).
    UInt(u64),
    /// A real number (multipliers, levels).
    Float(f64),
}

impl Value {
    /// The bits under which two values are the same parameter: equal integers, or floats
    /// that compare `==` (so `0.0` and `-0.0` are one value; NaN only equals its own bits).
    fn key(self) -> u64 {
        match self {
            Value::Int(i) => i as u64,
            Value::UInt(u) => u,
            // `0.0` and `-0.0` alike.
            Value::Float(0.0) => 0,
            Value::Float(f) => f.to_bits(),
        }
    }
}

impl fmt::Display for Value {
    /// Integers as they are; floats in Rust's shortest round-trip form (`3` for 3.0, `2.1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::UInt(u) => write!(f, "{u}"),
            Value::Float(x) => write!(f, "{x}"),
        }
    }
}

/// The parameters of one column: a number, or a tuple of them (one per axis, tuples nest).
///
/// Implemented for `usize`, `u32`, `u64`, `i32`, `i64`, `f64` and for tuples of up to four
/// rows; implement it for a struct of your own to give your indicator named parameters.
pub trait Row: Copy + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// The number of values (axes) of a row.
    const WIDTH: usize;

    /// Calls `visit` with each value, in axis order.
    fn visit(&self, visit: &mut dyn FnMut(Value));
}

macro_rules! scalar_row {
    ($($t:ty => $variant:ident as $cast:ty),*) => {$(
        impl Row for $t {
            const WIDTH: usize = 1;

            #[inline]
            fn visit(&self, visit: &mut dyn FnMut(Value)) {
                visit(Value::$variant(*self as $cast));
            }
        }
    )*};
}

scalar_row!(
    usize => UInt as u64,
    u32 => UInt as u64,
    u64 => UInt as u64,
    i32 => Int as i64,
    i64 => Int as i64,
    f64 => Float as f64
);

macro_rules! tuple_row {
    ($($name:ident : $index:tt),*) => {
        impl<$($name: Row),*> Row for ($($name,)*) {
            const WIDTH: usize = 0 $(+ $name::WIDTH)*;

            #[inline]
            fn visit(&self, visit: &mut dyn FnMut(Value)) {
                $(self.$index.visit(visit);)*
            }
        }
    };
}

tuple_row!(A: 0, B: 1);
tuple_row!(A: 0, B: 1, C: 2);
tuple_row!(A: 0, B: 1, C: 2, D: 3);

/// A row's identity: the keys of its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct RowKey([u64; MAX_AXES]);

fn row_key<P: Row>(row: &P) -> RowKey {
    let mut key = [0u64; MAX_AXES];
    let mut k = 0;
    row.visit(&mut |v| {
        if k < MAX_AXES {
            key[k] = v.key();
        }
        k += 1;
    });
    RowKey(key)
}

use self::sealed::Rows;

/// Explicit rows.
struct Tuples<P>(Vec<P>);

impl<P: Row> Rows<P> for Tuples<P> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, index: usize) -> P {
        self.0[index]
    }

    fn position(&self, _row: &P) -> Option<Option<usize>> {
        None
    }
}

/// The position of `value` on an axis (values compare with `==`).
fn axis_position<T: PartialEq>(axis: &[T], value: &T) -> Option<usize> {
    axis.iter().position(|x| x == value)
}

/// Every pair `(values[i], values[j])` with `i < j`, in `itertools.combinations` order: first
/// index outer.
struct Pairs<T> {
    values: Vec<T>,
    /// `starts[i]`: the index of the first row whose first value is `values[i]`.
    starts: Vec<usize>,
}

impl<T: Row> Rows<(T, T)> for Pairs<T> {
    fn len(&self) -> usize {
        let n = self.values.len();
        n * (n - 1) / 2
    }

    fn get(&self, index: usize) -> (T, T) {
        // The last first index whose rows start at or before `index`.
        let i = self.starts.partition_point(|&s| s <= index) - 1;
        let j = i + 1 + (index - self.starts[i]);
        (self.values[i], self.values[j])
    }

    fn position(&self, row: &(T, T)) -> Option<Option<usize>> {
        let i = axis_position(&self.values, &row.0);
        let j = axis_position(&self.values, &row.1);
        Some(match (i, j) {
            (Some(i), Some(j)) if i < j => Some(self.starts[i] + (j - i - 1)),
            _ => None,
        })
    }
}

macro_rules! product_rows {
    ($product:ident; $($name:ident : $index:tt),*) => {
        struct $product<$($name),*>($(Vec<$name>),*);

        impl<$($name: Row),*> Rows<($($name,)*)> for $product<$($name),*> {
            fn len(&self) -> usize {
                1 $(* self.$index.len())*
            }

            fn get(&self, index: usize) -> ($($name,)*) {
                // The last axis varies fastest.
                let mut rest = index;
                let mut positions = [0usize; 4];
                let lens = [$(self.$index.len()),*];
                for k in (0..lens.len()).rev() {
                    positions[k] = rest % lens[k];
                    rest /= lens[k];
                }
                ($(self.$index[positions[$index]],)*)
            }

            fn position(&self, row: &($($name,)*)) -> Option<Option<usize>> {
                let mut index = 0usize;
                $(
                    let Some(p) = axis_position(&self.$index, &row.$index) else {
                        return Some(None);
                    };
                    index = index * self.$index.len() + p;
                )*
                Some(Some(index))
            }
        }

        impl<$($name: Row),*> Axes for ($(&[$name],)*) {}

        impl<$($name: Row),*> sealed::AxesRows for ($(&[$name],)*) {
            type Row = ($($name,)*);

            fn into_rows(self, names: &[String]) -> Result<Arc<dyn Rows<Self::Row>>> {
                let lens = [$(self.$index.len()),*];
                if lens.contains(&0) {
                    return Err(Error::EmptyGrid);
                }
                // The first value of every axis, to label a repeated value's first row.
                let first = ($(self.$index[0],)*);
                $(
                    if let Some(k) = first_repeat(self.$index) {
                        let mut row = first;
                        row.$index = self.$index[k];
                        return Err(Error::DuplicateParams { params: label_of(names, &row) });
                    }
                )*
                lens.iter().try_fold(1usize, |n, &len| n.checked_mul(len)).ok_or(
                    Error::TooManyColumns {
                        combinations: lens.iter().fold(1usize, |n, &len| n.saturating_mul(len)),
                        symbols: 1,
                    },
                )?;
                Ok(Arc::new($product($(self.$index.to_vec()),*)))
            }
        }
    };
}

/// Axes of a product grid: a tuple of two to four slices, one per axis (sealed).
pub trait Axes: sealed::AxesRows {}

mod sealed {
    use super::{Arc, Result, Row};

    /// Where a grid's rows come from.
    pub trait Rows<P>: Send + Sync {
        fn len(&self) -> usize;
        fn get(&self, index: usize) -> P;
        /// The index of `row`, where the rows can say it without an index of every row.
        fn position(&self, row: &P) -> Option<Option<usize>>;
    }

    /// What a product's axes make: its rows.
    pub trait AxesRows {
        /// The row type: a tuple of the axes' value types.
        type Row: Row;

        fn into_rows(self, names: &[String]) -> Result<Arc<dyn Rows<Self::Row>>>;
    }
}

product_rows!(Product2; A: 0, B: 1);
product_rows!(Product3; A: 0, B: 1, C: 2);
product_rows!(Product4; A: 0, B: 1, C: 2, D: 3);

/// The index of the first value equal to an earlier one (by [`Row`] identity), in linear time.
fn first_repeat<P: Row>(values: &[P]) -> Option<usize> {
    let mut seen = std::collections::HashSet::with_capacity(values.len());
    values.iter().position(|v| !seen.insert(row_key(v)))
}

/// `name0value0_name1value1...`: a row's label.
fn label_of<P: Row>(names: &[String], row: &P) -> String {
    let mut label = String::new();
    let mut k = 0;
    row.visit(&mut |v| {
        if k > 0 {
            label.push('_');
        }
        label.push_str(names.get(k).map_or("", String::as_str));
        label.push_str(&v.to_string());
        k += 1;
    });
    label
}

/// The parameter combinations of a sweep, in column order, with a name per axis.
///
/// Build one as the product of several axes (first axis slowest), from explicit tuples, or as
/// the combinations of one axis (vectorbt's `run_combs(r=2)`), and narrow any of them with
/// [`filter`](Grid::filter). No row may appear twice, so every column of a sweep has one key.
/// Whether a value is a valid parameter (a period of 0) is for the indicator to say, when a
/// sweep starts.
///
/// Each row's label joins every axis name with its value: `p7_m3` for SuperTrend's
/// (period, multiplier) with axes named `p` and `m`, `fast5_slow20` for a crossover's.
///
/// Grids are cheap to clone: clones share their rows.
///
/// # Example
/// ```
/// use ta_sweep::Grid;
///
/// let product = Grid::product(&["p", "m"], (&[7, 10][..], &[2.0, 3.0][..]))?;
/// assert_eq!(product.get(1), Some((7, 3.0)));
/// assert_eq!(product.label(2).unwrap(), "p10_m2");
///
/// let windows: Vec<usize> = (2..=100).collect();
/// let pairs = Grid::combinations(&["fast", "slow"], &windows)?;
/// assert_eq!(pairs.len(), 4851);
/// assert_eq!(pairs.get(98), Some((3, 4)));
/// assert_eq!(pairs.position(&(3, 4)), Some(98));
///
/// let wide = pairs.filter(|&(fast, slow)| slow >= 2 * fast)?;
/// assert_eq!(wide.get(0), Some((2, 4)));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub struct Grid<P> {
    names: Arc<[String]>,
    rows: Arc<dyn Rows<P>>,
    index: Arc<OnceLock<HashMap<RowKey, usize>>>,
}

impl<P> Clone for Grid<P> {
    fn clone(&self) -> Self {
        Grid {
            names: Arc::clone(&self.names),
            rows: Arc::clone(&self.rows),
            index: Arc::clone(&self.index),
        }
    }
}

impl<P: Row> fmt::Debug for Grid<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 4;
        let first: Vec<P> = self.iter().take(SHOWN).collect();
        f.debug_struct("Grid")
            .field("names", &self.names)
            .field("len", &self.len())
            .field("first", &first)
            .finish()
    }
}

impl<P: Row> PartialEq for Grid<P> {
    fn eq(&self, other: &Self) -> bool {
        self.names == other.names
            && self.len() == other.len()
            && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl<P: Row> Grid<P> {
    fn with_rows(
        names: &[&str],
        rows: impl FnOnce(&[String]) -> Result<Arc<dyn Rows<P>>>,
    ) -> Result<Self> {
        if P::WIDTH > MAX_AXES {
            return Err(Error::TooManyAxes {
                axes: P::WIDTH,
                max: MAX_AXES,
            });
        }
        if names.len() != P::WIDTH {
            return Err(Error::AxisNames {
                expected: P::WIDTH,
                actual: names.len(),
            });
        }
        let names: Vec<String> = names.iter().map(|&n| n.to_owned()).collect();
        let rows = rows(&names)?;
        if rows.len() == 0 {
            return Err(Error::EmptyGrid);
        }
        Ok(Grid {
            names: names.into(),
            rows,
            index: Arc::default(),
        })
    }

    /// One axis: every value of `values`, in order.
    ///
    /// # Errors
    /// - [`Error::EmptyGrid`] if `values` is empty.
    /// - [`Error::DuplicateParams`] if a value appears twice.
    /// - [`Error::AxisNames`] unless `names` has one name per value of a row.
    pub fn axis(names: &[&str], values: &[P]) -> Result<Self> {
        Self::tuples(names, values)
    }

    /// Explicit rows, in the given order.
    ///
    /// Columns that share work (SuperTrend's period, a crossover's fast window) share it when
    /// they are adjacent, so listing rows grouped that way is faster; the results are the same
    /// either way.
    ///
    /// # Errors
    /// - [`Error::EmptyGrid`] if `rows` is empty.
    /// - [`Error::DuplicateParams`] if a row appears twice.
    /// - [`Error::AxisNames`] unless `names` has one name per value of a row.
    /// - [`Error::TooManyAxes`] if a row has more than [`MAX_AXES`] values.
    pub fn tuples(names: &[&str], rows: &[P]) -> Result<Self> {
        Self::with_rows(names, |names| {
            if let Some(k) = first_repeat(rows) {
                return Err(Error::DuplicateParams {
                    params: label_of(names, &rows[k]),
                });
            }
            Ok(Arc::new(Tuples(rows.to_vec())))
        })
    }

    /// The product of two to four axes, given as a tuple of slices: every combination, the
    /// first axis slowest and the last fastest.
    ///
    /// # Errors
    /// - [`Error::EmptyGrid`] if an axis is empty.
    /// - [`Error::DuplicateParams`] if an axis lists a value twice (labelled with the first
    ///   values of the other axes).
    /// - [`Error::AxisNames`] unless `names` has one name per axis.
    /// - [`Error::TooManyColumns`] if the number of combinations overflows `usize`.
    ///
    /// # Example
    /// ```
    /// use ta_sweep::Grid;
    ///
    /// let grid = Grid::product(&["a", "b", "c"], (&[1, 2][..], &[0.5][..], &[10u32, 20][..]))?;
    /// assert_eq!(grid.iter().collect::<Vec<_>>(), [(1, 0.5, 10), (1, 0.5, 20), (2, 0.5, 10), (2, 0.5, 20)]);
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn product<A: Axes + sealed::AxesRows<Row = P>>(names: &[&str], axes: A) -> Result<Self> {
        Self::with_rows(names, |names| axes.into_rows(names))
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Always `false`: an empty grid cannot be constructed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row at `index`, in column order.
    pub fn get(&self, index: usize) -> Option<P> {
        (index < self.len()).then(|| self.rows.get(index))
    }

    /// Every row, in column order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = P> + '_ {
        (0..self.len()).map(|i| self.rows.get(i))
    }

    /// The axis names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The index of `row` (floats compare with `==`), or `None` if the grid does not hold it.
    ///
    /// Product and combination grids compute it from the axes; explicit rows are indexed on
    /// the first lookup.
    pub fn position(&self, row: &P) -> Option<usize> {
        if let Some(position) = self.rows.position(row) {
            return position;
        }
        let index = self.index.get_or_init(|| {
            self.iter()
                .enumerate()
                .map(|(i, r)| (row_key(&r), i))
                .collect()
        });
        let i = *index.get(&row_key(row))?;
        // Keys equal exactly when the values compare equal, but for NaN: check.
        (self.rows.get(i) == *row).then_some(i)
    }

    /// The label of the row at `index`: each axis name followed by its value, joined by `_`
    /// (`p7_m3`, `fast5_slow20`).
    pub fn label(&self, index: usize) -> Option<String> {
        Some(label_of(&self.names, &self.get(index)?))
    }

    /// The rows for which `keep` is true, in order, as explicit rows (vectorbt's
    /// `param_product` with a condition).
    ///
    /// # Errors
    /// [`Error::EmptyGrid`] if no row is kept.
    pub fn filter(&self, keep: impl Fn(&P) -> bool) -> Result<Self> {
        let rows: Vec<P> = self.iter().filter(|row| keep(row)).collect();
        if rows.is_empty() {
            return Err(Error::EmptyGrid);
        }
        Ok(Grid {
            names: Arc::clone(&self.names),
            rows: Arc::new(Tuples(rows)),
            index: Arc::default(),
        })
    }
}

impl<T: Row> Grid<(T, T)> {
    /// Every pair of distinct values of one axis, `values[i]` before `values[j]` for
    /// `i < j`, in `itertools.combinations(values, 2)` order (vectorbt's `run_combs(r=2)`):
    /// with ascending windows, every (fast, slow) pair with fast < slow, fast outer.
    ///
    /// # Errors
    /// - [`Error::TooFewValues`] with fewer than two values.
    /// - [`Error::DuplicateParams`] if a value appears twice.
    /// - [`Error::AxisNames`] unless `names` has one name per value of a row.
    ///
    /// # Example
    /// ```
    /// use ta_sweep::Grid;
    ///
    /// let grid = Grid::combinations(&["fast", "slow"], &[2, 3, 5])?;
    /// assert_eq!(grid.iter().collect::<Vec<_>>(), [(2, 3), (2, 5), (3, 5)]);
    /// assert!(Grid::combinations(&["fast", "slow"], &[2]).is_err());
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn combinations(names: &[&str], values: &[T]) -> Result<Self> {
        Self::with_rows(names, |names| {
            if values.len() < 2 {
                return Err(Error::TooFewValues {
                    values: values.len(),
                    needed: 2,
                });
            }
            if let Some(k) = first_repeat(values) {
                let first = if k == 0 { values[1] } else { values[0] };
                return Err(Error::DuplicateParams {
                    params: label_of(names, &(first, values[k])),
                });
            }
            let n = values.len();
            let mut starts = Vec::with_capacity(n - 1);
            let mut start = 0usize;
            for i in 0..n - 1 {
                starts.push(start);
                start += n - 1 - i;
            }
            Ok(Arc::new(Pairs {
                values: values.to_vec(),
                starts,
            }))
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_rows_and_positions_agree() {
        let grid = Grid::product(
            &["a", "b", "c"],
            (&[3, 1, 2][..], &[0.5, -1.0][..], &[7u32][..]),
        )
        .unwrap();
        assert_eq!(grid.len(), 6);
        for (i, row) in grid.iter().enumerate() {
            assert_eq!(grid.position(&row), Some(i));
        }
        assert_eq!(grid.get(3), Some((1, -1.0, 7)));
        assert_eq!(grid.position(&(1, 0.25, 7)), None);
        assert_eq!(grid.get(6), None);
        assert_eq!(grid.label(3).unwrap(), "a1_b-1_c7");
    }

    #[test]
    fn combinations_follow_itertools_order() {
        let values: Vec<usize> = (2..=9).collect();
        let grid = Grid::combinations(&["fast", "slow"], &values).unwrap();
        let mut expected = Vec::new();
        for i in 0..values.len() {
            for j in i + 1..values.len() {
                expected.push((values[i], values[j]));
            }
        }
        assert_eq!(grid.iter().collect::<Vec<_>>(), expected);
        for (k, row) in expected.iter().enumerate() {
            assert_eq!(grid.position(row), Some(k));
        }
        assert_eq!(grid.position(&(5, 3)), None);
        assert_eq!(grid.position(&(5, 5)), None);
    }

    #[test]
    fn tuples_are_indexed_on_lookup_with_signed_zeros_equal() {
        let grid = Grid::tuples(&["p", "m"], &[(7, 3.0), (5, 0.0), (7, 2.0)]).unwrap();
        assert_eq!(grid.position(&(5, -0.0)), Some(1));
        assert_eq!(grid.position(&(7, 2.0)), Some(2));
        assert_eq!(grid.position(&(7, 2.5)), None);
        assert_eq!(
            Grid::tuples(&["p", "m"], &[(5, 0.0), (5, -0.0)]).unwrap_err(),
            Error::DuplicateParams {
                params: "p5_m-0".into()
            }
        );
    }

    #[test]
    fn nested_rows_flatten_into_their_values() {
        let grid = Grid::tuples(&["p", "m", "w"], &[((7usize, 3.0), 20usize)]).unwrap();
        assert_eq!(grid.label(0).unwrap(), "p7_m3_w20");
        assert_eq!(<((usize, f64), usize)>::WIDTH, 3);
    }
}
