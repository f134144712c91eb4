"""kill -9 during adds, then replay: a writer process adds a run of messages and is SIGKILLed at seeded moments
(after a random number of adds started, plus a random fraction of the time an add takes there), several times, each
new writer going on from the message after the last one started. Then the application's recovery: reopen,
``retry_failed`` with a zero staleness window (the writers are dead: nothing is in flight), and add again what never
got an episode (not started, or killed before its episode was stored). Every message must end with exactly one
episode, done, whose fact is a current memory citing it; no fact twice; the embedded file must pass SQLite's
integrity check and reopen.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from graphmem.stores.embedded import EmbeddedStore
from tests.reliability.writer import Writer, store_spec

MESSAGES, KILLS = 16, 3  # at most 4 adds started per writer: the kills always find one at work
SCOPE = "k"
PEOPLE = ["Ann", "Ben", "Cy", "Dee", "Eve", "Fay"]
ORGS = ["Acme", "Initech", "Globex"]


def message(i: int) -> str:
    """Message ``i``: its own fact (person i works somewhere) and a fact many messages share (a duplicate to merge)."""
    person = f"{PEOPLE[i % len(PEOPLE)]} Number{i}"
    return f"{person} works at {ORGS[i % len(ORGS)]}. {PEOPLE[i % 2]} knows {PEOPLE[2 + i % 2]}."


def own_fact(i: int) -> str:
    return message(i).split(". ")[0]


def _ops(first: int) -> list[dict[str, Any]]:
    return [{"index": i, "kind": "add", "scope": SCOPE, "text": message(i)} for i in range(first, MESSAGES)]


def test_kill_9_during_adds_then_replay_loses_and_duplicates_nothing(
    request: pytest.FixtureRequest,
    make_store: Callable[[], Store],
    embedder: Embedder,
    tmp_path: Path,
    report: Callable[[str], str],
) -> None:
    backend = str(request.node.callspec.params["backend"])
    if backend == "narrow":
        pytest.skip("the narrow test store lives in one process's memory: nothing survives its process")
    server = request.getfixturevalue("neo4j_server") if backend == "neo4j" else None
    where = store_spec(make_store(), server, embedder.dim)
    rng = random.Random(911)
    first, kills, runs = 0, 0, []
    while kills < KILLS and first < MESSAGES:
        writer = Writer(tmp_path, f"run{kills}", where, _ops(first))
        writer.wait_ready()
        writer.go()
        aim, started, began, took = rng.randint(2, 4), 0, 0.0, 0.0
        while started < aim and (line := writer.next()) is not None:
            if "start" in line:
                started, began = started + 1, time.monotonic()
            else:  # the add begun at ``began`` ended: how long one takes on this machine now
                took = time.monotonic() - began
        time.sleep(rng.uniform(0.0, 1.2) * took)  # at a random point of the add under way (or just after it)
        writer.kill()
        kills += 1
        seen = writer.drain()
        runs.append([(k, line[k], line.get("result", {}).get("error")) for line in seen for k in ("start", "done")
                     if k in line])  # fmt: skip
        first = max([line["start"] for line in seen if "start" in line], default=first - 1) + 1

    memory = Memory(store=make_store(), embedder=embedder)
    try:
        scope = Scope(user_id=SCOPE)
        texts = {message(i): i for i in range(MESSAGES)}
        replayed = memory.retry_failed(user_id=SCOPE, stale_after=timedelta(0))
        assert replayed["failed"] == 0, replayed
        have = {texts[e.messages[0].content] for e in memory.store.list_episodes(scope)}
        for i in sorted(set(range(MESSAGES)) - have):  # never started, or killed before the episode was stored
            memory.add(message(i), user_id=SCOPE)

        episodes = memory.store.list_episodes(scope)
        per_message = Counter(texts[e.messages[0].content] for e in episodes)
        current = list(memory.store.list_memories(scope))
        citing = {m.text: set(m.episode_ids) for m in current}
        episode_of = {texts[e.messages[0].content]: e.id for e in episodes}
        lost = [f"message {i}" for i in range(MESSAGES)
                if per_message[i] == 0 or episode_of[i] not in citing.get(own_fact(i), ())]  # fmt: skip
        lost += [f"episode {e.id} {e.status}" for e in episodes if e.status != "done"]
        duplicated = [f"message {i}: {n} episodes" for i, n in per_message.items() if n > 1]
        duplicated += [f"memory {text!r}" for text, n in Counter(m.text for m in current).items() if n > 1]
        report(f"kill -9: {kills} kills, {replayed['retried']} episodes replayed, {len(lost)} lost, "
               f"{len(duplicated)} duplicated")  # fmt: skip
        assert kills == KILLS, runs
        assert (lost, duplicated) == ([], [])
        assert memory.get_all(user_id=SCOPE, limit=1000)["results"]  # the store reads back
    finally:
        memory.close()
    if isinstance(where.get("path"), str):
        with closing(sqlite3.connect(where["path"])) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        EmbeddedStore(where["path"], embedder.dim).close()  # reopens: migrations and schema pass on the killed file
