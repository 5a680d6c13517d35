//! Output memory of a sweep: its size and limit, fresh matrices, and caller buffers'
//! validation and splitting into columns.

use ndarray::{Array2, ArrayRef2, ShapeBuilder};

use super::huge_pages::advise_huge_pages;
use super::selection::position;
use crate::error::{Error, Result};
use crate::schema::{Element, OutputArray, OutputArrayMut, OutputMut, OutputSpec};

/// The memory limit where the machine's memory cannot be read.
const FALLBACK_MEMORY_LIMIT: u128 = 8 << 30;

/// Bytes a materialising sweep counts per column besides its outputs: a slot per output of
/// the schema for the column's slice (24 bytes each) and 32 for the rest (128 for SuperTrend's
/// four outputs, rounded up from the 90 measured). Over few bars they outweigh the outputs: a
/// sweep of millions of columns over zero bars has no output bytes, yet would exhaust memory
/// if the limit did not count them.
pub(super) fn bookkeeping_bytes(outputs: usize) -> u128 {
    32 + 24 * outputs as u128
}

/// `bars * columns * bytes_per_bar`, saturating instead of overflowing, so an absurd grid is
/// refused rather than wrapped into a small size.
pub(super) fn output_bytes(bars: usize, columns: u128, bytes_per_bar: usize) -> u128 {
    (bars as u128)
        .saturating_mul(columns)
        .saturating_mul(bytes_per_bar as u128)
}

/// The memory limit a sweep has unless [`Sweep::memory_limit`](crate::Sweep::memory_limit)
/// sets one: half the machine's physical memory where the OS tells it (Linux:
/// `/proc/meminfo`'s `MemTotal`), else 8 GiB.
///
/// Read on every call, never cached. Useful to callers that allocate the outputs of
/// [`Sweep::run_into`](crate::Sweep::run_into) themselves and want the same bound
/// [`Sweep::run`](crate::Sweep::run) applies to its own.
///
/// # Example
/// ```
/// let limit = ta_sweep::default_memory_limit();
/// assert!(limit > 0);
/// ```
pub fn default_memory_limit() -> u128 {
    physical_memory_bytes().map_or(FALLBACK_MEMORY_LIMIT, |bytes| bytes / 2)
}

#[cfg(target_os = "linux")]
fn physical_memory_bytes() -> Option<u128> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(not(target_os = "linux"))]
fn physical_memory_bytes() -> Option<u128> {
    None
}

/// A zeroed (bars, columns) matrix in the layout sweeps write: column-major, so every column is
/// one contiguous slice, and on huge pages where the OS offers them.
///
/// [`Sweep::run`](crate::Sweep::run) allocates its outputs this way; use it for the buffers of
/// [`Sweep::run_into`](crate::Sweep::run_into) too. A large zeroed allocation comes straight
/// from the OS with no page touched yet, and is advised onto huge pages (Linux
/// `madvise(MADV_HUGEPAGE)`), so the first writes, spread over the workers, fault it in with
/// 2 MiB pages instead of 4 KiB ones: several times faster for fresh outputs of hundreds of
/// megabytes.
///
/// # Panics
/// If `bars * columns * size_of::<T>()` overflows `isize`, like every `ndarray` constructor
/// (check [`Sweep::output_bytes`](crate::Sweep::output_bytes) first for sizes that come from
/// users).
///
/// # Example
/// ```
/// use ta_sweep::output_matrix;
///
/// let superd = output_matrix::<i8>(1000, 42);
/// assert_eq!(superd.dim(), (1000, 42));
/// assert!(superd.column(7).as_slice().is_some());
/// ```
pub fn output_matrix<T: Clone + Default>(bars: usize, columns: usize) -> Array2<T> {
    // `from_elem` with a zero value allocates zeroed memory (`calloc`) without touching it.
    let mut matrix = Array2::from_elem((bars, columns).f(), T::default());
    if let Some(memory) = matrix.as_slice_memory_order_mut() {
        advise_huge_pages(memory);
    }
    matrix
}

/// A fresh [`output_matrix`] of `spec`'s element type.
pub(super) fn fresh_array(spec: &OutputSpec, bars: usize, columns: usize) -> OutputArray {
    use crate::schema::Dtype;
    match spec.dtype() {
        Dtype::F64 => OutputArray::F64(output_matrix(bars, columns)),
        Dtype::I8 => OutputArray::I8(output_matrix(bars, columns)),
        Dtype::Bool => OutputArray::Bool(output_matrix(bars, columns)),
    }
}

/// The memory of a fresh matrix, in column-major order.
pub(super) fn array_memory(array: &mut OutputArray) -> OutputMut<'_> {
    let memory = match array {
        OutputArray::F64(a) => a.as_slice_memory_order_mut().map(OutputMut::F64),
        OutputArray::I8(a) => a.as_slice_memory_order_mut().map(OutputMut::I8),
        OutputArray::Bool(a) => a.as_slice_memory_order_mut().map(OutputMut::Bool),
    };
    memory.expect("an output matrix is contiguous")
}

/// Caller-owned output matrices for [`Sweep::run_into`](crate::Sweep::run_into): exactly the
/// outputs given are computed.
///
/// Each must have shape (bars, columns) and be column-major and contiguous, as
/// [`output_matrix`] and `Array2::zeros((bars, columns).f())` are. Views of such arrays work
/// too.
///
/// # Example
/// ```
/// use ndarray::{Array2, ShapeBuilder};
/// use ta_sweep::SweepBuffers;
///
/// let (mut line, mut direction) = (Array2::<f64>::zeros((3, 4).f()), Array2::<i8>::zeros((3, 4).f()));
/// let buffers = SweepBuffers::new().with("supert", &mut line).with("superd", &mut direction);
/// assert_eq!(buffers.len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct SweepBuffers<'b> {
    buffers: Vec<(&'b str, OutputArrayMut<'b>)>,
}

impl<'b> SweepBuffers<'b> {
    /// No buffer yet.
    pub fn new() -> Self {
        SweepBuffers::default()
    }

    /// These buffers and `buffer` for output `name`.
    #[must_use]
    pub fn with<T: Element>(mut self, name: &'b str, buffer: &'b mut ArrayRef2<T>) -> Self {
        self.buffers.push((name, T::wrap_array_mut(buffer)));
        self
    }

    /// The number of buffers.
    pub fn len(&self) -> usize {
        self.buffers.len()
    }

    /// Whether there is no buffer.
    pub fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }

    /// Every buffer's memory, by schema position, checked: names, types, shapes and layouts.
    pub(super) fn into_slots(
        self,
        schema: &[OutputSpec],
        shape: (usize, usize),
    ) -> Result<Vec<Option<OutputMut<'b>>>> {
        let mut slots: Vec<Option<OutputMut<'b>>> = (0..schema.len()).map(|_| None).collect();
        for (name, buffer) in self.buffers {
            let index = position(schema, name)?;
            let expected = schema[index].dtype();
            let memory = match buffer {
                OutputArrayMut::F64(b) => column_major(b, name, shape, expected)?,
                OutputArrayMut::I8(b) => column_major(b, name, shape, expected)?,
                OutputArrayMut::Bool(b) => column_major(b, name, shape, expected)?,
            };
            if slots[index].is_some() {
                return Err(Error::DuplicateOutput {
                    name: name.to_owned(),
                });
            }
            slots[index] = Some(memory);
        }
        Ok(slots)
    }
}

/// The memory of a caller's (bars, columns) buffer, checked to be of type `expected`,
/// column-major and contiguous.
fn column_major<'b, T: Element>(
    buffer: &'b mut ArrayRef2<T>,
    name: &str,
    shape: (usize, usize),
    expected: crate::schema::Dtype,
) -> Result<OutputMut<'b>> {
    if T::DTYPE != expected {
        return Err(Error::OutputType {
            name: name.to_owned(),
            expected: T::DTYPE,
            actual: expected,
        });
    }
    if buffer.dim() != shape {
        return Err(Error::OutputShape {
            output: name.to_owned(),
            expected: shape,
            actual: buffer.dim(),
        });
    }
    // The transpose of a column-major array is a standard (row-major) one; this also accepts
    // the degenerate shapes (one row or one column) where both layouts coincide.
    if !buffer.t().is_standard_layout() {
        let strides = buffer.strides();
        return Err(Error::OutputLayout {
            output: name.to_owned(),
            strides: (strides[0], strides[1]),
        });
    }
    let slice = buffer
        .as_slice_memory_order_mut()
        .expect("a standard-layout transpose is contiguous");
    Ok(T::wrap_mut(slice))
}

/// Splits a column-major matrix of `bars` rows into its first `columns` columns (any number
/// of them for zero bars).
pub(super) fn split_columns(
    matrix: OutputMut<'_>,
    bars: usize,
    columns: usize,
) -> impl Iterator<Item = OutputMut<'_>> {
    fn split<T>(matrix: &mut [T], bars: usize, columns: usize) -> Vec<&mut [T]> {
        if bars == 0 {
            // `chunks_mut(0)` panics; zero bars means `columns` empty columns.
            return (0..columns).map(|_| <&mut [T]>::default()).collect();
        }
        debug_assert!(matrix.len() >= bars * columns);
        matrix.chunks_mut(bars).take(columns).collect()
    }
    let columns: Vec<OutputMut<'_>> = match matrix {
        OutputMut::F64(m) => split(m, bars, columns)
            .into_iter()
            .map(OutputMut::F64)
            .collect(),
        OutputMut::I8(m) => split(m, bars, columns)
            .into_iter()
            .map(OutputMut::I8)
            .collect(),
        OutputMut::Bool(m) => split(m, bars, columns)
            .into_iter()
            .map(OutputMut::Bool)
            .collect(),
    };
    columns.into_iter()
}

/// Splits a column-major matrix into the consecutive column ranges of `chunks`.
pub(super) fn split_chunks<'m>(
    matrix: OutputMut<'m>,
    bars: usize,
    chunks: &[std::ops::Range<usize>],
) -> Vec<OutputMut<'m>> {
    fn split<'m, T>(
        mut rest: &'m mut [T],
        bars: usize,
        chunks: &[std::ops::Range<usize>],
    ) -> Vec<&'m mut [T]> {
        chunks
            .iter()
            .map(|range| {
                let (chunk, tail) = std::mem::take(&mut rest).split_at_mut(range.len() * bars);
                rest = tail;
                chunk
            })
            .collect()
    }
    match matrix {
        OutputMut::F64(m) => split(m, bars, chunks)
            .into_iter()
            .map(OutputMut::F64)
            .collect(),
        OutputMut::I8(m) => split(m, bars, chunks)
            .into_iter()
            .map(OutputMut::I8)
            .collect(),
        OutputMut::Bool(m) => split(m, bars, chunks)
            .into_iter()
            .map(OutputMut::Bool)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_memory_limit_is_half_the_memory_total() {
        let limit = default_memory_limit();
        match physical_memory_bytes() {
            Some(total) => {
                assert!(total > 0);
                assert_eq!(limit, total / 2);
            }
            None => assert_eq!(limit, FALLBACK_MEMORY_LIMIT),
        }
        #[cfg(target_os = "linux")]
        assert!(
            physical_memory_bytes().is_some(),
            "/proc/meminfo has MemTotal"
        );
    }

    #[test]
    fn output_bytes_saturates_instead_of_wrapping() {
        assert_eq!(output_bytes(17_544, 672, 25), 17_544 * 672 * 25);
        assert_eq!(output_bytes(usize::MAX, u128::MAX, 25), u128::MAX);
        assert_eq!(output_bytes(usize::MAX, u128::MAX, 0), 0);
        assert_eq!(bookkeeping_bytes(4), 128);
    }

    #[test]
    fn split_columns_handles_zero_bars() {
        let mut empty: [f64; 0] = [];
        let columns: Vec<_> = split_columns(OutputMut::F64(&mut empty), 0, 3).collect();
        assert_eq!(columns.len(), 3);
        assert!(columns.iter().all(OutputMut::is_empty));
        let mut data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut columns: Vec<_> = split_columns(OutputMut::F64(&mut data), 2, 3).collect();
        assert_eq!(f64::slice_mut(columns.remove(2)).unwrap(), &[5.0, 6.0]);
    }

    #[test]
    fn split_chunks_gives_consecutive_ranges() {
        let mut data: Vec<i8> = (0..10).collect();
        let chunks = split_chunks(OutputMut::I8(&mut data), 2, &[0..2, 2..3, 3..5]);
        let lens: Vec<usize> = chunks.iter().map(OutputMut::len).collect();
        assert_eq!(lens, [4, 2, 4]);
    }
}
