"""benchmarks/load.py, briefly: a few clients for two seconds against the embedded server it starts itself. The
figures are not checked (they depend on the machine); that it runs, prints its table and count check, and that no
call failed and no acknowledged add went missing, is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.graphmem_server import quiet_env

LOAD = Path(__file__).resolve().parents[2] / "benchmarks" / "load.py"


def test_load_benchmark_runs_and_loses_nothing(tmp_path: Path) -> None:
    figures = tmp_path / "load.json"
    command = [sys.executable, str(LOAD), "--backend", "embedded", "--clients", "3", "--seconds", "2"]
    done = subprocess.run([*command, "--json", str(figures)], capture_output=True, text=True, env=quiet_env(),
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("backend"))
    assert header.split() == ["backend", "workers", "route", "requests", "req/s", "p50", "ms", "p95", "ms", "p99",
                              "ms", "errors"]  # fmt: skip
    table = [line.split() for line in lines if line.startswith("embedded ")]
    assert {row[2] for row in table} == {"add", "search", "get", "all"}
    assert all(row[1] == "1" and row[-1] == "0" for row in table)
    assert any(line.startswith("embedded: count check:") and line.endswith(": OK") for line in lines)

    (result,) = json.loads(figures.read_text())["results"]
    assert result["backend"] == "embedded"
    assert all(route["errors"] == 0 and route["requests"] > 0 for route in result["routes"].values())
    count = result["count"]
    assert count["ok"] and count["acknowledged"] > 0
    assert count["stored"] == count["acknowledged"] and count["lost"] == count["duplicated"] == 0
