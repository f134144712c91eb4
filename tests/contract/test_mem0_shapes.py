"""Contract: mem0 1.x and 2.x call shapes both work (issue 14, point 1).

1.x gives the scope as ``user_id=`` / ``agent_id=`` / ``run_id=`` and the count as ``limit``; 2.x moves the scope into
``filters`` (at the top, or as members of a top-level ``AND``) and names the count ``top_k``. Code written for either
gets the same answers; a scope or count given both ways with different values is a ``ValidationError``, never an
empty answer. Runs on every backend, the HTTP ones through ``MemoryClient``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from graphmem import AsyncMemory, Memory, ValidationError
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store


def seed(memory: Memory) -> dict[str, str]:
    ids = {}
    for user, text, topic in [
        ("alice", "Alice goes hiking in the Alps every summer", "sport"),
        ("alice", "Alice is learning to play the cello", "music"),
        ("bob", "Bob goes hiking near Oslo", "sport"),
    ]:
        added = memory.add(text, user_id=user, metadata={"topic": topic}, infer=False)
        ids[text] = added["results"][0]["id"]
    return ids


def ranked(answer: dict[str, object]) -> list[str]:
    return [r["id"] for r in answer["results"]]  # type: ignore[attr-defined,index]


def test_search_and_get_all_answer_alike_in_both_shapes(memory: Memory) -> None:
    ids = seed(memory)
    hiking = ids["Alice goes hiking in the Alps every summer"]
    old = memory.search("hiking", user_id="alice", limit=5)
    assert ranked(old)[0] == hiking and len(ranked(old)) == 2  # bob's hike is another scope
    for filters in ({"user_id": "alice"}, {"AND": [{"user_id": "alice"}]}, {"user_id": {"eq": "alice"}}):
        assert ranked(memory.search("hiking", filters=filters, top_k=5)) == ranked(old), filters
    narrowed = memory.search("hiking", filters={"AND": [{"user_id": "alice"}, {"topic": "music"}]}, top_k=5)
    assert ranked(narrowed) == [ids["Alice is learning to play the cello"]]
    assert ranked(memory.search("hiking", user_id="alice", filters={"user_id": "alice"}, top_k=1)) == [hiking]

    listed = memory.get_all(user_id="alice")
    assert ranked(memory.get_all(filters={"user_id": "alice"})) == ranked(listed) and len(ranked(listed)) == 2
    assert ranked(memory.get_all(filters={"user_id": "alice"}, top_k=1)) == ranked(listed)[:1]
    assert ranked(memory.get_all(filters={"user_id": "bob", "topic": "sport"})) == [ids["Bob goes hiking near Oslo"]]


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.search("hiking", user_id="alice", filters={"user_id": "bob"}),
        lambda m: m.search("hiking", filters={"AND": [{"user_id": "alice"}, {"user_id": "bob"}]}),
        lambda m: m.search("hiking", user_id="alice", limit=3, top_k=5),
        lambda m: m.get_all(agent_id="a", filters={"agent_id": "b"}),
        lambda m: m.get_all(user_id="alice", limit=3, top_k=5),
        lambda m: m.delete_all(filters={"user_id": "alice", "topic": "sport"}),
        lambda m: m.search("hiking", filters={"user_id": {"in": ["alice", "bob"]}}),  # no scope to fence the read
        lambda m: m.delete_all(filters={}),
    ],
)
def test_disagreeing_or_missing_scopes_are_refused(memory: Memory, call: Callable[[Memory], object]) -> None:
    seed(memory)
    with pytest.raises(ValidationError):
        call(memory)
    assert len(ranked(memory.get_all(user_id="alice"))) == 2  # nothing was deleted by a refused call


def test_delete_all_takes_the_scope_from_filters(memory: Memory) -> None:
    seed(memory)
    assert memory.delete_all(filters={"AND": [{"user_id": "bob"}]})["deleted"] == 1
    assert ranked(memory.get_all(user_id="bob")) == []
    assert len(ranked(memory.get_all(user_id="alice"))) == 2


def test_async_memory_takes_both_shapes(make_store: Callable[[], Store], embedder: Embedder) -> None:
    async def main() -> None:
        async with AsyncMemory(store=make_store(), embedder=embedder) as m:
            await m.add("Carol sails on Lake Geneva", user_id="carol", infer=False)
            old = await m.search("sailing", user_id="carol", limit=3)
            new = await m.search("sailing", filters={"user_id": "carol"}, top_k=3)
            assert ranked(new) == ranked(old) and len(ranked(old)) == 1
            assert ranked(await m.get_all(filters={"AND": [{"user_id": "carol"}]}, top_k=5)) == ranked(old)
            with pytest.raises(ValidationError):
                await m.get_all(user_id="carol", filters={"user_id": "dave"})
            assert (await m.delete_all(filters={"user_id": "carol"}))["deleted"] == 1

    asyncio.run(main())
