"""Contract: backend failures reach callers as the same ``StoreError`` subclasses on every backend (issue 10,
point 7), never as ``sqlite3.*`` or ``neo4j.exceptions.*``; each provoked here by a real failure."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest

from graphmem import Memory, StoreConflict, StoreError, StoreUnavailable
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.neo4j import Neo4jStore
from tests.neo4j.tcp_proxy import CuttableProxy
from tests.neo4j_server import Neo4jServer


def test_an_update_that_would_copy_another_memory_is_a_conflict(memory: Memory) -> None:
    first = memory.add("Zoe likes green tea", user_id="u", infer=False)["results"][0]["id"]
    second = memory.add("Zoe likes black coffee", user_id="u", infer=False)["results"][0]["id"]
    with pytest.raises(StoreConflict):
        memory.update(second, "Zoe likes green tea")
    assert sorted(m["memory"] for m in memory.get_all(user_id="u")["results"]) == [
        "Zoe likes black coffee",
        "Zoe likes green tea",
    ]
    assert memory.get(first)["memory"] == "Zoe likes green tea"  # type: ignore[index]


def test_a_file_locked_by_another_writer_is_unavailable(tmp_path: Path, embedder: Embedder) -> None:
    path = tmp_path / "g.db"
    memory = Memory(store=EmbeddedStore(path, embedder.dim, busy_timeout=0.2), embedder=embedder)
    memory.add("Zoe likes green tea", user_id="u", infer=False)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction that does not end in time
    try:
        with pytest.raises(StoreUnavailable) as caught:
            memory.add("Zoe likes black coffee", user_id="u", infer=False)
        assert str(path) in str(caught.value)
        assert [m["memory"] for m in memory.get_all(user_id="u")["results"]] == ["Zoe likes green tea"]  # reads go on
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    memory.add("Zoe likes black coffee", user_id="u", infer=False)  # and writes, once the lock is gone
    assert len(memory.get_all(user_id="u")["results"]) == 2
    memory.close()


def test_a_corrupt_file_is_a_store_error(tmp_path: Path, embedder: Embedder) -> None:
    path = tmp_path / "g.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        EmbeddedStore(path, embedder.dim)


def test_a_lost_neo4j_server_is_unavailable_for_reads_and_writes(neo4j_server: Neo4jServer, embedder: Embedder) -> None:
    url = urlparse(neo4j_server.uri)
    proxy = CuttableProxy(url.hostname or "127.0.0.1", url.port or 7687)
    store = Neo4jStore(f"bolt://127.0.0.1:{proxy.port}", neo4j_server.username, neo4j_server.password, None,
                       embedder.dim, max_retry_time=0.5)  # fmt: skip
    memory = Memory(store=store, embedder=embedder)
    try:
        store.reset()
        memory.add("Zoe likes green tea", user_id="u", infer=False)
        proxy.refuse = True  # the server is gone and stays gone: the driver's retries cannot reconnect
        proxy.kill_all()
        with pytest.raises(StoreUnavailable):
            memory.get_all(user_id="u")
        with pytest.raises(StoreUnavailable):
            memory.add("Zoe likes black coffee", user_id="u", infer=False)
        with pytest.raises(StoreUnavailable):
            memory.delete_all(user_id="u")
    finally:
        memory.close()
        proxy.close()


class _FailOnce:
    """Delegates to the wrapped object; the first call of ``method`` raises instead (a real-looking failure)."""

    def __init__(self, inner: object, method: str, error: Exception) -> None:
        self._inner, self._method, self._error, self.failed = inner, method, error, False

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._inner, name)
        if name != self._method or self.failed:
            return attr

        def fail(*args: object, **kwargs: object) -> object:
            self.failed = True
            raise self._error

        return fail


@pytest.mark.parametrize(
    ("stage", "method"), [("embedding", "embed"), ("read", "find_memories_by_hash"), ("write", "apply")]
)
def test_an_episode_failing_after_extraction_is_marked_failed_and_retry_completes_it(
    make_store: Callable[[], Store], embedder: Embedder, stage: str, method: str
) -> None:
    store = make_store()
    error = StoreUnavailable("connection reset") if stage != "embedding" else RuntimeError("embedder down")
    flaky_store = _FailOnce(store, method, error) if stage != "embedding" else store
    flaky_embedder = _FailOnce(embedder, method, error) if stage == "embedding" else embedder
    memory = Memory(store=flaky_store, embedder=flaky_embedder)  # type: ignore[arg-type]
    try:
        if stage == "embedding":
            assert memory.add("Alice works at Acme Corp", user_id="u")["error"].startswith("embedding failed")
        else:
            with pytest.raises(StoreUnavailable):
                memory.add("Alice works at Acme Corp", user_id="u")
        [episode] = store.list_episodes(Scope(user_id="u"))
        assert episode.status == "failed" and (episode.error or "").startswith(f"{stage}: ")
        assert memory.get_all(user_id="u")["results"] == []
        outcome = memory.retry_failed(user_id="u")
        assert (outcome["retried"], outcome["succeeded"]) == (1, 1)
        assert store.get_episode(episode.id).status == "done"  # type: ignore[union-attr]
        assert [m["memory"] for m in memory.get_all(user_id="u")["results"]] == ["Alice works at Acme Corp"]
    finally:
        memory.close()


def test_delete_all_is_one_transaction(make_store: Callable[[], Store], embedder: Embedder) -> None:
    """A delete_all whose write fails deletes nothing: no memory gone, no DELETE event recorded."""
    store = make_store()
    memory = Memory(store=store, embedder=embedder)
    mid = memory.add("Zoe likes green tea", user_id="u", infer=False)["results"][0]["id"]
    flaky = Memory(store=_FailOnce(store, "delete_scope", StoreUnavailable("connection reset")),  # type: ignore[arg-type]
                   embedder=embedder)  # fmt: skip
    with pytest.raises(StoreUnavailable):
        flaky.delete_all(user_id="u")
    assert [m["id"] for m in memory.get_all(user_id="u")["results"]] == [mid]
    assert [h["event"] for h in memory.history(mid, user_id="u")] == ["ADD"]
    assert memory.delete_all(user_id="u")["deleted"] == 1
    assert memory.get_all(user_id="u")["results"] == []
    assert [h["event"] for h in memory.history(mid, user_id="u")] == ["ADD", "DELETE"]
    memory.close()
