//! What an indicator's outputs are: their names and element types, and the typed containers
//! (matrices, column slices) that hold them.
//!
//! An indicator declares its outputs as a schema, a list of [`OutputSpec`]s; everything that
//! stores outputs (a sweep's matrices, one column's slices, one bar of a streaming update) is
//! one of three element types, [`f64`], [`i8`] or [`bool`], and is reached through the
//! [`Element`] trait, so that typed access is checked once, against the schema, instead of
//! with a cast per value.

use std::borrow::Cow;
use std::fmt;

use ndarray::{Array2, ArrayRef2};

/// The element type of an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// `f64`: a value series, NaN where it has no value.
    F64,
    /// `i8`: a small integer series, such as a direction `+1` / `-1`.
    I8,
    /// `bool`: a flag series, such as a signal.
    Bool,
}

impl Dtype {
    /// The type's Rust name: `"f64"`, `"i8"` or `"bool"`.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F64 => "f64",
            Dtype::I8 => "i8",
            Dtype::Bool => "bool",
        }
    }

    /// Bytes one value takes.
    pub fn size(self) -> usize {
        match self {
            Dtype::F64 => 8,
            Dtype::I8 | Dtype::Bool => 1,
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One output of an indicator: its name, unique within the indicator, and its element type.
///
/// # Example
/// ```
/// use ta_sweep::{Dtype, OutputSpec};
///
/// let line = OutputSpec::f64("supert");
/// assert_eq!((line.name(), line.dtype()), ("supert", Dtype::F64));
/// assert_eq!(OutputSpec::new(format!("{}_ma", "fast"), Dtype::F64).name(), "fast_ma");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OutputSpec {
    name: Cow<'static, str>,
    dtype: Dtype,
    per_group: bool,
}

impl OutputSpec {
    /// An output called `name` of type `dtype`.
    pub fn new(name: impl Into<Cow<'static, str>>, dtype: Dtype) -> Self {
        OutputSpec {
            name: name.into(),
            dtype,
            per_group: false,
        }
    }

    /// An `f64` output.
    pub const fn f64(name: &'static str) -> Self {
        OutputSpec {
            name: Cow::Borrowed(name),
            dtype: Dtype::F64,
            per_group: false,
        }
    }

    /// An `i8` output.
    pub const fn i8(name: &'static str) -> Self {
        OutputSpec {
            name: Cow::Borrowed(name),
            dtype: Dtype::I8,
            per_group: false,
        }
    }

    /// A `bool` output.
    pub const fn bool(name: &'static str) -> Self {
        OutputSpec {
            name: Cow::Borrowed(name),
            dtype: Dtype::Bool,
            per_group: false,
        }
    }

    /// The output's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The output's element type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// The same output, declared the same for every column of a group: the indicator writes it
    /// once per group, in [`start_group`](crate::Indicator::start_group), and a reduction's
    /// columns share that one copy (a crossover's fast average).
    #[must_use]
    pub const fn per_group(mut self) -> Self {
        self.per_group = true;
        self
    }

    /// Whether the output is written once per group.
    pub fn is_per_group(&self) -> bool {
        self.per_group
    }
}

/// A whole output over a sweep: a (bars, columns) matrix of its element type.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputArray {
    /// An `f64` output.
    F64(Array2<f64>),
    /// An `i8` output.
    I8(Array2<i8>),
    /// A `bool` output.
    Bool(Array2<bool>),
}

impl OutputArray {
    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            OutputArray::F64(_) => Dtype::F64,
            OutputArray::I8(_) => Dtype::I8,
            OutputArray::Bool(_) => Dtype::Bool,
        }
    }

    /// The matrix's (bars, columns).
    pub fn dim(&self) -> (usize, usize) {
        match self {
            OutputArray::F64(a) => a.dim(),
            OutputArray::I8(a) => a.dim(),
            OutputArray::Bool(a) => a.dim(),
        }
    }
}

/// A caller's (bars, columns) matrix for one output, borrowed mutably.
#[derive(Debug)]
pub enum OutputArrayMut<'a> {
    /// An `f64` output.
    F64(&'a mut ArrayRef2<f64>),
    /// An `i8` output.
    I8(&'a mut ArrayRef2<i8>),
    /// A `bool` output.
    Bool(&'a mut ArrayRef2<bool>),
}

/// A borrowed column (or row) of one output.
#[derive(Debug, Clone, Copy)]
pub enum OutputRef<'a> {
    /// `f64` values.
    F64(&'a [f64]),
    /// `i8` values.
    I8(&'a [i8]),
    /// `bool` values.
    Bool(&'a [bool]),
}

/// A mutably borrowed column (or row) of one output.
#[derive(Debug)]
pub enum OutputMut<'a> {
    /// `f64` values.
    F64(&'a mut [f64]),
    /// `i8` values.
    I8(&'a mut [i8]),
    /// `bool` values.
    Bool(&'a mut [bool]),
}

impl OutputMut<'_> {
    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            OutputMut::F64(_) => Dtype::F64,
            OutputMut::I8(_) => Dtype::I8,
            OutputMut::Bool(_) => Dtype::Bool,
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            OutputMut::F64(s) => s.len(),
            OutputMut::I8(s) => s.len(),
            OutputMut::Bool(s) => s.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A shorter mutable borrow of the same values.
    pub fn reborrow(&mut self) -> OutputMut<'_> {
        match self {
            OutputMut::F64(s) => OutputMut::F64(s),
            OutputMut::I8(s) => OutputMut::I8(s),
            OutputMut::Bool(s) => OutputMut::Bool(s),
        }
    }

    /// The values, read-only.
    pub fn as_ref(&self) -> OutputRef<'_> {
        match self {
            OutputMut::F64(s) => OutputRef::F64(s),
            OutputMut::I8(s) => OutputRef::I8(s),
            OutputMut::Bool(s) => OutputRef::Bool(s),
        }
    }
}

/// An owned column (or row) of one output.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputVec {
    /// `f64` values.
    F64(Vec<f64>),
    /// `i8` values.
    I8(Vec<i8>),
    /// `bool` values.
    Bool(Vec<bool>),
}

impl OutputVec {
    /// `len` default values (0, 0, false) of type `dtype`.
    pub fn zeros(dtype: Dtype, len: usize) -> Self {
        match dtype {
            Dtype::F64 => OutputVec::F64(vec![0.0; len]),
            Dtype::I8 => OutputVec::I8(vec![0; len]),
            Dtype::Bool => OutputVec::Bool(vec![false; len]),
        }
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            OutputVec::F64(_) => Dtype::F64,
            OutputVec::I8(_) => Dtype::I8,
            OutputVec::Bool(_) => Dtype::Bool,
        }
    }

    /// The values, read-only.
    pub fn as_ref(&self) -> OutputRef<'_> {
        match self {
            OutputVec::F64(v) => OutputRef::F64(v),
            OutputVec::I8(v) => OutputRef::I8(v),
            OutputVec::Bool(v) => OutputRef::Bool(v),
        }
    }

    /// The values, mutably.
    pub fn as_mut(&mut self) -> OutputMut<'_> {
        match self {
            OutputVec::F64(v) => OutputMut::F64(v),
            OutputVec::I8(v) => OutputMut::I8(v),
            OutputVec::Bool(v) => OutputMut::Bool(v),
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for i8 {}
    impl Sealed for bool {}
}

/// An output element type: `f64`, `i8` or `bool` (sealed).
///
/// Typed accessors such as [`SweepOutput::get`](crate::SweepOutput::get) take it as a type
/// parameter and return `None` where the output has another type.
pub trait Element:
    sealed::Sealed + Copy + Default + PartialEq + fmt::Debug + Send + Sync + 'static
{
    /// The [`Dtype`] of this type.
    const DTYPE: Dtype;

    /// The matrix, if `array` holds this type.
    fn array(array: &OutputArray) -> Option<&Array2<Self>>;
    /// The matrix, if `array` holds this type.
    fn into_array(array: OutputArray) -> Option<Array2<Self>>;
    /// The matrix as an [`OutputArray`].
    fn wrap_array(array: Array2<Self>) -> OutputArray;
    /// The values, if `values` holds this type.
    fn slice(values: OutputRef<'_>) -> Option<&[Self]>;
    /// The values, if `values` holds this type.
    fn slice_mut(values: OutputMut<'_>) -> Option<&mut [Self]>;
    /// The values as an [`OutputMut`].
    fn wrap_mut(values: &mut [Self]) -> OutputMut<'_>;
    /// The matrix as an [`OutputArrayMut`].
    fn wrap_array_mut(array: &mut ArrayRef2<Self>) -> OutputArrayMut<'_>;
}

macro_rules! element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
            const DTYPE: Dtype = Dtype::$variant;

            #[inline]
            fn array(array: &OutputArray) -> Option<&Array2<Self>> {
                match array {
                    OutputArray::$variant(a) => Some(a),
                    _ => None,
                }
            }

            #[inline]
            fn into_array(array: OutputArray) -> Option<Array2<Self>> {
                match array {
                    OutputArray::$variant(a) => Some(a),
                    _ => None,
                }
            }

            #[inline]
            fn wrap_array(array: Array2<Self>) -> OutputArray {
                OutputArray::$variant(array)
            }

            #[inline]
            fn slice(values: OutputRef<'_>) -> Option<&[Self]> {
                match values {
                    OutputRef::$variant(s) => Some(s),
                    _ => None,
                }
            }

            #[inline]
            fn slice_mut(values: OutputMut<'_>) -> Option<&mut [Self]> {
                match values {
                    OutputMut::$variant(s) => Some(s),
                    _ => None,
                }
            }

            #[inline]
            fn wrap_mut(values: &mut [Self]) -> OutputMut<'_> {
                OutputMut::$variant(values)
            }

            #[inline]
            fn wrap_array_mut(array: &mut ArrayRef2<Self>) -> OutputArrayMut<'_> {
                OutputArrayMut::$variant(array)
            }
        }
    };
}

element!(f64, F64);
element!(i8, I8);
element!(bool, Bool);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_access_checks_the_element_type() {
        let array = OutputArray::I8(Array2::zeros((2, 3)));
        assert!(i8::array(&array).is_some());
        assert!(f64::array(&array).is_none());
        let mut values = [1.0, 2.0];
        let view = f64::wrap_mut(&mut values);
        assert_eq!(view.dtype(), Dtype::F64);
        assert!(bool::slice(view.as_ref()).is_none());
        assert_eq!(f64::slice_mut(view).unwrap(), &[1.0, 2.0]);
        assert_eq!(
            OutputVec::zeros(Dtype::Bool, 2),
            OutputVec::Bool(vec![false; 2])
        );
    }
}
