"""Type stubs of the native module `ta_sweep._native` (the binding of the Rust crate).

Use the wrappers of `ta_sweep` instead: they convert pandas input and build DataFrames. The
native functions take (bars, symbols) float64 arrays and return dicts of numpy arrays.
"""
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str
MAX_THREADS: int

class Error(ValueError):
    """Everything that can go wrong in ta_sweep, with the crate's message."""

F64Matrix = npt.NDArray[np.float64]
Shard = Optional[Tuple[int, int]]
Arrays = Dict[str, np.ndarray]

def supertrend(
    high: F64Matrix, low: F64Matrix, close: F64Matrix, periods: List[int], multipliers: List[float],
    variant_name: str, outputs: Optional[List[str]], threads: Optional[int], shard: Shard,
    memory_limit: int,
) -> Tuple[Arrays, Arrays]: ...
def ma(
    close: F64Matrix, windows: List[int], ma: str, outputs: Optional[List[str]],
    threads: Optional[int], shard: Shard, memory_limit: int,
) -> Tuple[Arrays, Arrays]: ...
def atr(
    high: F64Matrix, low: F64Matrix, close: F64Matrix, periods: List[int], variant_name: str,
    outputs: Optional[List[str]], threads: Optional[int], shard: Shard, memory_limit: int,
) -> Tuple[Arrays, Arrays]: ...
def schema(indicator: str) -> List[Tuple[str, str]]: ...
def backtest_supertrend(
    high: F64Matrix, low: F64Matrix, close: F64Matrix, periods: List[int], multipliers: List[float],
    variant_name: str, fees: float, init_cash: float, freq_ns: int, threads: Optional[int],
    shard: Shard, memory_limit: int,
) -> Arrays: ...
def backtest_ma_crossover(
    close: F64Matrix, windows: List[int], ma: str, fees: float, init_cash: float, freq_ns: int,
    threads: Optional[int], shard: Shard, memory_limit: int,
) -> Arrays: ...
def backtest_supertrend_rolling(
    high: F64Matrix, low: F64Matrix, close: F64Matrix, periods: List[int], multipliers: List[float],
    variant_name: str, fees: float, init_cash: float, freq_ns: int, window: int, step: int,
    threads: Optional[int], shard: Shard, memory_limit: int,
) -> Dict[str, Any]: ...
def backtest_ma_crossover_rolling(
    close: F64Matrix, windows: List[int], ma: str, fees: float, init_cash: float, freq_ns: int,
    window: int, step: int, threads: Optional[int], shard: Shard, memory_limit: int,
) -> Dict[str, Any]: ...
def validate_supertrend(
    high: F64Matrix, low: F64Matrix, close: F64Matrix, periods: List[int], multipliers: List[float],
    variant_name: str, fees: float, init_cash: float, freq_ns: int, blocks: int,
    walk_forward: Optional[Tuple[int, int, int]], threads: Optional[int], shard: Shard,
    memory_limit: int,
) -> Dict[str, Any]: ...
def validate_ma_crossover(
    close: F64Matrix, windows: List[int], ma: str, fees: float, init_cash: float, freq_ns: int,
    blocks: int, walk_forward: Optional[Tuple[int, int, int]], threads: Optional[int],
    shard: Shard, memory_limit: int,
) -> Dict[str, Any]: ...
def default_memory_limit() -> int: ...
def shard(columns: int, index: int, count: int) -> Tuple[int, int]: ...
def _borrows_input(close: F64Matrix) -> bool: ...
