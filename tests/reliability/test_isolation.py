"""Random cross-scope isolation probes: scopes fill with random adds and bulk triples over the same names, then
every read method, called from another scope, must answer nothing of theirs."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from graphmem import Memory, NotFoundError

SCOPES = ["u0", "u1", "u2"]
NAMES = ["Ann", "Ben", "Cy", "Dee", "Acme", "Paris"]
SENTENCES = ["{a} works at {b}.", "{a} lives in {b}.", "{a} knows {b}.", "{a} likes {b}."]
RELATIONS = ["KNOWS", "WORKS_AT", "LIVES_IN"]


def _fill(memory: Memory, rng: random.Random) -> None:
    for scope in SCOPES:
        for _ in range(4):
            a, b = rng.sample(NAMES, 2)
            if rng.random() < 0.5:
                memory.add(rng.choice(SENTENCES).format(a=a, b=b), user_id=scope)
            else:
                memory.add_triples([(a, rng.choice(RELATIONS), b), (b, rng.choice(RELATIONS), a)], user_id=scope)


def _owned(memory: Memory, scope: str) -> dict[str, set[str]]:
    graph = memory.to_networkx(user_id=scope)
    return {
        "memories": {m["id"] for m in memory.get_all(user_id=scope, limit=1000)["results"]},
        "relations": {key for _, _, key in graph.edges(keys=True)},
        "episodes": {r["episode_id"] for r in memory.export(user_id=scope)},
    }


def _relation_ids(answer: Any) -> set[str]:
    """Relation ids in a neighbors / paths answer."""
    if isinstance(answer, dict):
        return {r["id"] for r in answer["relations"]}
    return {h["id"] for p in answer for h in p["hops"]}


def test_no_read_method_answers_another_scopes_data(memory: Memory, report: Callable[[str], str]) -> None:
    rng = random.Random(11)
    _fill(memory, rng)
    owned = {s: _owned(memory, s) for s in SCOPES}
    texts = {s: [m["memory"] for m in memory.get_all(user_id=s, limit=1000)["results"]] for s in SCOPES}
    probes, leaks = 0, []

    def probe(what: str, leaked: bool) -> None:
        nonlocal probes
        probes += 1
        if leaked:
            leaks.append(what)

    for reader in SCOPES:
        own = owned[reader]
        probe("get_all", not {m["id"] for m in memory.get_all(user_id=reader)["results"]} <= own["memories"])
        probe("export", not {r["episode_id"] for r in memory.export(user_id=reader)} <= own["episodes"])
        for owner in (s for s in SCOPES if s != reader):
            for memory_id in owned[owner]["memories"] - own["memories"]:
                probe(f"get {memory_id}", memory.get(memory_id, user_id=reader) is not None)
                probe(f"history {memory_id}", bool(memory.history(memory_id, user_id=reader)))
            for text in rng.sample(texts[owner], min(3, len(texts[owner]))):
                found = memory.search(text, user_id=reader, limit=20)
                probe(f"search {text!r}", not {r["id"] for r in found["results"]} <= own["memories"])
        for name in NAMES:
            other = rng.choice([n for n in NAMES if n != name])
            for method, args in (("neighbors", {"hops": 2}), ("paths", {"target": other})):
                try:
                    answer = getattr(memory, method)(name, user_id=reader, **args)
                    probe(f"{method} {name}", not _relation_ids(answer) <= own["relations"])
                except NotFoundError:
                    probe(f"{method} {name}", False)
    report(f"isolation: {len(leaks)} leaks / {probes} probes")
    assert leaks == []
