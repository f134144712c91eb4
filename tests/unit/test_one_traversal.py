"""Breadth-first traversal is written once (issue 10, point 4): ``recall/walk.py`` is the only reader of
``store.edges`` and of its light rows ``store.edge_rows`` (issue 13), so the graph lane, the graph_distance
reranker, ``neighbors`` and ``paths`` share one walk."""

from __future__ import annotations

import ast
from pathlib import Path

import graphmem

PACKAGE = Path(graphmem.__file__).parent


def test_only_the_walk_asks_a_store_for_edges() -> None:
    callers = []
    for path in sorted((PACKAGE / "recall").rglob("*.py")):  # the read path (ingest reads one hop, not a walk)
        for node in ast.walk(ast.parse(path.read_text())):
            method = node.func.attr if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
            if method in {"edges", "edge_rows"}:
                callers.append(path.relative_to(PACKAGE).as_posix())
    assert callers == ["recall/walk.py", "recall/walk.py"]
