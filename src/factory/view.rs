//! One column's outputs as a reduction sees them.

use std::fmt;

use super::indicator::MAX_OUTPUTS;
use crate::columns::ColumnKey;
use crate::schema::{Element, OutputRef, OutputSpec};

/// One column's selected outputs, as a [`Sweep::reduce`](crate::Sweep::reduce) closure sees
/// them: slices of one value per bar.
#[derive(Clone, Copy)]
pub struct ColumnView<'a, P> {
    /// What the column holds.
    pub key: ColumnKey<P>,
    /// The column's index in the sweep: in the whole layout, also when the sweep computes a
    /// [column range](crate::Sweep::column_range) of it.
    pub column: usize,
    schema: &'a [OutputSpec],
    values: [Option<OutputRef<'a>>; MAX_OUTPUTS],
}

impl<'a, P> ColumnView<'a, P> {
    pub(super) fn new(
        key: ColumnKey<P>,
        column: usize,
        schema: &'a [OutputSpec],
        values: [Option<OutputRef<'a>>; MAX_OUTPUTS],
    ) -> Self {
        ColumnView {
            key,
            column,
            schema,
            values,
        }
    }

    /// Output `name`, if it is selected and of type `T`.
    pub fn get<T: Element>(&self, name: &str) -> Option<&'a [T]> {
        let index = self.schema.iter().position(|spec| spec.name() == name)?;
        self.get_at(index)
    }

    /// Output `index` (its position in the schema), if it is selected and of type `T`.
    #[inline]
    pub fn get_at<T: Element>(&self, index: usize) -> Option<&'a [T]> {
        T::slice((*self.values.get(index)?)?)
    }
}

impl<P: fmt::Debug> fmt::Debug for ColumnView<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let selected: Vec<&str> = self
            .schema
            .iter()
            .enumerate()
            .filter(|&(k, _)| self.values[k].is_some())
            .map(|(_, spec)| spec.name())
            .collect();
        f.debug_struct("ColumnView")
            .field("key", &self.key)
            .field("column", &self.column)
            .field("outputs", &selected)
            .finish()
    }
}
