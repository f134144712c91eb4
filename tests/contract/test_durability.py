"""Contract: data survives a restart; concurrent use from threads loses nothing; export/import round-trips."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from graphmem import Memory, StoreUnavailable
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store


def test_everything_survives_closing_and_reopening(make_store: Callable[[], Store], embedder: Embedder) -> None:
    first = Memory(store=make_store(), embedder=embedder)
    added = first.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u")
    mid = added["results"][0]["id"]
    first.update(mid, "Alice met Bob at GraphConf")
    first.close()
    second = Memory(store=make_store(), embedder=embedder)
    assert second.get(mid)["memory"] == "Alice met Bob at GraphConf"  # type: ignore[index]
    assert [e["event"] for e in second.history(mid)] == ["ADD", "UPDATE"]
    found = second.search("Who did Alice meet?", user_id="u")
    assert found["results"] and ("Alice", "MET", "Bob") in {
        (r["source"], r["relationship"], r["destination"]) for r in found["relations"]
    }
    assert second.paths("Bob", "GraphConf", user_id="u")  # what the updated text says, written by the update
    assert second.paths("Bob", "San Francisco", user_id="u") == []  # ... and what it no longer says


def test_concurrent_adds_from_threads_all_land(memory: Memory) -> None:
    def work(worker: int) -> list[str]:
        return [
            memory.add(f"worker {worker} note {i}", user_id=f"w{worker % 2}", infer=False)["results"][0]["id"]
            for i in range(5)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [i for batch in pool.map(work, range(8)) for i in batch]
    assert len(set(ids)) == 40
    assert len(memory.get_all(user_id="w0")["results"]) + len(memory.get_all(user_id="w1")["results"]) == 40
    hits = memory.search("worker 3 note 4", user_id="w1", limit=3)["results"]
    assert hits[0]["memory"] == "worker 3 note 4"


def test_export_then_import_rebuilds_the_scope(memory: Memory, make_store: Callable[[], Store]) -> None:
    memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u", metadata={"src": "chat"})
    memory.add("raw note", user_id="u", infer=False)
    memory.add_triples([("Bob", "WORKS_AT", "Initech")], user_id="u")
    exported = memory.export(user_id="u")
    assert [("triples" in r, r.get("infer")) for r in exported] == [(False, True), (False, False), (True, None)]
    before = sorted(r["memory"] for r in memory.get_all(user_id="u")["results"])
    edges_before = memory.to_networkx(user_id="u").number_of_edges()
    memory.delete_all(user_id="u")
    summary = memory.import_(exported)
    assert summary["episodes"] == 3 and summary["failed"] == 0
    assert sorted(r["memory"] for r in memory.get_all(user_id="u")["results"]) == before
    assert memory.to_networkx(user_id="u").number_of_edges() == edges_before
    bad = memory.import_([{"messages": "ok", "user_id": "u"}, {"nonsense": 1}, {"messages": "no scope"}])
    assert bad["episodes"] == 1 and bad["failed"] == 2
    assert [e["line"] for e in bad["errors"]] == [2, 3]


class _Crash(BaseException):
    """The process dying mid-add (not an ``Exception``: nothing in the pipeline may catch it)."""


class _Broken:
    """Delegates to a store whose ``apply`` raises ``error``; with a ``StoreUnavailable``, marking the episode
    failed fails as well (the store is gone): either way nothing records the failure."""

    def __init__(self, inner: Store, error: BaseException) -> None:
        self._inner, self._error = inner, error

    def __getattr__(self, name: str) -> object:
        if name == "apply" or (name == "set_episode_status" and isinstance(self._error, StoreUnavailable)):

            def fail(*args: object, **kwargs: object) -> object:
                raise self._error

            return fail
        return getattr(self._inner, name)


@pytest.mark.parametrize("error", [_Crash(), StoreUnavailable("connection reset")], ids=["crash", "store-gone"])
def test_an_episode_left_pending_is_retried_once_stale(
    make_store: Callable[[], Store], embedder: Embedder, error: BaseException
) -> None:
    broken = Memory(store=_Broken(make_store(), error), embedder=embedder)  # type: ignore[arg-type]
    with pytest.raises(type(error)):
        broken.add("Alice works at Acme Corp", user_id="u")
    later = Memory(store=make_store(), embedder=embedder)  # another process, after the first one died
    [episode] = later.store.list_episodes(Scope(user_id="u"))
    assert episode.status == "pending"
    young = later.retry_failed(user_id="u")  # just stored: it may still be in flight elsewhere
    assert young["retried"] == 0 and later.store.get_episode(episode.id).status == "pending"  # type: ignore[union-attr]
    outcome = later.retry_failed(user_id="u", stale_after=timedelta(0))
    assert (outcome["retried"], outcome["succeeded"]) == (1, 1)
    assert later.store.get_episode(episode.id).status == "done"  # type: ignore[union-attr]
    assert [m["memory"] for m in later.get_all(user_id="u")["results"]] == ["Alice works at Acme Corp"]
    assert later.retry_failed(user_id="u", stale_after=timedelta(0))["retried"] == 0
    later.close()
