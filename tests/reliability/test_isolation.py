"""Random cross-scope isolation probes: scopes fill with random adds and bulk triples over the same names, then
every read method, and ``update`` / ``delete`` by id, called from another scope, must answer nothing of theirs and
change nothing of theirs. The readers are the other users, and impostors: a scope that puts an owner's user id in
``agent_id`` or ``run_id`` (the same string in another field is another scope).

About a thousand probes per backend, mostly the cheap ones (by-id calls, neighbours, paths); the printed count is the
number actually made."""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import permutations
from typing import Any

from graphmem import Memory, NotFoundError

SCOPES = ["u0", "u1", "u2", "u3"]
NAMES = ["Ann", "Ben", "Cy", "Dee", "Eve", "Acme", "Paris", "Rome"]
SENTENCES = ["{a} works at {b}.", "{a} lives in {b}.", "{a} knows {b}.", "{a} likes {b}."]
RELATIONS = ["KNOWS", "WORKS_AT", "LIVES_IN"]
PATH_PAIRS = 20  # name pairs each reader asks paths for (of 56)


def _fill(memory: Memory, rng: random.Random) -> None:
    for scope in SCOPES:
        for _ in range(6):
            a, b = rng.sample(NAMES, 2)
            if rng.random() < 0.5:
                memory.add(rng.choice(SENTENCES).format(a=a, b=b), user_id=scope)
            else:
                memory.add_triples([(a, rng.choice(RELATIONS), b), (b, rng.choice(RELATIONS), a)], user_id=scope)


def _owned(memory: Memory, scope: dict[str, Any]) -> dict[str, set[str]]:
    graph = memory.to_networkx(**scope)
    return {
        "memories": {m["id"] for m in memory.get_all(**scope, limit=1000)["results"]},
        "relations": {key for _, _, key in graph.edges(keys=True)},
        "episodes": {r["episode_id"] for r in memory.export(**scope)},
    }


def _relation_ids(answer: Any) -> set[str]:
    """Relation ids in a neighbors / paths answer."""
    if isinstance(answer, dict):
        return {r["id"] for r in answer["relations"]}
    return {h["id"] for p in answer for h in p["hops"]}


def _refused(call: Callable[..., object], *args: Any, **scope: Any) -> bool:
    """True when a by-id write is refused as not found (what an id outside the caller's scope must get)."""
    try:
        call(*args, **scope)
    except NotFoundError:
        return True
    return False


def test_no_read_method_answers_another_scopes_data(memory: Memory, report: Callable[[str], str]) -> None:
    rng = random.Random(11)
    _fill(memory, rng)
    owners: dict[str, dict[str, Any]] = {s: {"user_id": s} for s in SCOPES}
    owned = {s: _owned(memory, scope) for s, scope in owners.items()}
    before = {s: (memory.get_all(**scope, limit=1000), memory.export(**scope)) for s, scope in owners.items()}
    texts = {s: [m["memory"] for m in before[s][0]["results"]] for s in SCOPES}
    readers: list[tuple[str, dict[str, Any]]] = list(owners.items())
    readers += [(f"impostor of {s}", {field: s}) for s in SCOPES for field in ("agent_id", "run_id")]
    probes, leaks = 0, []

    def probe(what: str, leaked: bool) -> None:
        nonlocal probes
        probes += 1
        if leaked:
            leaks.append(what)

    for reader, scope in readers:
        own = owned.get(reader, {"memories": set(), "relations": set(), "episodes": set()})
        probe(f"{reader} get_all", not {m["id"] for m in memory.get_all(**scope)["results"]} <= own["memories"])
        probe(f"{reader} export", not {r["episode_id"] for r in memory.export(**scope)} <= own["episodes"])
        for owner in (s for s in SCOPES if s != reader):
            for memory_id in sorted(owned[owner]["memories"] - own["memories"]):
                probe(f"{reader} get {memory_id}", memory.get(memory_id, **scope) is not None)
                probe(f"{reader} history {memory_id}", bool(memory.history(memory_id, **scope)))
                probe(f"{reader} update {memory_id}", not _refused(memory.update, memory_id, "Z.", **scope))
                probe(f"{reader} delete {memory_id}", not _refused(memory.delete, memory_id, **scope))
        other = rng.choice([s for s in SCOPES if s != reader and texts[s]])
        found = memory.search(rng.choice(texts[other]), **scope, limit=20)
        probe(f"{reader} search", not {r["id"] for r in found["results"]} <= own["memories"])
        asks: list[tuple[str, str, dict[str, Any]]] = [
            ("neighbors", name, {"hops": hops}) for name in NAMES for hops in (1, 2)
        ]
        asks += [("paths", a, {"target": b}) for a, b in rng.sample(list(permutations(NAMES, 2)), PATH_PAIRS)]
        for method, name, args in asks:
            try:
                answer = getattr(memory, method)(name, **scope, **args)
                probe(f"{reader} {method} {name}", not _relation_ids(answer) <= own["relations"])
            except NotFoundError:
                probe(f"{reader} {method} {name}", False)
    after = {s: (memory.get_all(**scope, limit=1000), memory.export(**scope)) for s, scope in owners.items()}
    report(f"isolation: {len(leaks)} leaks / {probes} probes")
    assert leaks == []
    assert after == before  # the refused updates and deletes changed nothing
