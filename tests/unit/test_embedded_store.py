"""Embedded-store specifics: one transaction per add, index reload across connections, file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem import Memory, StoreError
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.recall.terms import quoted_or_query
from graphmem.stores.embedded import EmbeddedStore


def test_a_failure_inside_the_add_transaction_leaves_no_partial_write(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore(tmp_path / "g.db", embedder.dim)
    memory = Memory(store=store, embedder=embedder)

    def boom(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(EmbeddedStore, "_insert_history", staticmethod(boom))
    with pytest.raises(RuntimeError, match="disk full"):
        memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u")
    monkeypatch.undo()
    assert memory.get_all(user_id="u")["results"] == []
    assert memory.to_networkx(user_id="u").number_of_nodes() == 0
    assert memory.search("Alice", user_id="u") == {"results": [], "relations": []}
    [episode] = store.list_episodes(Scope(user_id="u"))
    assert episode.status == "pending" and "GraphConf" in episode.messages[0].content
    # Replaying the kept episode completes it, exactly once.
    memory._ingest.process(episode, infer=True, prompt=None)
    memory._ingest.process(episode, infer=True, prompt=None)
    assert store.get_episode(episode.id).status == "done"  # type: ignore[union-attr]
    assert len(memory.get_all(user_id="u")["results"]) >= 1
    texts = [r["memory"] for r in memory.get_all(user_id="u")["results"]]
    assert len(texts) == len(set(texts))
    assert memory.to_networkx(user_id="u").number_of_edges() >= 3


def test_a_second_connection_sees_writes_in_vector_search(tmp_path: Path, embedder: Embedder) -> None:
    reader = Memory(store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)
    assert reader.search("kiwi", user_id="u")["results"] == []
    writer = Memory(store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)
    writer.add("kiwi fruit is green", user_id="u", infer=False)
    hits = reader.search("green fruit", user_id="u")["results"]
    assert [h["memory"] for h in hits] == ["kiwi fruit is green"] and "vector" in hits[0]["lanes"]


def test_store_refuses_a_different_embedding_dimension(tmp_path: Path) -> None:
    EmbeddedStore(tmp_path / "g.db", 384).close()
    with pytest.raises(StoreError, match="384-dimensional"):
        EmbeddedStore(tmp_path / "g.db", 768)


def test_store_reports_an_unusable_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the store folder"):
        EmbeddedStore(blocker / "sub" / "g.db", 384)
    not_sqlite = tmp_path / "junk.db"
    not_sqlite.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the store"):
        EmbeddedStore(not_sqlite, 384)


def test_full_text_query_quotes_every_term() -> None:
    assert quoted_or_query(['he said "hi"', "OR", "NEAR(x)", "*:*"]) == '"he said hi" OR "OR" OR "NEAR x"'
