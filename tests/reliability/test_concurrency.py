"""Random write races, audited: threads (8 of them, released together each round) and OS processes (sharing one
embedded file, or one Neo4j database) add overlapping sentences, verbatim facts and triples over a handful of names,
in one scope and its neighbours. The store must come out as if the writes had run one by one: each entity name once
per scope, no relation pointing at a missing entity, no memory text twice among a scope's current memories, and
everything any call reported as written really there (its episode done).

tests/contract/test_concurrency.py pins the single cases (one entity, one fact, one triple raced); this is the
randomized, mixed version, and it prints its figures.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.models import Scope, normalize_name
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from tests.reliability.writer import Writer, run_op, store_spec

THREADS, ROUNDS = 8, 2
PROCESSES, PROCESS_OPS = 3, 3
SCOPES = ["c0", "c0", "c0", "c1", "c2"]  # mostly one scope, sometimes a neighbour: same names, other scopes
NAMES = ["Ann", "Ben", "Cy", "Dee", "Eve"]
PLACES = ["Acme", "Paris", "Initech"]
SENTENCES = ["{a} knows {b}.", "{a} likes {b}.", "{a} works at {p}. {a} knows {b}.", "{a} lives in {p}."]
RELATIONS = ["KNOWS", "LIKES", "MET"]

Outcome = tuple[str, dict[str, Any]]  # (scope, what add / add_triples answered)


def random_op(rng: random.Random, index: int) -> dict[str, Any]:
    """A sentence to extract, a verbatim fact (few distinct texts: concurrent duplicates) or two triples."""
    scope, (a, b), p = rng.choice(SCOPES), rng.sample(NAMES, 2), rng.choice(PLACES)
    kind = rng.random()
    if kind < 0.4:
        return {"index": index, "kind": "add", "scope": scope, "text": rng.choice(SENTENCES).format(a=a, b=b, p=p)}
    if kind < 0.6:
        return {"index": index, "kind": "add", "scope": scope, "infer": False, "text": f"{a} has a note about {p}"}
    triples = [(a, rng.choice(RELATIONS), b), (b, rng.choice(RELATIONS), p)]
    return {"index": index, "kind": "triples", "scope": scope, "triples": triples}


@dataclass
class Audit:
    duplicate_entities: list[str]
    dangling_relations: list[str]
    duplicate_relations: list[str]
    duplicate_memories: list[str]
    lost: list[str]

    def line(self, what: str, size: str) -> str:
        counts = (len(self.duplicate_entities), len(self.dangling_relations), len(self.duplicate_memories))
        return (f"{what}: {counts[0]} duplicate entities, {counts[1]} dangling relations, {counts[2]} duplicate "
                f"memories, {len(self.lost)} lost adds / {size}")  # fmt: skip

    def clean(self) -> bool:
        return not (self.duplicate_entities or self.dangling_relations or self.duplicate_relations
                    or self.duplicate_memories or self.lost)  # fmt: skip


def audit(store: Store, outcomes: list[Outcome]) -> Audit:
    """Check the store after the races, and that every outcome the writers were told is in it."""
    found = Audit([], [], [], [], [])
    triples: dict[str, set[tuple[str, str, str]]] = {}
    for name in sorted(set(SCOPES)):
        scope = Scope(user_id=name)
        entities = store.list_entities(scope)
        names = Counter(e.normalized for e in entities)
        found.duplicate_entities += [f"{name}/{n}" for n, count in names.items() if count > 1]
        by_id = {e.id: e for e in entities}
        relations = store.list_relations(scope, include_expired=True)
        found.dangling_relations += [r.id for r in relations if r.source_id not in by_id or r.target_id not in by_id]
        current = Counter((r.source_id, r.type, r.target_id) for r in relations if r.invalid_at is None)
        found.duplicate_relations += [f"{name}/{k}" for k, count in current.items() if count > 1]
        texts = Counter(m.hash for m in store.list_memories(scope))
        found.duplicate_memories += [f"{name}/{h}" for h, count in texts.items() if count > 1]
        triples[name] = {(normalize_name(r.source), r.type, normalize_name(r.target)) for r in relations}
    for scope_name, result in outcomes:
        episode = store.get_episode(result["episode_id"])
        if result.get("error") or episode is None or episode.status != "done":
            found.lost.append(f"episode {result['episode_id']}: {result.get('error')}")
        for event in result["results"]:
            record = store.get_memory(event["id"])
            if record is None or record.scope.user_id != scope_name:
                found.lost.append(f"memory {event['id']} ({event['event']} {event['memory']!r})")
        for r in result["relations"]["added"]:
            key = (normalize_name(r["source"]), r["relationship"], normalize_name(r["destination"]))
            if key not in triples[scope_name]:
                found.lost.append(f"relation {key} in {scope_name}")
    return found


def _backend(request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params["backend"])


def test_threads_racing_over_shared_names_leave_a_consistent_store(
    make_store: Callable[[], Store], embedder: Embedder, report: Callable[[str], str]
) -> None:
    memory = Memory(store=make_store(), embedder=embedder)
    barrier = threading.Barrier(THREADS)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        rng = random.Random(1100 + thread)
        for round_ in range(ROUNDS):
            op = random_op(rng, round_)
            barrier.wait()  # every round starts together: the writes collide
            try:
                outcomes.append((op["scope"], run_op(memory, op)))
            except BaseException as exc:  # asserted below, in the test's thread
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert len(outcomes) == THREADS * ROUNDS
        found = audit(memory.store, outcomes)
        report(found.line("concurrency", f"{THREADS} threads x {ROUNDS} rounds"))
        assert found.clean(), found
    finally:
        memory.close()


def test_processes_sharing_one_database_leave_a_consistent_store(
    request: pytest.FixtureRequest,
    make_store: Callable[[], Store],
    embedder: Embedder,
    tmp_path: Path,
    report: Callable[[str], str],
) -> None:
    if _backend(request) == "narrow":
        pytest.skip("the narrow test store lives in one process's memory: nothing to share between processes")
    server = request.getfixturevalue("neo4j_server") if _backend(request) == "neo4j" else None
    memory = Memory(store=make_store(), embedder=embedder)  # creates the file (or the schema) before the writers
    try:
        where = store_spec(memory.store, server, embedder.dim)
        writers = []
        for p in range(PROCESSES):
            rng = random.Random(2200 + p)
            writers.append(Writer(tmp_path, f"writer{p}", where, [random_op(rng, i) for i in range(PROCESS_OPS)]))
        for w in writers:
            w.wait_ready()
        for w in writers:
            w.go()
        outcomes = [(line["scope"], line["result"]) for w in writers for line in w.finish() if "done" in line]
        assert len(outcomes) == PROCESSES * PROCESS_OPS
        found = audit(memory.store, outcomes)
        report(found.line("processes", f"{PROCESSES} processes x {PROCESS_OPS} writes"))
        assert found.clean(), found
    finally:
        memory.close()
