"""Shared helpers of the ta_sweep tests: the repository's golden files and bundled prices,
and exact comparisons."""
import json
import os

import numpy as np
import pandas as pd
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
#: The crate's repository (the tests use its own copies of the golden files and data).
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(REPO, "tests", "data")
BUNDLED = os.path.join(REPO, "examples", "data")
SYMBOLS = ["MSFT_bokeh", "IBM_bokeh"]


def read_csv(path):
    """A golden CSV with every number at its exact bits: each cell parsed by Python's
    correctly rounded ``float`` (``nan``, ``inf`` included); columns of text stay text."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = {}
    for name in raw.columns:
        try:
            out[name] = np.array([float(v) for v in raw[name]], dtype=np.float64)
        except ValueError:
            out[name] = raw[name].to_numpy(dtype=object)
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def golden(*parts):
    return read_csv(os.path.join(DATA, *parts))


def manifest(*parts):
    with open(os.path.join(DATA, *parts, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def bundled(symbol):
    """examples/data/<symbol>.csv, indexed by time."""
    frame = read_csv(os.path.join(BUNDLED, f"{symbol}.csv"))
    return frame.set_index(pd.DatetimeIndex(frame.pop("time"), name="time"))


def bundled_frames():
    """(high, low, close) DataFrames of both bundled symbols, columns named by file stem."""
    data = {s: bundled(s) for s in SYMBOLS}
    return tuple(pd.DataFrame({s: data[s][k] for s in SYMBOLS}) for k in ("high", "low", "close"))


def same_bits(a, b):
    """Equal bit for bit, any NaN equal to any NaN (as the crate's tests compare)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    equal = a.view(np.int64) == b.view(np.int64)
    return bool(np.all(equal | (np.isnan(a) & np.isnan(b))))


def assert_same_bits(what, expected, actual):
    expected, actual = np.asarray(expected, dtype=np.float64), np.asarray(actual, dtype=np.float64)
    assert expected.shape == actual.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if not same_bits(expected, actual):
        bad = np.flatnonzero(
            ~((expected.view(np.int64) == actual.view(np.int64)) | (np.isnan(expected) & np.isnan(actual)))
        )
        i = bad[0]
        raise AssertionError(
            f"{what}: {len(bad)} values differ, first at {i}: expected {expected.flat[i]!r}, "
            f"got {actual.flat[i]!r}"
        )


def frames_equal_bits(a: pd.DataFrame, b: pd.DataFrame):
    """Two result frames equal: same columns, the same bits in float columns."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if x.dtype.kind == "f":
            assert_same_bits(c, x, y)
        else:
            assert (x == y).all(), c


@pytest.fixture(scope="session")
def frames():
    return bundled_frames()
