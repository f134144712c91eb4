"""Contract (issue 11, point 2): every entry point turns hostile input into a ``ValidationError`` naming the field,
before anything is written: lone surrogates, NUL and control characters, ids and names over the limits, absurd
limits, filters and metadata nested too deep, oversized in-lists and messages. A long search query is truncated
to ``limits.max_query_chars`` instead. ``update`` and ``delete`` take the optional scope ``get`` takes.
Same on every backend."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from graphmem import AsyncMemory, Memory, MemoryConfig, NotFoundError, ValidationError
from graphmem.config import LimitsConfig
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store

LIMITS = LimitsConfig()
BAD_IDS = ["\ud800", "a\x00b", "a\x1bb", "a\nb", "x" * (LIMITS.max_id_chars + 1)]

SCOPED_CALLS: dict[str, Callable[[Memory, dict[str, Any]], object]] = {
    "add": lambda m, s: m.add("I like tea", **s),
    "add_triples": lambda m, s: m.add_triples([("Ann", "LIKES", "tea")], **s),
    "search": lambda m, s: m.search("tea", **s),
    "get_all": lambda m, s: m.get_all(**s),
    "delete_all": lambda m, s: m.delete_all(**s),
    "neighbors": lambda m, s: m.neighbors("Ann", **s),
    "paths": lambda m, s: m.paths("Ann", "tea", **s),
    "export": lambda m, s: m.export(**s),
    "to_networkx": lambda m, s: m.to_networkx(**s),
    "retry_failed": lambda m, s: m.retry_failed(**s),
    "get": lambda m, s: m.get("some-id", **s),
    "history": lambda m, s: m.history("some-id", **s),
    "update": lambda m, s: m.update("some-id", "I like coffee", **s),
    "delete": lambda m, s: m.delete("some-id", **s),
}


@pytest.mark.parametrize("field", ["user_id", "agent_id", "run_id"])
@pytest.mark.parametrize("bad", BAD_IDS, ids=["surrogate", "nul", "escape", "newline", "too-long"])
def test_a_bad_scope_id_is_refused_naming_the_field_at_every_entry_point(memory: Memory, field: str, bad: str) -> None:
    memory.add("I like tea", user_id="u", infer=False)
    before = memory.export(user_id="u")
    for name, call in SCOPED_CALLS.items():
        with pytest.raises(ValidationError) as info:
            call(memory, {field: bad})
        assert info.value.field == field, name
    assert memory.export(user_id="u") == before


@pytest.mark.parametrize("bad", ["\ud800", "id\x00", "x" * (LIMITS.max_id_chars + 1)])
def test_a_bad_memory_id_is_refused_naming_the_field(memory: Memory, bad: str) -> None:
    calls = [
        lambda: memory.get(bad),
        lambda: memory.history(bad),
        lambda: memory.update(bad, "I like coffee"),
        lambda: memory.delete(bad),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == "memory_id"


@pytest.mark.parametrize("bad", ["\ud800", "Ann\x00", "x" * (LIMITS.max_name_chars + 1)])
def test_a_bad_entity_name_is_refused_naming_the_field(memory: Memory, bad: str) -> None:
    for field, call in [
        ("entity", lambda: memory.neighbors(bad, user_id="u")),
        ("source", lambda: memory.paths(bad, "tea", user_id="u")),
        ("target", lambda: memory.paths("Ann", bad, user_id="u")),
    ]:
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == field


def test_update_text_is_checked_and_keeps_tabs_and_newlines(memory: Memory) -> None:
    [added] = memory.add("I like tea", user_id="u", infer=False)["results"]
    for bad in ["\ud800", "I like\x00 coffee", "x" * (LIMITS.max_input_chars + 1)]:
        with pytest.raises(ValidationError) as info:
            memory.update(added["id"], bad)
        assert info.value.field == "data"
    assert memory.get(added["id"])["memory"] == "I like tea"  # type: ignore[index]
    memory.update(added["id"], "I like coffee.\n\tReally.")
    assert memory.get(added["id"])["memory"] == "I like coffee.\n\tReally."  # type: ignore[index]


@pytest.mark.parametrize(
    ("messages", "field"),
    [
        ("I like \ud800 tea", "messages[0].content"),
        ([{"role": "user", "content": "ok"}, {"role": "user", "content": "nul\x00"}], "messages[1].content"),
        ({"role": "user", "content": "hi", "name": "Al\x07"}, "messages[0].name"),
        ({"role": "user", "content": "hi", "actor_id": "\udcff"}, "messages[0].actor_id"),
        ("x" * (LIMITS.max_input_chars + 1), "messages"),
    ],
    ids=["surrogate", "nul", "bell-in-name", "surrogate-actor", "too-long"],
)
def test_bad_message_text_is_refused_before_anything_is_stored(memory: Memory, messages: Any, field: str) -> None:
    for infer in (True, False):
        with pytest.raises(ValidationError) as info:
            memory.add(messages, user_id="u", infer=infer)
        assert info.value.field == field
    assert memory.export(user_id="u") == []  # not even the episode


def test_message_text_keeps_tabs_and_newlines(memory: Memory) -> None:
    memory.add("I like tea.\n\tAnd\r\ncoffee.", user_id="u", infer=False)
    [episode] = memory.export(user_id="u")
    assert episode["messages"][0]["content"] == "I like tea.\n\tAnd\r\ncoffee."


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = {"k": value} if i % 2 else [value]
    return value


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"\ud800": 1}, "metadata"),
        ({"ke\x00y": 1}, "metadata"),
        ({"note": "a\x00b"}, "metadata.note"),
        ({"tags": ["ok", "\udfff"]}, "metadata.tags[1]"),
        ({"deep": _nested(10_000)}, None),
    ],
    ids=["surrogate-key", "nul-key", "nul-value", "surrogate-in-list", "10000-deep"],
)
def test_bad_metadata_is_refused_naming_the_field(memory: Memory, metadata: dict[str, Any], field: str | None) -> None:
    for call in (
        lambda: memory.add("I like tea", user_id="u", metadata=metadata),
        lambda: memory.add_triples([("Ann", "LIKES", "tea")], user_id="u", metadata=metadata),
    ):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field.startswith("metadata") if field is None else info.value.field == field
    assert memory.export(user_id="u") == []


def test_metadata_as_deep_as_the_limit_is_stored(memory: Memory) -> None:
    meta = {"deep": _nested(LIMITS.max_metadata_depth - 1), "note": "line one\nline two"}
    [added] = memory.add("I like tea", user_id="u", metadata=meta, infer=False)["results"]
    assert memory.get(added["id"])["metadata"] == meta  # type: ignore[index]
    with pytest.raises(ValidationError, match="deeper than 16"):
        memory.add("I like tea", user_id="u", metadata={"deep": _nested(LIMITS.max_metadata_depth)}, infer=False)


@pytest.mark.parametrize("limit", [10**18, LIMITS.max_results + 1, 0, -1])
def test_a_limit_outside_one_to_max_results_is_refused(memory: Memory, limit: int) -> None:
    for call in (
        lambda: memory.search("tea", user_id="u", limit=limit),
        lambda: memory.get_all(user_id="u", limit=limit),
        lambda: memory.neighbors("Ann", user_id="u", limit=limit),
        lambda: memory.paths("Ann", "tea", user_id="u", limit=limit),
    ):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == "limit"


def _nots(depth: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"category": "food"}
    for _ in range(depth):
        spec = {"NOT": spec}
    return spec


def test_filters_deeper_than_the_limit_are_refused_and_at_the_limit_work(memory: Memory) -> None:
    memory.add("I like tea", user_id="u", metadata={"category": "drink"}, infer=False)
    for depth in (400, 5_000, LIMITS.max_filter_depth + 1):
        for call in (
            lambda d=depth: memory.search("tea", user_id="u", filters=_nots(d)),
            lambda d=depth: memory.get_all(user_id="u", filters=_nots(d)),
        ):
            with pytest.raises(ValidationError, match="max_filter_depth") as info:
                call()
            assert info.value.field.startswith("filters")
    # An even number of NOTs is the plain condition: "category" is not "food", so nothing passes it.
    assert memory.get_all(user_id="u", filters=_nots(LIMITS.max_filter_depth))["results"] == []
    assert len(memory.get_all(user_id="u", filters=_nots(LIMITS.max_filter_depth - 1))["results"]) == 1


def test_an_in_list_over_the_limit_is_refused_and_at_the_limit_works(memory: Memory) -> None:
    memory.add("I like tea", user_id="u", metadata={"n": 7}, infer=False)
    at_limit = list(range(LIMITS.max_filter_values))
    assert len(memory.get_all(user_id="u", filters={"n": {"in": at_limit}})["results"]) == 1
    for op in ("in", "nin"):
        with pytest.raises(ValidationError, match="max_filter_values") as info:
            memory.get_all(user_id="u", filters={"n": {op: [*at_limit, -1]}})
        assert info.value.field == f"filters.n.{op}"


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"ca\x00t": "food"}, "filters"),
        ({"category": "\ud800"}, "filters.category"),
        ({"category": {"in": ["food", "a\x00"]}}, "filters.category.in[1]"),
        ({"OR": [{"category": {"icontains": "\udc00"}}]}, "filters.OR[0].category.icontains"),
    ],
)
def test_bad_characters_in_filters_are_refused(memory: Memory, filters: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        memory.get_all(user_id="u", filters=filters)
    assert info.value.field == field


class RecordingEmbedder:
    """The real embedder, remembering every text it was asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.dim, self.name = inner, inner.dim, inner.name
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        batch = [texts] if isinstance(texts, str) else list(texts)
        self.texts.extend(batch)
        return self.inner.embed(batch)


def test_a_long_search_query_is_truncated_not_refused(make_store: Callable[[], Store], embedder: Embedder) -> None:
    spy = RecordingEmbedder(embedder)
    config = MemoryConfig.parse({"limits": {"max_query_chars": 40}})
    with Memory(config, store=make_store(), embedder=spy) as memory:
        memory.add("I like green tea", user_id="u", infer=False)
        spy.texts.clear()
        query = "green tea " + "zebra " * 200_000 + "\ud800"  # 1.2 MB; the surrogate lies past the cut
        found = memory.search(query, user_id="u")
        assert [r["memory"] for r in found["results"]] == ["I like green tea"]
        assert spy.texts and max(len(t) for t in spy.texts) <= 40
        assert any(len(t) >= 20 and query.startswith(t) for t in spy.texts)  # the query's head, embedded


def test_update_and_delete_refuse_an_id_outside_the_scope_as_unknown(memory: Memory) -> None:
    [mine] = memory.add("I like tea", user_id="a", infer=False)["results"]
    unknown_messages = []
    for call in (lambda: memory.update("no-such-id", "I like coffee"), lambda: memory.delete("no-such-id")):
        with pytest.raises(NotFoundError) as info:
            call()
        unknown_messages.append(str(info.value).replace("no-such-id", mine["id"]))
    for scope in ({"user_id": "b"}, {"user_id": "a", "agent_id": "x"}, {"run_id": "r"}):
        outside = []
        for call in (
            lambda s=scope: memory.update(mine["id"], "I like coffee", **s),
            lambda s=scope: memory.delete(mine["id"], **s),
        ):
            with pytest.raises(NotFoundError) as info:
                call()
            outside.append(str(info.value))
        assert outside == unknown_messages
    assert memory.get(mine["id"])["memory"] == "I like tea"  # type: ignore[index]
    assert [e["event"] for e in memory.history(mine["id"])] == ["ADD"]
    memory.update(mine["id"], "I like coffee", user_id="a")
    assert memory.get(mine["id"])["memory"] == "I like coffee"  # type: ignore[index]
    memory.delete(mine["id"], user_id="a")
    assert memory.get(mine["id"]) is None


def test_async_update_and_delete_take_the_scope(make_store: Callable[[], Store], embedder: Embedder) -> None:
    async def scenario() -> None:
        async with AsyncMemory(store=make_store(), embedder=embedder) as memory:
            [mine] = (await memory.add("I like tea", user_id="a", infer=False))["results"]
            with pytest.raises(NotFoundError):
                await memory.update(mine["id"], "I like coffee", user_id="b")
            with pytest.raises(NotFoundError):
                await memory.delete(mine["id"], user_id="b")
            await memory.delete(mine["id"], user_id="a")
            assert await memory.get(mine["id"]) is None

    asyncio.run(scenario())
