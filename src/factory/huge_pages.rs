//! Transparent huge pages for fresh output matrices.
//!
//! A fresh matrix's pages are faulted in and zeroed by the kernel when a worker first writes
//! them. With 4 KiB pages that costs more than the whole computation: allocating and writing
//! the tutorial workload's 295 MB of outputs is three to four times faster on 2 MiB pages
//! (`benches/sweep.rs`, `memory_floor/fresh` against `memory_floor/fresh_4k_pages`). Linux
//! backs a range with huge pages only when asked (`madvise(MADV_HUGEPAGE)`, as NumPy does for
//! its large arrays) unless the system is set to `always`; elsewhere this is a no-op.

/// Asks the OS to back `memory` with huge pages. Call it before the memory is first written:
/// advice on pages that are already faulted in does nothing until the kernel's background
/// collapsing gets to them. Failure is silent: the advice is an optimisation only.
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub(super) fn advise_huge_pages<T>(memory: &mut [T]) {
    use std::ffi::{c_int, c_long, c_void};
    extern "C" {
        fn madvise(addr: *mut c_void, length: usize, advice: c_int) -> c_int;
        fn sysconf(name: c_int) -> c_long;
    }
    // Values from the Linux UAPI headers (asm-generic/mman-common.h, bits/confname.h), the
    // same on both architectures above.
    const MADV_HUGEPAGE: c_int = 14;
    const SC_PAGESIZE: c_int = 30;
    /// Smaller ranges cannot hold a whole huge page.
    const HUGE_PAGE: usize = 2 << 20;

    let bytes = std::mem::size_of_val(memory);
    if bytes < HUGE_PAGE {
        return;
    }
    // SAFETY: `sysconf` only reads a configuration value.
    let page = unsafe { sysconf(SC_PAGESIZE) };
    let Ok(page) = usize::try_from(page) else {
        return;
    };
    if !page.is_power_of_two() {
        return;
    }
    // `madvise` wants a page-aligned start: advise the whole pages inside the slice.
    let start = memory.as_mut_ptr() as usize;
    let first = (start + page - 1) & !(page - 1);
    let last = (start + bytes) & !(page - 1);
    if last > first {
        // SAFETY: the range lies inside `memory`, which we borrow exclusively, and
        // MADV_HUGEPAGE only changes how the kernel backs those pages, never their contents
        // or their validity. The result is ignored on purpose: failing to get huge pages only
        // costs speed.
        unsafe { madvise(first as *mut c_void, last - first, MADV_HUGEPAGE) };
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
pub(super) fn advise_huge_pages<T>(_memory: &mut [T]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_keeps_contents_and_accepts_any_size_and_alignment() {
        for len in [0, 1, 4095, 1 << 20, (3 << 20) + 17] {
            let mut memory: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for offset in [0, 1, 7] {
                let slice = &mut memory[offset.min(len)..];
                advise_huge_pages(slice);
            }
            assert!(memory.iter().enumerate().all(|(i, &b)| b == i as u8));
        }
    }
}
