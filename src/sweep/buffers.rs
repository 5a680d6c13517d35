//! Output memory of a sweep: its size and limit, and caller buffers' validation and splitting
//! into columns.

use ndarray::ArrayRef2;

use crate::error::{Error, Result};
use crate::output::{Output, OutputSet};

/// The memory limit where the machine's memory cannot be read.
const FALLBACK_MEMORY_LIMIT: u128 = 8 << 30;

/// Bytes of the selected outputs for `bars` x (`combinations` x `symbols`) columns, saturating
/// instead of overflowing, so an absurd grid is refused rather than wrapped into a small size.
pub(super) fn output_bytes(
    bars: usize,
    combinations: usize,
    symbols: usize,
    outputs: OutputSet,
) -> u128 {
    [bars, combinations, symbols, outputs.bytes_per_bar()]
        .into_iter()
        .fold(1u128, |acc, x| acc.saturating_mul(x as u128))
}

/// Half the physical memory where the OS tells it, else [`FALLBACK_MEMORY_LIMIT`].
pub(super) fn default_memory_limit() -> u128 {
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

/// The memory of a caller's (bars, columns) buffer, checked to be column-major and contiguous.
pub(super) fn column_major_slice<T>(
    buffer: Option<&mut ArrayRef2<T>>,
    output: Output,
    shape: (usize, usize),
) -> Result<Option<&mut [T]>> {
    let Some(buffer) = buffer else {
        return Ok(None);
    };
    if buffer.dim() != shape {
        return Err(Error::OutputShape {
            output,
            expected: shape,
            actual: buffer.dim(),
        });
    }
    // The transpose of a column-major array is a standard (row-major) one; this also accepts
    // the degenerate shapes (one row or one column) where both layouts coincide.
    if !buffer.t().is_standard_layout() {
        let strides = buffer.strides();
        return Err(Error::OutputLayout {
            output,
            strides: (strides[0], strides[1]),
        });
    }
    let slice = buffer
        .as_slice_memory_order_mut()
        .expect("a standard-layout transpose is contiguous");
    Ok(Some(slice))
}

/// The first `columns` columns of a column-major matrix of `bars` rows, or `None` for each if the
/// output was not selected.
pub(super) fn split_columns<T>(
    matrix: Option<&mut [T]>,
    bars: usize,
    columns: usize,
) -> impl Iterator<Item = Option<&mut [T]>> {
    let slices: Box<dyn Iterator<Item = Option<&mut [T]>>> = match matrix {
        None => Box::new(std::iter::repeat_with(|| None)),
        // `chunks_mut(0)` panics; zero bars means `columns` empty columns.
        Some(_) if bars == 0 => Box::new(std::iter::repeat_with(|| Some(<&mut [T]>::default()))),
        Some(matrix) => {
            debug_assert!(matrix.len() >= bars * columns);
            Box::new(matrix.chunks_mut(bars).map(Some))
        }
    };
    slices.take(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_bytes_saturates_instead_of_wrapping() {
        assert_eq!(
            output_bytes(17_544, 336, 2, OutputSet::ALL),
            17_544 * 672 * 25
        );
        assert_eq!(
            output_bytes(usize::MAX, usize::MAX, usize::MAX, OutputSet::ALL),
            u128::MAX
        );
        assert_eq!(output_bytes(usize::MAX, usize::MAX, 2, OutputSet::NONE), 0);
    }

    #[test]
    fn split_columns_handles_zero_bars_and_unselected_outputs() {
        let mut empty: [f64; 0] = [];
        let columns: Vec<_> = split_columns(Some(&mut empty[..]), 0, 3).collect();
        assert_eq!(columns.len(), 3);
        assert!(columns.iter().all(|c| c.as_deref() == Some(&[][..])));
        let mut data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let columns: Vec<_> = split_columns(Some(&mut data[..]), 2, 3).collect();
        assert_eq!(columns[2].as_deref(), Some(&[5.0, 6.0][..]));
        assert_eq!(
            split_columns::<f64>(None, 2, 3)
                .filter(Option::is_none)
                .count(),
            3
        );
    }
}
