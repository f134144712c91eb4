"""`graphmem draw` end to end through click's runner: a PNG of the scope's graph or of one entity's neighbourhood,
and the errors a person can make (no scope, a missing store, --depth without --entity, no matplotlib)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphmem.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with two users' graphs, made by the CLI itself (the draw tests only read it)."""
    folder = tmp_path_factory.mktemp("draw")
    triples = folder / "triples.csv"
    triples.write_text("Jane Doe,WORKS_AT,Acme Corp\nAcme Corp,SIGNED,Contract 42\nBob,KNOWS,Alice\n")
    path = str(folder / "draw.db")
    for user in ("alex", "other"):
        result = CliRunner().invoke(main, ["add-triples", str(triples), "--user", user, "--store", path, "--json"])
        assert result.exit_code == 0, result.output
    return path


def draw(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["draw", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_draws_the_scope_and_a_neighbourhood_to_png(store: str, tmp_path: Path) -> None:
    whole = tmp_path / "graph.png"
    code, out = draw("--user", "alex", "-o", str(whole), "--store", store, "--json")
    assert code == 0, out
    assert json.loads(out) == {
        "output": str(whole),
        "entities": ["Acme Corp", "Alice", "Bob", "Contract 42", "Jane Doe"],
        "relations": 3,
    }
    assert whole.read_bytes()[:8] == PNG_SIGNATURE and whole.stat().st_size > 5_000

    near = tmp_path / "near.png"
    code, out = draw("--user", "alex", "-o", str(near), "--store", store, "--entity", "Jane Doe", "--depth", "2")
    assert code == 0, out
    assert out.strip() == f"drew 3 entities and 2 relations to {near}"
    assert near.read_bytes()[:8] == PNG_SIGNATURE


def test_mistakes_are_named(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out_file = str(tmp_path / "x.png")
    code, out = draw("-o", out_file, "--store", store)
    assert code == 2 and "--user, --agent or --run" in out
    code, out = draw("--user", "alex", "-o", out_file, "--store", store, "--depth", "2")
    assert code == 2 and "--entity" in out
    code, out = draw("--user", "alex", "-o", out_file, "--store", str(tmp_path / "missing.db"))
    assert code == 1 and "does not exist" in out
    code, out = draw("--user", "alex", "-o", out_file, "--store", store, "--entity", "Nobody")
    assert code == 1 and "entity 'Nobody' not found" in out
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # an environment without the viz extra
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    code, out = draw("--user", "alex", "-o", out_file, "--store", store)
    assert code == 1 and "pip install 'graphmem[viz]'" in out
    assert not Path(out_file).exists()
