"""Contract: concurrent writers in one scope converge on one record per key (issue 10, point 7).

Each writer resolved its entities and duplicates before any of them committed, so every plan names the same new
entity (or fact) under its own derived id. The store settles that inside its one write transaction: the first
writer's record wins and the later plans are remapped onto it, so no relation is left pointing at an entity that
was never written and no fact is stored twice.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from graphmem.stores.embedded import EmbeddedStore

WRITERS = 8


def _together(work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` on WRITERS threads released at once; re-raise the first failure."""
    barrier = threading.Barrier(WRITERS)
    results: list[Any] = [None] * WRITERS
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def _check_one_hub(memory: Memory, user_id: str, leaves: int) -> None:
    entities = memory.store.list_entities(memory_scope(user_id))
    hubs = [e for e in entities if e.normalized == "hub corp"]
    assert len(hubs) == 1, [e.id for e in hubs]
    ids = {e.id for e in entities}
    relations = memory.store.list_relations(memory_scope(user_id))
    assert len(relations) == leaves
    dangling = [r for r in relations if r.source_id not in ids or r.target_id not in ids]
    assert dangling == []
    assert {r.target_id for r in relations} == {hubs[0].id}
    assert len(entities) == leaves + 1


def memory_scope(user_id: str) -> Any:
    from graphmem.models import Scope

    return Scope(user_id=user_id)


def test_threads_naming_one_new_entity_make_one_entity(make_store: Callable[[], Store], embedder: Embedder) -> None:
    memory = Memory(store=make_store(), embedder=embedder)
    try:
        _together(lambda i: memory.add_triples([(f"Leaf {i}", "WORKS_AT", "Hub Corp")], user_id="race"))
        _check_one_hub(memory, "race", WRITERS)
    finally:
        memory.close()


def test_threads_adding_one_fact_make_one_memory(make_store: Callable[[], Store], embedder: Embedder) -> None:
    memory = Memory(store=make_store(), embedder=embedder)
    try:
        results = _together(lambda i: memory.add("Zoe likes green tea", user_id="race", infer=False))
        stored = memory.get_all(user_id="race")["results"]
        assert [m["memory"] for m in stored] == ["Zoe likes green tea"]
        # Every caller is told the id that really holds the fact; exactly one of them added it.
        assert {r["results"][0]["id"] for r in results} == {stored[0]["id"]}
        assert sorted(r["results"][0]["event"] for r in results) == ["ADD"] + ["NONE"] * (WRITERS - 1)
        assert len(memory.history(stored[0]["id"], user_id="race")) == 1
    finally:
        memory.close()


def test_threads_adding_one_triple_make_one_relation(make_store: Callable[[], Store], embedder: Embedder) -> None:
    memory = Memory(store=make_store(), embedder=embedder)
    try:
        _together(lambda i: memory.add_triples([("Ann", "KNOWS", "Ben")], user_id="race"))
        relations = memory.store.list_relations(memory_scope("race"))
        assert len(relations) == 1
        assert len(relations[0].provenance.episode_ids) == WRITERS  # every load is cited as a source
        assert len(memory.store.list_entities(memory_scope("race"))) == 2
    finally:
        memory.close()


def _load(path: str, dim: int, index: int, start: Any) -> None:
    from graphmem.providers.local_minilm import LocalMiniLM

    memory = Memory(store=EmbeddedStore(path, dim), embedder=LocalMiniLM())
    try:
        start.wait()
        for round_ in range(4):
            memory.add_triples([(f"Leaf {index}-{round_}", "WORKS_AT", "Hub Corp")], user_id="race")
    finally:
        memory.close()


def test_two_processes_on_one_embedded_file_make_one_entity(tmp_path: Path, embedder: Embedder) -> None:
    path = str(tmp_path / "shared.db")
    EmbeddedStore(path, embedder.dim).close()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [context.Process(target=_load, args=(path, embedder.dim, i, start)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    memory = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    try:
        _check_one_hub(memory, "race", 8)
    finally:
        memory.close()
