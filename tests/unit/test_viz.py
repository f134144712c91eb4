"""graphmem.viz on a real embedded store: what is drawn is the scope's graph (or a neighbourhood), highlights follow
``paths``, the file is a real PNG, and a missing matplotlib is an error naming the extra."""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem import Memory, NotFoundError, ValidationError, viz
from graphmem.providers.embed import Embedder
from graphmem.stores.embedded import EmbeddedStore

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Memory]:
    """One store for the module: the tests only read it."""
    path = tmp_path_factory.mktemp("viz") / "viz.db"
    with Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder) as m:
        m.add_triples(
            [("Jane Doe", "WORKS_AT", "Acme Corp"), ("Acme Corp", "SIGNED", "Contract 42"), ("Bob", "KNOWS", "Alice")],
            user_id="alex",
        )
        m.add_triples([("Mallory", "KNOWS", "Eve")], user_id="other")
        yield m


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (the first, right after the signature)."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_draws_the_scope_graph_to_a_png_file(memory: Memory, tmp_path: Path) -> None:
    drawing = viz.draw(memory, user_id="alex")
    assert set(drawing.graph.nodes) == {"Jane Doe", "Acme Corp", "Contract 42", "Bob", "Alice"}  # not Mallory's
    assert sorted((u, d["type"], v) for u, v, d in drawing.graph.edges(data=True)) == [
        ("Acme Corp", "SIGNED", "Contract 42"),
        ("Bob", "KNOWS", "Alice"),
        ("Jane Doe", "WORKS_AT", "Acme Corp"),
    ]
    written = drawing.save(tmp_path / "graph.png")
    data = written.read_bytes()
    width, height = png_size(data)
    assert width > 200 and height > 200 and len(data) > 5_000
    assert png_size(drawing._repr_png_())[0] == width  # what Jupyter shows is the same picture


def test_a_neighbourhood_and_a_path_are_picked_out(memory: Memory) -> None:
    near = viz.draw(memory, user_id="alex", entity="Acme Corp")
    assert set(near.graph.nodes) == {"Jane Doe", "Acme Corp", "Contract 42"}
    assert {n for n, lit in near.graph.nodes(data="highlight") if lit} == {"Acme Corp"}

    lonely = viz.draw(memory, user_id="alex", entity="Alice", depth=2)
    assert set(lonely.graph.nodes) == {"Alice", "Bob"}

    path = memory.paths("Jane Doe", "Contract 42", user_id="alex")[0]
    traced = viz.draw(memory, user_id="alex", path=path)
    lit_edges = {(u, d["type"], v) for u, v, d in traced.graph.edges(data=True) if d["highlight"]}
    assert lit_edges == {("Jane Doe", "WORKS_AT", "Acme Corp"), ("Acme Corp", "SIGNED", "Contract 42")}
    assert {n for n, lit in traced.graph.nodes(data="highlight") if lit} == {"Jane Doe", "Acme Corp", "Contract 42"}


def test_errors_name_what_to_do(memory: Memory, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NotFoundError, match="Nobody"):
        viz.draw(memory, user_id="alex", entity="Nobody")
    with pytest.raises(ValidationError, match="user_id"):  # a scope is needed, as for to_networkx
        viz.draw(memory)
    assert viz.draw(memory, user_id="empty").graph.number_of_nodes() == 0  # an empty scope is an empty picture
    monkeypatch.setattr(viz, "MAX_NODES", 4)
    with pytest.raises(ValidationError, match=r"5 entities.*--entity") as too_many:
        viz.draw(memory, user_id="alex")
    assert too_many.value.field == "entity"
    assert viz.draw(memory, user_id="alex", entity="Bob").graph.number_of_nodes() == 2  # a neighbourhood still draws


def test_without_matplotlib_the_error_names_the_extra(memory: Memory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what an environment without it answers to an import
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'graphmem\[viz\]'") as missing:
        viz.draw(memory, user_id="alex")
    assert missing.value.name == "matplotlib"
