"""Every notebook in notebooks/ runs top to bottom in a fresh kernel of this interpreter, and prints what its committed
outputs show: a notebook whose code or outputs drift from the library fails here (issue 14: notebooks users arrive
through).

The kernel is a kernelspec written to a temporary ``JUPYTER_PATH`` that starts ``sys.executable`` (so the notebooks
import this checkout's graphmem, whatever kernels the machine has), with ``GRAPHMEM_HOME`` in a temporary directory.
Text outputs are compared after masking what differs from run to run (ids, clock times, temporary paths); a committed
picture must be drawn again as a PNG.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "graphmem-test"
# What a run changes: ids (whole, or the 8-character prefixes the notebooks print), clock times and days (history,
# as_of, when an episode came in), temporary directories.
VOLATILE = [
    (re.compile(r"\b[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\b"), "<id>"),
    (re.compile(r"\b[0-9a-f]{8}\b"), "<id>"),
    (re.compile(r"\d{4}-\d\d-\d\d([T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?)?"), "<time>"),
    (re.compile(r"/tmp/[\w./-]+"), "<tmp>"),
]


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = jupyter / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))
    return {"JUPYTER_PATH": str(jupyter), "GRAPHMEM_HOME": str(tmp_path_factory.mktemp("home"))}


def _texts(cell: Any) -> list[str]:
    """A code cell's text outputs (streams and plain-text results), volatile parts masked."""
    out: list[str] = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            text = o["text"]
        elif o["output_type"] in ("execute_result", "display_data") and "image/png" not in o["data"]:
            text = o["data"].get("text/plain", "")
        else:
            continue
        for pattern, mask in VOLATILE:
            text = pattern.sub(mask, text)
        out.append(text)
    return ["".join(out)]


def _pictures(cell: Any) -> int:
    return sum(1 for o in cell.get("outputs", []) if "image/png" in o.get("data", {}))


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01-quickstart.ipynb",
        "02-exploring-the-graph.ipynb",
        "03-compliance-link-tracing.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_prints_its_committed_outputs(
    path: Path, kernel_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    committed = nbformat.read(path, as_version=4)
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert code and all(c.get("outputs") or "close()" in c.source for c in code), "commit the notebook run"
    for name, value in kernel_env.items():
        monkeypatch.setenv(name, value)
    fresh = nbformat.read(path, as_version=4)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(fresh, timeout=180, kernel_name=KERNEL, resources={"metadata": {"path": str(tmp_path)}}).execute()
    ran = [c for c in fresh.cells if c.cell_type == "code"]
    for before, after in zip(code, ran, strict=True):
        assert _texts(after) == _texts(before), before.source
        assert _pictures(after) == _pictures(before), before.source
