"""The package's README example runs, and every public function documents itself."""
import os
import re

import pytest

import ta_sweep as ts
from conftest import REPO


def test_the_python_readme_example_runs(monkeypatch):
    with open(os.path.join(REPO, "python", "README.md"), encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
    assert blocks
    monkeypatch.chdir(REPO)
    for block in blocks:
        exec(compile(block, "python/README.md", "exec"), {})


@pytest.mark.parametrize("name", [n for n in ts.__all__ if callable(getattr(ts, n)) and n != "Error"])
def test_every_public_function_has_a_full_docstring(name):
    doc = getattr(ts, name).__doc__
    assert doc and "<<" not in doc, name
    if name.startswith(("supertrend", "ma", "atr", "backtest", "validate")):
        for section in ("Parameters", "Returns", "Raises"):
            assert section in doc, f"{name}: no {section}"
