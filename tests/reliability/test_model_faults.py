"""A scripted model server answering garbage JSON, wrong shapes, server errors, 429s and timeouts: every episode of
every ``add`` ends "done" or "failed" (retryable), never "pending"."""

from __future__ import annotations

import random
from collections.abc import Callable

from graphmem import Memory
from graphmem.errors import GraphmemError
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.providers.openai_chat import OpenAIChat
from graphmem.stores.base import Store
from tests.llm_server import Delay, LlmServer, Raw, Reply, Step

FAULTS: list[Callable[[], Step]] = [
    lambda: Reply("{not json"),
    lambda: Reply({"facts": "no list", "entities": 7}),
    lambda: Reply({"facts": [{"text": None, "entities": [{}]}], "relations": [{"source": 1}]}),
    lambda: Raw.error(500, "boom"),
    lambda: Raw.error(429, "slow down", retry_after="0"),
    lambda: Raw(200, b"\x00\xff garbage"),
    lambda: Delay(1.0),
    lambda: Reply({"facts": [{"text": "Ann works at Acme", "entities": ["Ann", "Acme"], "message_index": 0}],
                   "entities": [{"name": "Ann", "type": "Person", "aliases": []}], "relations": []}),
]  # fmt: skip
ADDS = 16


def test_every_episode_ends_done_or_failed(
    make_store: Callable[[], Store], embedder: Embedder, llm_server: LlmServer, report: Callable[[str], str]
) -> None:
    chat = OpenAIChat("test-model", api_key="test-key", base_url=llm_server.base_url, backoff=0.001,
                      max_backoff=0.002, max_retries=1, timeout=0.3)  # fmt: skip
    memory = Memory(store=make_store(), embedder=embedder, chat=chat)
    rng = random.Random(5)
    raised = 0
    try:
        for i in range(ADDS):
            fault = rng.choice(FAULTS)
            llm_server.script_chat(*(fault() for _ in range(4)))  # every try of this add (and reconcile) misbehaves
            try:
                memory.add(f"Ann number {i} works at Acme.", user_id="m")
            except GraphmemError:
                raised += 1
            with llm_server._lock:  # nothing scripted for this add leaks into the next
                llm_server._chat.clear()
        statuses = [e.status for e in memory.store.list_episodes(Scope(user_id="m"))]
    finally:
        memory.close()
    done, failed, pending = (statuses.count(s) for s in ("done", "failed", "pending"))
    report(f"model-faults: {ADDS} adds, {done} done, {failed} failed, {pending} pending, {raised} raised")
    assert len(statuses) == ADDS and pending == 0
