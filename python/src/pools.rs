//! Thread pools by size, built once and kept: building a pool starts its threads, which
//! costs more than a small sweep, so a caller looping over `threads=4` pays it once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::PyResult;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::errors::binding_error;

/// The most threads one pool may have: far beyond any useful count, low enough that a typo
/// (`threads=10**6`) is refused instead of exhausting the process.
pub(crate) const MAX_THREADS: usize = 1024;

/// Every pool built so far, by thread count.
static POOLS: Mutex<BTreeMap<usize, Arc<ThreadPool>>> = Mutex::new(BTreeMap::new());

/// The pool of `threads` threads, or `None` for rayon's global pool.
///
/// # Errors
/// The module's exception for 0 threads, more than [`MAX_THREADS`], or a pool the OS cannot
/// start.
pub(crate) fn pool(threads: Option<usize>) -> PyResult<Option<Arc<ThreadPool>>> {
    let Some(threads) = threads else {
        return Ok(None);
    };
    if threads == 0 || threads > MAX_THREADS {
        return Err(binding_error(format!(
            "threads={threads}: give a number of threads from 1 to {MAX_THREADS}, or None for \
             the global pool"
        )));
    }
    // A panic while the lock was held cannot leave the map inconsistent: it is only read or
    // extended by one complete entry.
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(pool) = pools.get(&threads) {
        return Ok(Some(Arc::clone(pool)));
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("ta-sweep-{i}"))
        .build()
        .map_err(|e| binding_error(format!("cannot start {threads} threads: {e}")))?;
    let pool = Arc::new(pool);
    pools.insert(threads, Arc::clone(&pool));
    Ok(Some(pool))
}
