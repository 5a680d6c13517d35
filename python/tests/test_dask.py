"""Shards of a backtest on a dask cluster of worker processes: the gathered, concatenated
result equals the single-process run exactly."""
import numpy as np
import pandas as pd
import pytest

import ta_sweep as ts
from conftest import frames_equal_bits

distributed = pytest.importorskip("dask.distributed")


def test_dask_shards_equal_the_single_process_run(frames):
    close = frames[2]
    windows = list(range(2, 61))
    whole = ts.backtest_ma_crossover(close, windows, ma="exponential")
    count = 6
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        data = client.scatter(close, broadcast=True)
        futures = [
            client.submit(ts.backtest_ma_crossover, data, windows, ma="exponential", threads=1,
                          shard=(i, count), pure=False)
            for i in range(count)
        ]
        parts = client.gather(futures)
    assert [len(p) for p in parts] == [len(whole) * (i + 1) // count - len(whole) * i // count for i in range(count)]
    frames_equal_bits(whole, pd.concat(parts, ignore_index=True))


def _dask_grid():
    """The example script as a module (it lives outside the package)."""
    import importlib.util
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "dask_grid.py")
    spec = importlib.util.spec_from_file_location("dask_grid", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv", [
    ["--repeat", "0"], ["--repeat", "1001"], ["--workers", "0"], ["--shards", "0"],
    ["--windows", "5:5"], ["--windows", "a:b"], ["--top", "-1"],
])
def test_dask_grid_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit:
        _dask_grid().parse_args(argv)
    assert exit.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_dask_grid_repeated_passes_report_the_best_and_equal(capsys):
    import json

    grid = _dask_grid()
    assert grid.main(["--windows", "2:30", "--repeat", "2", "--top", "2", "--json"]) == 0
    out = capsys.readouterr().out
    row = json.loads(out.strip().splitlines()[-1])
    assert set(row) == {"columns", "shards", "workers", "dask_s", "single_s", "ratio", "equal"}
    assert row["columns"] == 29 * 28 // 2 * 2 and row["shards"] == 8 and row["workers"] == 2
    assert row["equal"] is True and row["ratio"] == row["dask_s"] / row["single_s"]
    assert "(best of 2)" in out and "best 2 combinations by Sharpe ratio" in out


def test_dask_grid_reports_bad_files_and_crate_errors_without_a_traceback(tmp_path, capsys):
    grid = _dask_grid()
    bad = tmp_path / "bad.csv"
    bad.write_text("time,close\n2020-01-01,1\n2020-01-02,abc\n")
    for argv, code, message in [
        (["--csv", str(tmp_path / "missing.csv")], 2, "cannot read the closes"),
        (["--csv", str(bad)], 2, "could not convert string to float"),
        (["--fees", "2"], 1, "invalid fees 2"),
        (["--windows", "2:100000"], 1, "over the memory limit"),
    ]:
        assert grid.main(argv + ["--top", "0"]) == code
        assert message in capsys.readouterr().err
