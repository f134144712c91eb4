"""Issue 13: the first search after opening an embedded store must not wait for the background load of its vector
indexes (at 100k memories that load took ~3 s, and the first search waited for all of it). While they load, the
vector reads answer exactly from the scope's rows in the tables, with the answers the loaded indexes give."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.vector_index import VectorIndex

QUERIES = ["What does Ada drink?", "kiwi number 7", "Where does Ada work?", "Bob and the bicycle"]


class _OneByOne:
    """The model, one text per call: a text's vector then never depends on the batch it came in (padding), so
    two searches of the same query compare exactly."""

    def __init__(self, model: Embedder) -> None:
        self.model, self.dim, self.name = model, model.dim, model.name

    def embed(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return np.stack([np.asarray(self.model.embed([t]), dtype=np.float32)[0] for t in texts])


def _searches(memory: Memory) -> dict[str, Any]:
    return {
        **{q: memory.search(q, user_id="u") for q in QUERIES},
        "agent": memory.search("kiwi number 3", user_id="u", agent_id="a"),
        "other user": memory.search("kiwi", user_id="v"),
    }


def test_searches_answer_from_the_tables_while_the_indexes_load(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, embedder = tmp_path / "g.db", _OneByOne(embedder)
    memory = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    for i in range(12):
        memory.add(f"note {i}: the kiwi number {i} is green", user_id="u", infer=False)
    for i in range(4):
        memory.add(f"kiwi number {i} of the agent", user_id="u", agent_id="a", infer=False)
    memory.add("the kiwi of another user", user_id="v", infer=False)
    memory.add("Ada drinks green tea every morning", user_id="u", infer=False)
    memory.add("Ada works at the observatory in Lund", user_id="u", infer=False)
    changed = memory.add("Bob rides a red bicycle", user_id="u", infer=False)["results"][0]["id"]
    memory.update(changed, "Bob rides a blue bicycle to work")  # the old text is expired, not current
    memory.add_triples(
        [("Ada", "works at", "observatory"), ("Ada", "drinks", "green tea"), ("Bob", "knows", "Ada")], user_id="u"
    )
    warm = _searches(memory)
    memory.close()

    loading, release = threading.Event(), threading.Event()
    load = VectorIndex.load

    def held(index: VectorIndex, rows: Any) -> None:  # the background load, paused until the searches are done
        loading.set()
        release.wait(60)
        load(index, rows)

    monkeypatch.setattr(VectorIndex, "load", held)
    store = EmbeddedStore(path, embedder.dim)
    try:
        assert loading.wait(30)
        reopened = Memory(store=store, embedder=embedder)
        cold: dict[str, Any] = {}
        searching = threading.Thread(target=lambda: cold.update(_searches(reopened)), daemon=True)
        searching.start()
        searching.join(30)
        assert not searching.is_alive(), "a search waited for the vector indexes to load"
        assert all(len(index) == 0 for index in store._indexes.values())  # answered while nothing was loaded
    finally:
        release.set()
        store._loader.join()
    assert cold == warm  # ids, order, scores, relations: the same answers
    assert _searches(reopened) == warm  # and the loaded indexes answer as before
    reopened.close()


def test_a_scope_too_large_to_scan_waits_for_the_load(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decoding a big scope's vectors from the tables on every search is slower than the load (a 130k-entity
    knowledge graph took seconds per search): above ``_TABLE_SCAN_ROWS`` rows a search waits for the indexes."""
    path = tmp_path / "g.db"
    memory = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    for i in range(6):
        memory.add(f"note {i}: the kiwi number {i} is green", user_id="big", infer=False)
    memory.add("the kiwi of a small user", user_id="small", infer=False)
    warm = {user: memory.search("kiwi", user_id=user) for user in ("big", "small")}
    memory.close()

    monkeypatch.setattr("graphmem.stores.embedded._TABLE_SCAN_ROWS", 3)
    loading, release = threading.Event(), threading.Event()
    load = VectorIndex.load

    def held(index: VectorIndex, rows: Any) -> None:
        loading.set()
        release.wait(60)
        load(index, rows)

    monkeypatch.setattr(VectorIndex, "load", held)
    store = EmbeddedStore(path, embedder.dim)
    reopened = Memory(store=store, embedder=embedder)
    try:
        assert loading.wait(30)
        assert reopened.search("kiwi", user_id="small") == warm["small"]  # 1 row: answered from the tables
        big: dict[str, Any] = {}
        searching = threading.Thread(target=lambda: big.update(reopened.search("kiwi", user_id="big")), daemon=True)
        searching.start()
        searching.join(1.0)
        assert searching.is_alive(), "a scope over the scan limit was read from the tables"
    finally:
        release.set()
        store._loader.join()
    searching.join(30)
    assert big == warm["big"]
    reopened.close()
