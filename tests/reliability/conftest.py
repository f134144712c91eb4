"""The reliability suite (issue 11, point 5): each test prints one line of figures, shown whatever ``-s`` says, so
CI logs carry them. Runs on every backend through the ``memory`` / ``make_store`` fixtures of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def report(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Callable[[str], str]:
    """``report("isolation: 0 leaks / 300 probes")`` prints ``isolation[embedded]: ...`` past pytest's capture."""
    backend = request.node.callspec.params.get("backend", "?") if hasattr(request.node, "callspec") else "?"

    def emit(line: str) -> str:
        name, _, rest = line.partition(":")
        shown = f"{name}[{backend}]:{rest}"
        with capsys.disabled():
            print(f"\n{shown}")
        return shown

    return emit
