//! A selection of an indicator's outputs, by name, checked against its schema.

use std::fmt;

use super::indicator::MAX_OUTPUTS;
use crate::error::{Error, Result};
use crate::schema::{Dtype, OutputSpec};

/// Some of an indicator's outputs, by their positions in its schema.
///
/// A user who needs only SuperTrend's direction should not pay for three `f64` matrices:
/// selecting `superd` makes a sweep allocate and write one `i8` matrix.
///
/// # Example
/// ```
/// use ta_sweep::{Indicator, OutputSet, SuperTrend};
///
/// let schema = SuperTrend::default().outputs().to_vec();
/// let set = OutputSet::named(&schema, &["superd", "supert"])?;
/// assert_eq!(set.iter().collect::<Vec<_>>(), [0, 1]);
/// assert_eq!(set.bytes_per_bar(&schema), 9);
/// assert!(OutputSet::named(&schema, &["atr"]).is_err());
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutputSet(u16);

impl OutputSet {
    /// No output (a sweep then computes only what else is asked, such as final states).
    pub const NONE: OutputSet = OutputSet(0);

    /// Every output of `schema`.
    pub fn all(schema: &[OutputSpec]) -> Self {
        (0..schema.len().min(MAX_OUTPUTS)).collect()
    }

    /// The outputs of `schema` called `names`.
    ///
    /// # Errors
    /// - [`Error::UnknownOutput`] for a name the schema does not have.
    /// - [`Error::DuplicateOutput`] for a name given twice.
    pub fn named(schema: &[OutputSpec], names: &[&str]) -> Result<Self> {
        let mut set = OutputSet::NONE;
        for &name in names {
            let index = position(schema, name)?;
            if set.contains(index) {
                return Err(Error::DuplicateOutput {
                    name: name.to_owned(),
                });
            }
            set = set.with(index);
        }
        Ok(set)
    }

    /// This set and output `index`.
    #[must_use]
    pub fn with(self, index: usize) -> Self {
        debug_assert!(index < MAX_OUTPUTS);
        OutputSet(self.0 | (1 << index))
    }

    /// Whether output `index` is selected.
    pub fn contains(self, index: usize) -> bool {
        index < MAX_OUTPUTS && self.0 & (1 << index) != 0
    }

    /// Whether nothing is selected.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The selected positions, in schema order.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..MAX_OUTPUTS).filter(move |&k| self.contains(k))
    }

    /// Bytes one bar of one column takes over the selected outputs of `schema` (25 for all
    /// four of SuperTrend's).
    pub fn bytes_per_bar(self, schema: &[OutputSpec]) -> usize {
        self.iter()
            .filter_map(|k| schema.get(k))
            .map(|spec| spec.dtype().size())
            .sum()
    }
}

impl fmt::Debug for OutputSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<usize> for OutputSet {
    fn from_iter<I: IntoIterator<Item = usize>>(iter: I) -> Self {
        iter.into_iter().fold(OutputSet::NONE, OutputSet::with)
    }
}

/// The position of output `name` in `schema`.
///
/// # Errors
/// [`Error::UnknownOutput`] if the schema has no such output.
pub fn position(schema: &[OutputSpec], name: &str) -> Result<usize> {
    schema
        .iter()
        .position(|spec| spec.name() == name)
        .ok_or_else(|| Error::UnknownOutput {
            name: name.to_owned(),
            available: schema
                .iter()
                .map(OutputSpec::name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The position of output `name` in `schema`, checked to be of type `dtype`.
///
/// # Errors
/// - [`Error::UnknownOutput`] if the schema has no such output.
/// - [`Error::OutputType`] if it has another type.
pub fn typed_position(schema: &[OutputSpec], name: &str, dtype: Dtype) -> Result<usize> {
    let index = position(schema, name)?;
    let actual = schema[index].dtype();
    if actual != dtype {
        return Err(Error::OutputType {
            name: name.to_owned(),
            expected: dtype,
            actual,
        });
    }
    Ok(index)
}
