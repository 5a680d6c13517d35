"""Technical indicators over whole parameter grids, bit-exact, with a fused backtest.

Python bindings of the Rust crate ``ta-sweep``. Every number comes from the crate: this
package only converts inputs, allocates the outputs with numpy and labels the results with
pandas. The GIL is released while the crate works, so other Python threads keep running.

Entry points
------------
Sweeps (one matrix per output, shape (bars, columns), Fortran order):
    :func:`supertrend`, :func:`ma`, :func:`atr`
Backtests (one row of metrics per column, a DataFrame):
    :func:`backtest_supertrend`, :func:`backtest_ma_crossover`,
    :func:`backtest_supertrend_rolling`, :func:`backtest_ma_crossover_rolling`
Validation (Deflated Sharpe Ratio, PBO by CSCV, walk-forward):
    :func:`validate_supertrend`, :func:`validate_ma_crossover`
Sharding helper: :func:`shard_columns`.

Inputs
------
Prices are 1-D (one symbol) or 2-D (bars x symbols) arrays, pandas Series or DataFrames.
float64 input the crate can read in place is **not copied**: a 1-D contiguous array, or a
2-D array whose columns are contiguous (Fortran order, which is what ``DataFrame.to_numpy()``
of a float64 frame gives). Anything else (C-order 2-D, other numeric dtypes,
non-contiguous views) is converted once with ``np.asfortranarray(x, dtype=np.float64)``.
Do not modify an input array from another thread while a call is running on it.

NaN prices are valid data (a missing bar), with the crate's documented semantics; NaN or
invalid *parameters* are an :class:`Error`.

Column order
------------
``column = row * n_symbols + symbol``: grid row slowest, symbol fastest; for SuperTrend the
grid is ``periods x multipliers`` with periods slowest.
"""

from __future__ import annotations

import datetime as _dt
import numbers as _numbers
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _native
from ._native import Error

# Shown as `ta_sweep.Error` in tracebacks and reprs.
Error.__module__ = "ta_sweep"

__version__ = _native.__version__

__all__ = [
    "Error",
    "SweepResult",
    "supertrend",
    "ma",
    "atr",
    "backtest_supertrend",
    "backtest_ma_crossover",
    "backtest_supertrend_rolling",
    "backtest_ma_crossover_rolling",
    "validate_supertrend",
    "validate_ma_crossover",
    "shard_columns",
    "outputs_of",
    "default_memory_limit",
    "VARIANTS",
    "MA_KINDS",
]

#: The SuperTrend / ATR definitions (``variant=``).
VARIANTS = ("vectorbt", "tradingview", "talib")
#: The moving averages (``ma=``).
MA_KINDS = ("simple", "exponential")

_METRICS = ("sharpe", "total_return", "max_drawdown", "trades", "closed_trades")

PriceInput = Union[np.ndarray, pd.Series, pd.DataFrame, Sequence[float]]


def outputs_of(indicator: str) -> List[Tuple[str, str]]:
    """The outputs of ``indicator`` (``"supertrend"``, ``"ma"`` or ``"atr"``) as the crate
    declares them: ``[(name, dtype), ...]`` in schema order, e.g.
    ``[("supert", "float64"), ("superd", "int8"), ...]``.

    Raises :class:`Error` for an unknown indicator.
    """
    return [tuple(x) for x in _native.schema(indicator)]


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


class _Prices:
    """Price matrices as the native layer reads them, with the labels of pandas input."""

    def __init__(self, arrays: List[np.ndarray], index: pd.Index, symbols: list):
        self.arrays = arrays
        self.index = index
        self.symbols = symbols

    @property
    def bars(self) -> int:
        return self.arrays[0].shape[0]


def _to_float_matrix(values: Any, what: str) -> np.ndarray:
    """``values`` as a 2-D float64 array whose columns are contiguous: the input itself
    where it already is one, else one conversion."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as e:
        raise Error(f"{what}: not an array of numbers ({e})") from None
    kind = arr.dtype.kind
    if kind not in "biufO":
        raise Error(
            f"{what}: dtype {arr.dtype} is not numeric; pass float64 prices "
            "(NaN for missing bars)"
        )
    if arr.ndim == 1:
        if arr.dtype != np.float64 or not arr.dtype.isnative or not arr.flags.c_contiguous:
            arr = _convert(arr, what, np.ascontiguousarray)
        # A view: a contiguous 1-D array is also a contiguous (bars, 1) column.
        return arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise Error(
            f"{what}: expected a 1-D (bars) or 2-D (bars x symbols) array, got {arr.ndim}-D "
            f"of shape {arr.shape}"
        )
    columns_contiguous = arr.shape[0] <= 1 or arr.strides[0] == arr.itemsize
    if arr.dtype != np.float64 or not arr.dtype.isnative or not columns_contiguous:
        arr = _convert(arr, what, np.asfortranarray)
    return arr


def _convert(arr: np.ndarray, what: str, how) -> np.ndarray:
    try:
        return how(arr, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise Error(f"{what}: cannot convert dtype {arr.dtype} to float64 ({e})") from None


def _pandas_values(x: Union[pd.Series, pd.DataFrame], what: str) -> np.ndarray:
    frame = isinstance(x, pd.DataFrame)
    dtypes = list(x.dtypes) if frame else [x.dtype]
    if all(d == np.float64 for d in dtypes):
        return x.to_numpy()  # a view of a float64 block: no copy
    try:
        return x.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as e:
        raise Error(f"{what}: cannot convert to float64 ({e})") from None


def _prices(named: Sequence[Tuple[str, PriceInput]]) -> _Prices:
    """Reads the price inputs ``[(name, x), ...]`` (close last): arrays, and the index and
    symbol labels of the pandas inputs. The labels are close's where it is pandas, else the
    first pandas input's; the pandas inputs' indexes must be equal, and DataFrames' columns
    too (Series names may differ: ``df.high``, ``df.low``, ``df.close``)."""
    arrays, index, labelled_by, frame_columns = [], None, None, None
    labels_of = {}
    for what, x in named:
        if isinstance(x, (pd.Series, pd.DataFrame)):
            if isinstance(x, pd.DataFrame):
                labels = list(x.columns)
                if frame_columns is None:
                    frame_columns = (what, labels)
                elif labels != frame_columns[1]:
                    raise Error(
                        f"{what}: its columns {labels} differ from {frame_columns[0]}'s "
                        f"{frame_columns[1]}"
                    )
            else:
                labels = [x.name if x.name is not None else "S0"]
            labels_of[what] = labels
            if index is None:
                index, labelled_by = x.index, what
            elif not x.index.equals(index):
                raise Error(f"{what}: its index differs from {labelled_by}'s")
            x = _pandas_values(x, what)
        arrays.append(_to_float_matrix(x, what))
    shapes = [a.shape for a in arrays]
    if any(s != shapes[0] for s in shapes):
        described = ", ".join(f"{w} {s}" for (w, _), s in zip(named, shapes))
        raise Error(f"the price arrays differ in shape: {described} (bars x symbols)")
    bars, n_symbols = shapes[0]
    if index is None:
        index = pd.RangeIndex(bars)
        symbols = [f"S{i}" for i in range(n_symbols)]
    else:
        symbols = labels_of.get("close", next(iter(labels_of.values())))
    return _Prices(arrays, index, symbols)


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (_numbers.Number, np.generic)) or np.ndim(x) == 0


#: The largest period, window or count accepted: the int64 key columns hold it.
_MAX_WHOLE = 2**63 - 1


def _whole_numbers(values: Any, what: str) -> List[int]:
    """A list of non-negative whole numbers (periods, windows); 0 is left for the crate,
    which reports it with its own message."""
    if isinstance(values, (str, bytes)):
        raise Error(f"{what}: expected whole numbers, got a string {values!r}")
    items = [values] if _is_scalar(values) else list(np.asarray(values, dtype=object).ravel())
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)):
            raise Error(f"{what}: expected whole numbers, got {v!r}")
        if isinstance(v, (_numbers.Integral, np.integer)):
            v = int(v)
        elif isinstance(v, (_numbers.Real, np.floating)) and float(v).is_integer():
            v = int(v)
        else:
            raise Error(f"{what}: {v!r} is not a whole number")
        if v < 0:
            raise Error(f"{what}: {v} is negative; use values >= 1")
        if v > _MAX_WHOLE:
            # Bars and counts beyond int64 fit no data, and their labels would not fit the
            # int64 key columns of the results.
            raise Error(f"{what}: {v} is too large; use values up to {_MAX_WHOLE}")
        out.append(v)
    return out


def _reals(values: Any, what: str) -> List[float]:
    """A list of floats (multipliers); NaN, infinities and negatives are left for the crate."""
    if isinstance(values, (str, bytes)):
        raise Error(f"{what}: expected numbers, got a string {values!r}")
    items = [values] if _is_scalar(values) else list(np.asarray(values, dtype=object).ravel())
    try:
        return [float(v) for v in items]
    except (TypeError, ValueError) as e:
        raise Error(f"{what}: expected numbers ({e})") from None


def _threads(threads: Optional[int]) -> Optional[int]:
    if threads is None:
        return None
    if isinstance(threads, (bool, np.bool_)) or not isinstance(threads, (_numbers.Integral, np.integer)):
        raise Error(f"threads={threads!r}: expected a whole number of threads or None")
    threads = int(threads)
    if threads < 1:
        raise Error(f"threads={threads}: give at least 1 thread, or None for the global pool")
    if threads > _native.MAX_THREADS:
        raise Error(f"threads={threads}: give a number of threads from 1 to "
                    f"{_native.MAX_THREADS}, or None for the global pool")
    return threads


def _shard(shard: Optional[Tuple[int, int]]) -> Optional[Tuple[int, int]]:
    if shard is None:
        return None
    try:
        index, count = shard
    except (TypeError, ValueError):
        raise Error(f"shard={shard!r}: expected (index, count)") from None
    for v in (index, count):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (_numbers.Integral, np.integer)):
            raise Error(f"shard={shard!r}: expected whole numbers (index, count)")
    index, count = int(index), int(count)
    if index < 0 or count < 0:
        raise Error(f"shard=({index}, {count}): expected 0 <= index < count")
    if count > _MAX_WHOLE:
        raise Error(f"shard=({index}, {count}): the count is too large; use up to {_MAX_WHOLE}")
    return index, count


def _freq_ns(freq: Any) -> int:
    """The bar interval in nanoseconds, read by pandas (``pd.Timedelta``)."""
    if isinstance(freq, str):
        text = freq.strip()
        # pandas reads "1D" but not a bare unit "D"; an offset alias means one unit.
        if text[:1].isalpha():
            text = "1" + text
        try:
            td = pd.Timedelta(text)
        except (TypeError, ValueError) as e:
            raise Error(f"freq={freq!r}: not a bar interval ({e})") from None
    elif isinstance(freq, (_dt.timedelta, np.timedelta64, pd.Timedelta)):
        td = pd.Timedelta(freq)
    else:
        raise Error(f"freq={freq!r}: give a string such as '1D', '1h', '15min' or a timedelta")
    if td is pd.NaT:
        raise Error(f"freq={freq!r}: not a bar interval")
    ns = int(td.value)
    if ns < 0:
        raise Error(f"freq={freq!r}: the bar interval must be positive")
    return ns  # 0 is the crate's InvalidBarInterval


def default_memory_limit() -> int:
    """The most bytes a sweep's outputs may take unless ``memory_limit=`` says otherwise.

    The crate's own default, read from the machine on every call: half its physical memory
    (8 GiB where the OS does not say).
    """
    return _native.default_memory_limit()


def _memory_limit(memory_limit: Optional[int]) -> int:
    if memory_limit is None:
        return default_memory_limit()
    if (
        isinstance(memory_limit, (bool, np.bool_))
        or not isinstance(memory_limit, (_numbers.Integral, np.integer))
        or memory_limit < 0
    ):
        raise Error(f"memory_limit={memory_limit!r}: expected a number of bytes")
    # A bound beyond 64 bits bounds nothing more than the largest 64-bit one.
    return min(int(memory_limit), 2**64 - 1)


def _outputs(outputs: Optional[Iterable[str]]) -> Optional[List[str]]:
    if outputs is None:
        return None
    if isinstance(outputs, str):
        outputs = [outputs]
    names = list(outputs)
    if not all(isinstance(n, str) for n in names):
        raise Error(f"outputs={names!r}: expected output names")
    return names


def _name(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise Error(f"{what}={value!r}: expected a name")
    return value


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


def _keys_frame(keys: dict, names: Sequence[str], symbols: list) -> pd.DataFrame:
    """The columns' keys as a DataFrame: the parameters, then the symbol label."""
    data = {}
    for name in names:
        values = keys[name]
        data[name] = values.astype(np.int64) if values.dtype.kind == "u" else values
    data["symbol"] = pd.Index(symbols, dtype=object).take(keys["symbol"].astype(np.intp))
    return pd.DataFrame(data)


def _metrics_frame(metrics: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: metrics[name].astype(np.int64) if metrics[name].dtype.kind == "u" else metrics[name]
            for name in _METRICS
        }
    )


class SweepResult:
    """The result of a sweep (:func:`supertrend`, :func:`ma`, :func:`atr`).

    Attributes
    ----------
    outputs : dict[str, numpy.ndarray]
        Every computed output by name, each of shape (bars, columns) in Fortran order (each
        column contiguous), allocated by numpy and written in place by the crate's workers.
        ``r.supert`` / ``r["supert"]`` are shortcuts. Outputs not computed (``outputs=``)
        raise ``AttributeError`` / ``KeyError``.
    columns : pandas.DataFrame
        One row per column, in column order: the parameters (``period, multiplier``;
        ``window``; ``period``) and ``symbol`` (the input's column name, the Series' name, or
        ``S{i}``). For a shard, only its columns, with their real parameters.
    index : pandas.Index
        The bars: the pandas input's index, or a RangeIndex.
    column_range : tuple[int, int]
        The columns of the whole sweep these are: ``(0, n)`` unless sharded.
    """

    def __init__(self, outputs, columns, index, column_range, prefix, params):
        self.outputs: Dict[str, np.ndarray] = outputs
        self.columns: pd.DataFrame = columns
        self.index: pd.Index = index
        self.column_range: Tuple[int, int] = column_range
        self._prefix = prefix
        self._params = params

    def __getattr__(self, name: str) -> np.ndarray:
        outputs = self.__dict__.get("outputs", {})
        if name in outputs:
            return outputs[name]
        raise AttributeError(
            f"{type(self).__name__} has no output {name!r} (computed: {list(outputs)})"
        )

    def __getitem__(self, name: str) -> np.ndarray:
        return self.outputs[name]

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.outputs))

    def __repr__(self) -> str:
        bars = len(self.index)
        return (
            f"SweepResult(outputs={list(self.outputs)}, bars={bars}, "
            f"columns={len(self.columns)}, column_range={self.column_range})"
        )

    def multiindex(self) -> pd.MultiIndex:
        """The columns as a vectorbt-style MultiIndex: ``st_period, st_multiplier, symbol``
        for SuperTrend, ``ma_window, symbol`` for moving averages, ``atr_period, symbol``
        for the ATR."""
        arrays = [self.columns[p].to_numpy() for p in self._params]
        arrays.append(self.columns["symbol"].to_numpy())
        names = [f"{self._prefix}_{p}" for p in self._params] + ["symbol"]
        return pd.MultiIndex.from_arrays(arrays, names=names)

    def to_pandas(self) -> Dict[str, pd.DataFrame]:
        """``{output name: DataFrame}``, indexed by the input's index, with the
        :meth:`multiindex` columns. The frames share memory with :attr:`outputs` (no copy)."""
        columns = self.multiindex()
        return {
            name: pd.DataFrame(values, index=self.index, columns=columns, copy=False)
            for name, values in self.outputs.items()
        }


def _sweep_result(outputs, keys, prices: _Prices, names, prefix, shard, total) -> SweepResult:
    columns = _keys_frame(keys, names, prices.symbols)
    if shard is None:
        column_range = (0, len(columns))
    else:
        column_range = shard_columns(total, *shard)
    return SweepResult(dict(outputs), columns, prices.index, column_range, prefix, names)


def shard_columns(columns: int, index: int, count: int) -> Tuple[int, int]:
    """The column range ``(start, end)`` of shard ``index`` of ``count`` of ``columns``
    columns, as the crate's ``shard`` cuts it: contiguous ranges covering ``0..columns`` in
    order, lengths differing by at most one. Raises :class:`Error` unless
    ``0 <= index < count``.
    """
    (columns,) = _whole_numbers(columns, "columns")
    index, count = _shard((index, count))
    if index >= count:
        raise Error(f"shard {index} of {count}: the index must be below the count")
    return _native.shard(columns, index, count)


_COMMON_ARGS = """
    threads : int or None
        Worker threads: None runs on rayon's global pool (one thread per core); ``n`` on a
        pool of ``n`` threads (built once per ``n`` and kept). ``n < 1`` is an Error.
        The results are the same bits for every thread count.
    shard : (index, count) or None
        Compute only shard ``index`` of ``count`` of the columns (contiguous ranges, see
        :func:`shard_columns`). Concatenated in order, the shards equal the whole run bit for
        bit, on any machine. ``index >= count`` is an Error."""


def _documented(f):
    """Fills the shared parameter and return descriptions into ``f``'s docstring."""
    # Looked up when each function is defined: every part it names is defined above it.
    parts = {
        "common": "_COMMON_ARGS",
        "backtest": "_BACKTEST_ARGS",
        "metrics": "_METRICS_DOC",
        "rolling": "_ROLLING_DOC",
        "validate": "_VALIDATE_DOC",
    }
    doc = f.__doc__
    for key, name in parts.items():
        if f"<<{key}>>" in doc:
            doc = doc.replace(f"<<{key}>>", globals()[name])
    f.__doc__ = doc
    return f


@_documented
def supertrend(
    high: PriceInput,
    low: PriceInput,
    close: PriceInput,
    periods: Union[int, Iterable[int]],
    multipliers: Union[float, Iterable[float]],
    *,
    variant: str = "vectorbt",
    outputs: Optional[Iterable[str]] = None,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> SweepResult:
    """SuperTrend over the grid ``periods x multipliers`` (periods slowest) and every symbol.

    Parameters
    ----------
    high, low, close : array-like, Series or DataFrame
        1-D (bars) or 2-D (bars x symbols) prices of one shape. float64 input whose columns
        are contiguous (1-D, Fortran order, ``DataFrame.to_numpy()`` of a float64 frame) is
        read in place, without a copy; other input is converted once with
        ``np.asfortranarray(x, dtype=np.float64)``. NaN is a missing bar (not an error): see
        the crate's NaN semantics (a NaN bar has NaN line outputs, the ATR carries over it).
    periods : int or iterable of int
        ATR periods, each >= 1, distinct.
    multipliers : float or iterable of float
        Band multipliers, each finite and >= 0, distinct (0.0 and -0.0 are one).
    variant : {"vectorbt", "tradingview", "talib"}
        The definition: vectorbt's SuperFast SuperTrend (default), TradingView's Pine
        ``ta.supertrend`` or TA-Lib 0.8's ``SUPERTREND``, each bit-exact.
    outputs : list of str or None
        The outputs to compute (default all): ``supert`` (the line, float64), ``superd``
        (direction +1/-1, int8, never missing), ``superl`` (long band or NaN), ``supers``
        (short band or NaN). Only the selected outputs are allocated and computed.
    memory_limit : int or None
        The most bytes the outputs may take (default: half the physical memory); checked
        before anything is allocated.<<common>>

    Returns
    -------
    SweepResult
        ``r.supert`` etc.: numpy (bars, columns) arrays in Fortran order, allocated by numpy
        (zeroed pages, untouched until written) and written in place by the Rust workers,
        with the GIL released. ``column = (p_idx * n_multipliers + m_idx) * n_symbols +
        symbol``. ``r.columns``: ``period, multiplier, symbol``. ``r.to_pandas()``: frames
        with ``st_period, st_multiplier, symbol`` MultiIndex columns.

    Warm-up: with clean data the first ``period`` values of the line outputs are NaN
    (TradingView: ``period - 1``); ``superd`` is the variant's seed direction there.

    Raises
    ------
    Error
        Invalid periods (0, NaN, not whole, over 2**63 - 1) or multipliers (NaN, infinite,
        negative), duplicates, empty grids, unknown variant or output names, inputs of different
        shapes, non-numeric dtypes, 3-D input, a bad shard or thread count, outputs over the
        memory limit, or outputs within it that numpy cannot allocate (the message names the
        output and its bytes).
    """
    prices = _prices([("high", high), ("low", low), ("close", close)])
    periods = _whole_numbers(periods, "periods")
    multipliers = _reals(multipliers, "multipliers")
    shard = _shard(shard)
    out, keys = _native.supertrend(
        *prices.arrays,
        periods,
        multipliers,
        _name(variant, "variant"),
        _outputs(outputs),
        _threads(threads),
        shard,
        _memory_limit(memory_limit),
    )
    total = len(periods) * len(multipliers) * len(prices.symbols)
    return _sweep_result(out, keys, prices, ["period", "multiplier"], "st", shard, total)


@_documented
def ma(
    close: PriceInput,
    windows: Union[int, Iterable[int]],
    *,
    ma: str = "simple",
    outputs: Optional[Iterable[str]] = None,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> SweepResult:
    """Moving averages of ``close`` over ``windows`` (in the given order) and every symbol,
    exactly as vectorbt's ``MA`` computes them.

    Parameters
    ----------
    close : array-like, Series or DataFrame
        1-D or 2-D (bars x symbols) closes; copy rules as :func:`supertrend`.
    windows : int or iterable of int
        Windows, each >= 1, distinct.
    ma : {"simple", "exponential"}
        A simple average is NaN for its first ``w - 1`` bars and wherever one of its last
        ``w`` closes is NaN; an exponential one is NaN until ``w`` non-NaN closes were seen
        and then carries its value over NaN closes.
    outputs : list of str or None
        ``["ma"]`` (the only output, float64) or None.
    memory_limit : int or None
        As :func:`supertrend`.<<common>>

    Returns
    -------
    SweepResult
        ``r.ma``: (bars, columns) float64, Fortran order, written in place.
        ``r.columns``: ``window, symbol``; ``to_pandas()`` columns ``ma_window, symbol``.

    Raises
    ------
    Error
        A window of 0, not whole or over 2**63 - 1, duplicates, no windows, an unknown
        ``ma`` or output, bad input, shard or thread count.
    """
    prices = _prices([("close", close)])
    windows = _whole_numbers(windows, "windows")
    shard = _shard(shard)
    out, keys = _native.ma(
        prices.arrays[0],
        windows,
        _name(ma, "ma"),
        _outputs(outputs),
        _threads(threads),
        shard,
        _memory_limit(memory_limit),
    )
    total = len(windows) * len(prices.symbols)
    return _sweep_result(out, keys, prices, ["window"], "ma", shard, total)


@_documented
def atr(
    high: PriceInput,
    low: PriceInput,
    close: PriceInput,
    periods: Union[int, Iterable[int]],
    *,
    variant: str = "vectorbt",
    outputs: Optional[Iterable[str]] = None,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> SweepResult:
    """The average true range over ``periods`` (in the given order) and every symbol, under
    the variant's rules: SuperTrend's ATR, bit for bit.

    Parameters
    ----------
    high, low, close : array-like, Series or DataFrame
        As :func:`supertrend`.
    periods : int or iterable of int
        Periods, each >= 1, distinct.
    variant : {"vectorbt", "tradingview", "talib"}
        vectorbt: Wilder's ATR as pandas' ``ewm`` (true range of bar 0 is NaN, first value at
        bar ``period``, a NaN true range decays the old weight); tradingview / talib: the
        seeded ATR (mean of the first ``period`` true ranges, NaN true ranges skipped).
    outputs : list of str or None
        ``["atr"]`` or None.
    memory_limit : int or None
        As :func:`supertrend`.<<common>>

    Returns
    -------
    SweepResult
        ``r.atr``: (bars, columns) float64; ``r.columns``: ``period, symbol``;
        ``to_pandas()`` columns ``atr_period, symbol``.

    Raises
    ------
    Error
        As :func:`supertrend`.
    """
    prices = _prices([("high", high), ("low", low), ("close", close)])
    periods = _whole_numbers(periods, "periods")
    shard = _shard(shard)
    out, keys = _native.atr(
        *prices.arrays,
        periods,
        _name(variant, "variant"),
        _outputs(outputs),
        _threads(threads),
        shard,
        _memory_limit(memory_limit),
    )
    total = len(periods) * len(prices.symbols)
    return _sweep_result(out, keys, prices, ["period"], "atr", shard, total)


_BACKTEST_ARGS = """
    fees : float
        Proportional fees per order, in [0, 1): 0.001 is 0.1 %.
    freq : str or timedelta
        The bar interval, for the annualisation of the Sharpe ratio: a pandas string ("1D",
        "D", "1h", "4h", "15min", "30s", "1W"...) or a ``datetime.timedelta`` /
        ``pd.Timedelta``. A year is 365 days (vectorbt's convention): "1D" gives 365, "1h"
        8760. Zero or negative is an Error.
    init_cash : float
        The cash every column starts with, finite and > 0.
    memory_limit : int or None
        The most bytes the results may take (one metrics row of 40 bytes per column, per
        window for rolling windows; the statistics of every column for validation), default
        :func:`default_memory_limit`; checked before any work starts. Over it: an Error
        (shard the columns, or raise the limit)."""

_METRICS_DOC = """``sharpe`` (annualised, ddof 1; +inf for a column whose returns do not
        vary, NaN under 2 bars), ``total_return`` (0.05 is 5 %), ``max_drawdown`` (<= 0,
        NaN without bars), ``trades`` (closed, plus one still open), ``closed_trades``,
        each exactly vectorbt 1.2.0's ``Portfolio.from_signals`` value."""


def _supertrend_args(high, low, close, periods, multipliers, variant):
    """The prices and the native arguments of a SuperTrend grid, checked on this side."""
    prices = _prices([("high", high), ("low", low), ("close", close)])
    grid = [_whole_numbers(periods, "periods"), _reals(multipliers, "multipliers")]
    return prices, [*prices.arrays, *grid, _name(variant, "variant")]


def _crossover_args(close, windows, ma):
    """The prices and the native arguments of a crossover grid, checked on this side."""
    prices = _prices([("close", close)])
    return prices, [prices.arrays[0], _whole_numbers(windows, "windows"), _name(ma, "ma")]


def _costs(fees, init_cash, freq) -> list:
    """The native arguments of a backtest's costs and annualisation."""
    return [float(fees), float(init_cash), _freq_ns(freq)]


def _backtest_frame(d: dict, names, prices: _Prices) -> pd.DataFrame:
    return pd.concat([_keys_frame(d, names, prices.symbols), _metrics_frame(d)], axis=1)


@_documented
def backtest_supertrend(
    high: PriceInput,
    low: PriceInput,
    close: PriceInput,
    periods: Union[int, Iterable[int]],
    multipliers: Union[float, Iterable[float]],
    *,
    variant: str = "vectorbt",
    fees: float = 0.001,
    freq: Any = "1D",
    init_cash: float = 100.0,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> pd.DataFrame:
    """Backtests long-only SuperTrend over ``periods x multipliers`` and every symbol, fused:
    no indicator matrix is ever materialised.

    The pipeline is the crate's ``docs/PIPELINE.md`` (vectorbt's ``Portfolio.from_signals``):
    enter while the previous bar's long band is a value, exit while its short band is, all
    cash per order at the close with fees, long only; an order at a NaN close waits for the
    next valid close. Closes that are zero, negative or infinite are an Error.

    Parameters
    ----------
    high, low, close, periods, multipliers, variant
        As :func:`supertrend` (inputs are read in place under the same rules).<<backtest>><<common>>

    Returns
    -------
    pandas.DataFrame
        One row per column in sweep order: ``period, multiplier, symbol``, then
        <<metrics>>

    Raises
    ------
    Error
        As :func:`supertrend`; invalid fees, cash or freq; an invalid close.
    """
    prices, args = _supertrend_args(high, low, close, periods, multipliers, variant)
    d = _native.backtest_supertrend(
        *args, *_costs(fees, init_cash, freq), _threads(threads), _shard(shard),
        _memory_limit(memory_limit),
    )
    return _backtest_frame(d, ["period", "multiplier"], prices)


@_documented
def backtest_ma_crossover(
    close: PriceInput,
    windows: Iterable[int],
    *,
    ma: str = "simple",
    fees: float = 0.001,
    freq: Any = "1D",
    init_cash: float = 100.0,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> pd.DataFrame:
    """Backtests the dual moving-average crossover of vectorbt's README over every pair of
    ``windows`` with ``fast < slow`` and every symbol.

    The windows are sorted first (as the crate's ``ma_crossover`` example does), then the grid
    is ``Grid::combinations(["fast", "slow"], windows)``: ``itertools.combinations`` order.
    Entries where the fast average crosses above the slow one, exits where it crosses below;
    a crossover fires only where both averages are numbers.

    Parameters
    ----------
    close : array-like, Series or DataFrame
        Closes, as :func:`ma`.
    windows : iterable of int
        At least two distinct windows >= 1.
    ma : {"simple", "exponential"}
        The averages.<<backtest>><<common>>

    Returns
    -------
    pandas.DataFrame
        One row per column in sweep order: ``fast, slow, symbol``, then
        <<metrics>>

    Raises
    ------
    Error
        Fewer than two windows, a window of 0 or twice, and as :func:`backtest_supertrend`.
    """
    prices, args = _crossover_args(close, windows, ma)
    d = _native.backtest_ma_crossover(
        *args, *_costs(fees, init_cash, freq), _threads(threads), _shard(shard),
        _memory_limit(memory_limit),
    )
    return _backtest_frame(d, ["fast", "slow"], prices)


def _rolling_args(window, step) -> list:
    """The native arguments of rolling windows: ``window`` and ``step`` bars."""
    (window,) = _whole_numbers(window, "window")
    (step,) = _whole_numbers(step, "step")
    return [window, step]


def _rolling_frame(d: dict, names, prices: _Prices) -> pd.DataFrame:
    keys = _keys_frame(d["keys"], names, prices.symbols)
    n_windows, n_columns = len(d["start"]), len(keys)
    head = pd.DataFrame(
        {
            "window": np.repeat(np.arange(n_windows, dtype=np.int64), n_columns),
            "start": np.repeat(d["start"].astype(np.int64), n_columns),
            "end": np.repeat(d["end"].astype(np.int64), n_columns),
        }
    )
    tiled = pd.concat([keys] * n_windows, ignore_index=True) if n_windows else keys.iloc[:0]
    return pd.concat([head, tiled, _metrics_frame(d["metrics"])], axis=1)


_ROLLING_DOC = """
    window : int
        Bars per window, from 1 to the bars of the data.
    step : int
        Bars between the starts of consecutive windows (>= 1). Windows are
        ``0..window, step..step + window, ...`` as long as one fits; trailing bars that do
        not fill a window are left out. Each window is an independent series (the indicator
        warms up again, every column starts flat), exactly the backtest of that slice.
    shard
        Not supported: the crate refuses a column range for rolling windows
        (``ColumnRangeUnsupported``), raised as Error.

    Returns
    -------
    pandas.DataFrame
        One row per (window, column), window-major: ``window`` (its number), ``start``,
        ``end`` (bars, end exclusive), the key columns, then the metrics."""


@_documented
def backtest_supertrend_rolling(
    high: PriceInput,
    low: PriceInput,
    close: PriceInput,
    periods: Union[int, Iterable[int]],
    multipliers: Union[float, Iterable[float]],
    window: int,
    step: int,
    *,
    variant: str = "vectorbt",
    fees: float = 0.001,
    freq: Any = "1D",
    init_cash: float = 100.0,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> pd.DataFrame:
    """:func:`backtest_supertrend` on rolling windows of the data.

    Parameters
    ----------
    high, low, close, periods, multipliers, variant, fees, freq, init_cash, threads, memory_limit
        As :func:`backtest_supertrend`.<<rolling>>

    Raises
    ------
    Error
        A window of 0 or longer than the data, a step of 0, a shard, and as
        :func:`backtest_supertrend`.
    """
    prices, args = _supertrend_args(high, low, close, periods, multipliers, variant)
    d = _native.backtest_supertrend_rolling(
        *args, *_costs(fees, init_cash, freq), *_rolling_args(window, step),
        _threads(threads), _shard(shard), _memory_limit(memory_limit),
    )
    return _rolling_frame(d, ["period", "multiplier"], prices)


@_documented
def backtest_ma_crossover_rolling(
    close: PriceInput,
    windows: Iterable[int],
    window: int,
    step: int,
    *,
    ma: str = "simple",
    fees: float = 0.001,
    freq: Any = "1D",
    init_cash: float = 100.0,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> pd.DataFrame:
    """:func:`backtest_ma_crossover` on rolling windows of the data.

    Parameters
    ----------
    close, windows, ma, fees, freq, init_cash, threads, memory_limit
        As :func:`backtest_ma_crossover` (``windows`` are the averages' windows; ``window``
        is the rolling window's length in bars).<<rolling>>

    Raises
    ------
    Error
        As :func:`backtest_supertrend_rolling`.
    """
    prices, args = _crossover_args(close, windows, ma)
    d = _native.backtest_ma_crossover_rolling(
        *args, *_costs(fees, init_cash, freq), *_rolling_args(window, step),
        _threads(threads), _shard(shard), _memory_limit(memory_limit),
    )
    return _rolling_frame(d, ["fast", "slow"], prices)


def _walk_forward_args(walk_forward) -> Optional[Tuple[int, int, int]]:
    if walk_forward is None:
        return None
    try:
        train, test, step = walk_forward
    except (TypeError, ValueError):
        raise Error(f"walk_forward={walk_forward!r}: expected (train, test, step) bars") from None
    return tuple(_whole_numbers([train, test, step], "walk_forward"))


def _validation_args(blocks, walk_forward) -> list:
    """The native arguments of validation: CSCV blocks and walk-forward splits."""
    (blocks,) = _whole_numbers(blocks, "blocks")
    return [blocks, _walk_forward_args(walk_forward)]


def _row_params(grid: dict, names, rows: np.ndarray) -> Dict[str, np.ndarray]:
    """The parameters of grid rows ``rows`` (-1 for none: -1 for whole-number parameters,
    NaN for real ones)."""
    out = {}
    rows = np.asarray(rows, dtype=np.int64)
    valid = rows >= 0
    for name in names:
        values = grid[name]
        if values.dtype.kind == "u":
            col = np.full(len(rows), -1, dtype=np.int64)
            col[valid] = values[rows[valid]].astype(np.int64)
        else:
            col = np.full(len(rows), np.nan)
            col[valid] = values[rows[valid]]
        out[name] = col
    return out


def _ints(d: dict) -> dict:
    return {k: (v.astype(np.int64) if isinstance(v, np.ndarray) and v.dtype.kind == "u" else v) for k, v in d.items()}


def _validation_result(d: dict, names, prices: _Prices) -> Dict[str, Any]:
    symbols = pd.Index(prices.symbols, dtype=object, name="symbol")
    grid = d["grid"]
    metrics = pd.concat(
        [_keys_frame(d["metrics"], names, prices.symbols), _metrics_frame(d["metrics"])], axis=1
    )

    dsr = _ints(d["dsr"])
    best = dsr.pop("best")
    dsr_frame = pd.DataFrame(
        {"bars": dsr.pop("bars"), "trials": dsr.pop("trials"), "param_index": best,
         **_row_params(grid, names, best), **dsr},
        index=symbols,
    )
    pbo = pd.DataFrame(_ints(d["pbo"]), index=symbols)

    logits = {}
    for symbol, l in zip(prices.symbols, d["pbo_logits"]):
        l = _ints(l)
        winner = l.pop("winner")
        logits[symbol] = pd.DataFrame(
            {"combination": np.arange(len(winner), dtype=np.int64),
             "train_mask": l.pop("train_mask"), "param_index": winner,
             **_row_params(grid, names, winner), **l}
        )

    result: Dict[str, Any] = {
        "metrics": metrics,
        "dsr": dsr_frame,
        "pbo": pbo,
        "pbo_logits": logits,
        "block_sums": d["block_sums"],
        "block_len": d["block_len"],
        "walk_forward": None,
        "walk_forward_summary": None,
        "train_sharpe": None,
    }
    wf = d["walk_forward"]
    if wf is not None:
        c = _ints(wf["choices"])
        chosen = c.pop("chosen")
        symbol = pd.Index(prices.symbols, dtype=object).take(c.pop("symbol"))
        split = c.pop("split")
        head = {"split": split, "symbol": symbol}
        for k in ("train_start", "train_end", "test_start", "test_end", "candidates"):
            head[k] = c.pop(k)
        result["walk_forward"] = pd.DataFrame(
            {**head, "param_index": chosen, **_row_params(grid, names, chosen), **c}
        )
        result["walk_forward_summary"] = pd.DataFrame(_ints(wf["summary"]), index=symbols)
        result["train_sharpe"] = wf["train_sharpe"]
    return result


_VALIDATE_DOC = """
    blocks : int
        CSCV blocks S for the PBO: even, from 2 to 24, at most the bars (C(S, S/2)
        combinations per symbol). Default 16.
    walk_forward : (train, test, step) or None
        Walk-forward splits of ``train`` and ``test`` bars (each >= 2), a split every
        ``step`` bars; None skips walk-forward.
    shard
        Not supported (validation compares every column of a symbol): the crate's
        ``ColumnRangeUnsupported`` is raised as Error.

    Returns
    -------
    dict
        - ``metrics``: DataFrame, the backtest's rows (bit for bit those of the backtest);
        - ``dsr``: DataFrame by symbol: ``bars, trials, param_index`` (the best grid row, -1
          for none) and its parameters (-1 / NaN for none), ``sharpe`` (annualised),
          ``sr, sr_std, skew, kurtosis, sr0, z`` (per bar), ``dsr``;
        - ``pbo``: DataFrame by symbol: ``bars, bars_used, block_len, blocks, trials,
          combinations, undefined, overfit, pbo, mean_omega, prob_oos_loss``;
        - ``pbo_logits``: ``{symbol: DataFrame}``, one row per CSCV combination:
          ``combination, train_mask, param_index`` (the in-sample winner) and its parameters,
          ``is_sr, oos_sr, rank, logit``;
        - ``block_sums``: ndarray (columns, blocks, 2) of each column's (sum, sum of squares)
          of returns per block; ``block_len``: bars per block;
        - ``walk_forward``: DataFrame, one row per (split, symbol): bars of the windows,
          ``candidates``, the chosen ``param_index`` and parameters, ``is_sharpe`` and the test
          window's ``oos_*`` metrics (NaN / -1 where nothing was chosen); None without
          walk-forward; ``walk_forward_summary``: DataFrame by symbol of the chained test
          windows; ``train_sharpe``: ndarray (splits, columns) of training Sharpe ratios.

    With fewer than two finite-Sharpe columns a symbol's PBO is NaN; with none its DSR is NaN."""


@_documented
def validate_supertrend(
    high: PriceInput,
    low: PriceInput,
    close: PriceInput,
    periods: Union[int, Iterable[int]],
    multipliers: Union[float, Iterable[float]],
    *,
    variant: str = "vectorbt",
    fees: float = 0.001,
    freq: Any = "1D",
    init_cash: float = 100.0,
    blocks: int = 16,
    walk_forward: Optional[Tuple[int, int, int]] = None,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> Dict[str, Any]:
    """Is the sweep's winner real? The Deflated Sharpe Ratio, the Probability of Backtest
    Overfitting by CSCV and walk-forward optimisation of the SuperTrend grid, per symbol, from
    one fused pass over the columns (the crate's ``docs/VALIDATION.md``).

    Parameters
    ----------
    high, low, close, periods, multipliers, variant, fees, freq, init_cash, threads, memory_limit
        As :func:`backtest_supertrend`.<<validate>>

    Raises
    ------
    Error
        Odd, zero or too many blocks, more blocks than bars, walk-forward windows that do not
        fit, a shard, and as :func:`backtest_supertrend`.
    """
    prices, args = _supertrend_args(high, low, close, periods, multipliers, variant)
    d = _native.validate_supertrend(
        *args, *_costs(fees, init_cash, freq), *_validation_args(blocks, walk_forward),
        _threads(threads), _shard(shard), _memory_limit(memory_limit),
    )
    return _validation_result(d, ["period", "multiplier"], prices)


@_documented
def validate_ma_crossover(
    close: PriceInput,
    windows: Iterable[int],
    *,
    ma: str = "simple",
    fees: float = 0.001,
    freq: Any = "1D",
    init_cash: float = 100.0,
    blocks: int = 16,
    walk_forward: Optional[Tuple[int, int, int]] = None,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    memory_limit: Optional[int] = None,
) -> Dict[str, Any]:
    """:func:`validate_supertrend` for the moving-average crossover grid (every pair of the
    sorted ``windows`` with ``fast < slow``).

    Parameters
    ----------
    close, windows, ma, fees, freq, init_cash, threads, memory_limit
        As :func:`backtest_ma_crossover`.<<validate>>

    Raises
    ------
    Error
        As :func:`validate_supertrend` and :func:`backtest_ma_crossover`.
    """
    prices, args = _crossover_args(close, windows, ma)
    d = _native.validate_ma_crossover(
        *args, *_costs(fees, init_cash, freq), *_validation_args(blocks, walk_forward),
        _threads(threads), _shard(shard), _memory_limit(memory_limit),
    )
    return _validation_result(d, ["fast", "slow"], prices)
