"""Filters run in the store (issue 10, point 3): every backend selects exactly what the Python matcher selects.

The matcher (``graphmem.filters.matches``) is the reference. These tests write records straight into the store (no
model, no extraction) under a fresh scope per example, then compare the ids a filtered ``list_memories`` returns
with the ids the matcher keeps from the unfiltered listing -- with random filters and records (hypothesis) and with
one plain example per operator.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem import Memory
from graphmem.filters import DATETIME_FIELDS, Filter, compile_filters, matches
from graphmem.models import MemoryRecord, Scope
from graphmem.stores.base import Store, WritePlan

BASE = datetime(2024, 3, 1, tzinfo=timezone.utc)
KEYS = ["color", "n", "flag", "tags", "when", "nested", "a.b", "Café", "memory"]
FIELDS = [*KEYS, "metadata.memory", "memory", "categories", "created_at", "valid_at", "actor_id", "role", "agent_id"]
WORDS = ["red", "Red", "RED", "blue", "straße", "STRASSE", "é", "ö", "", "*", "2024-03-02", "2024-03-01T12:00:00Z"]

texts = st.sampled_from(WORDS) | st.text(alphabet="abAB é", max_size=4)
numbers = st.integers(-3, 3) | st.sampled_from([0.5, -1.5, 2.0, 1e300])
scalars = texts | numbers | st.booleans()
metadata_values = (
    scalars
    | st.none()
    | st.lists(scalars, max_size=3)
    | st.dictionaries(st.sampled_from(["x", "y"]), scalars, max_size=2)
)
instants = st.integers(0, 4 * 24 * 60).map(lambda minutes: BASE + timedelta(minutes=minutes)) | st.integers(
    0, 10**6
).map(lambda us: BASE + timedelta(microseconds=us))


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "text": draw(texts),
        "metadata": draw(st.dictionaries(st.sampled_from(KEYS), metadata_values, max_size=5)),
        "categories": draw(st.lists(st.sampled_from(["food", "Food", "travel", "ß"]), max_size=2, unique=True)),
        "created_at": draw(instants),
        "valid_at": draw(st.none() | instants),
        "actor_id": draw(st.none() | st.sampled_from(["alex", "Alex"])),
        "role": draw(st.none() | st.sampled_from(["user", "assistant"])),
    }


def operand(field: str, op: str) -> st.SearchStrategy[Any]:
    dated = field in DATETIME_FIELDS
    stamp = instants | instants.map(lambda d: d.isoformat()) if dated else scalars | instants
    if op in ("eq", "ne"):
        return stamp | st.none() | st.just("*")
    if op in ("gt", "gte", "lt", "lte"):
        return stamp if dated else texts | st.integers(-3, 3) | st.sampled_from([0.5, 2.0]) | instants
    if op in ("in", "nin"):
        return st.lists(stamp | st.none(), max_size=3)
    if op == "contains":
        return texts | numbers | st.booleans() | instants
    return texts  # icontains


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(FIELDS))
    op = draw(st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "icontains"]))
    return {field: {op: draw(operand(field, op))}}


filters = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: {"AND": xs}),
        st.lists(inner, max_size=3).map(lambda xs: {"OR": xs}),
        inner.map(lambda x: {"NOT": x}),
    ),
    max_leaves=4,
)


def write(store: Store, scope: Scope, rows: list[dict[str, Any]]) -> None:
    memories = [
        MemoryRecord(
            id=str(uuid.uuid4()),
            hash=uuid.uuid4().hex,
            scope=scope,
            embedding=[1.0] + [0.0] * (getattr(store, "dim", 3) - 1),  # GraphBacked takes any dimension
            **row,
        )
        for row in rows
    ]
    if memories:
        store.apply(WritePlan(episode_id=str(uuid.uuid4()), memories=memories))


def selected(store: Store, scope: Scope, f: Filter | None, limit: int | None = None) -> list[str]:
    return [m.id for m in store.list_memories(scope, filters=f, limit=limit)]


def expected(store: Store, scope: Scope, f: Filter | None, limit: int | None = None) -> list[str]:
    ids = [m.id for m in store.list_memories(scope) if matches(f, m.to_api())]
    return ids if limit is None else ids[:limit]


@pytest.fixture
def store(make_store: Callable[[], Store]) -> Iterator[Store]:
    yield make_store()


def fresh_scope() -> Scope:
    return Scope(user_id=f"u-{uuid.uuid4().hex[:12]}", agent_id=None, run_id=None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(records(), max_size=6), spec=filters, limit=st.none() | st.integers(1, 3))
def test_store_selects_what_the_matcher_selects(
    store: Store, rows: list[dict[str, Any]], spec: Any, limit: Any
) -> None:
    scope = fresh_scope()
    write(store, scope, rows)
    f = compile_filters(spec)
    assert selected(store, scope, f, limit) == expected(store, scope, f, limit), spec


EXAMPLES: list[tuple[dict[str, Any], list[str]]] = [
    ({"color": "red"}, ["a"]),
    ({"color": {"ne": "red"}}, ["b", "c", "d"]),
    ({"n": {"gt": 1}}, ["b"]),
    ({"n": {"gte": 1}}, ["a", "b"]),
    ({"n": {"lt": 1}}, ["c"]),
    ({"n": {"lte": 1.0}}, ["a", "c"]),
    ({"color": {"in": ["red", "Blue", None]}}, ["a", "c", "d"]),
    ({"color": {"nin": ["red", "Blue"]}}, ["b", "d"]),
    ({"tags": {"contains": "x"}}, ["a"]),
    ({"color": {"contains": "lu"}}, ["b", "c"]),
    ({"color": {"icontains": "BLU"}}, ["b", "c"]),
    ({"tags": {"icontains": "Y"}}, ["a", "b"]),
    ({"n": {"icontains": ""}}, ["d"]),  # a number is not text: no substring, not even the empty one
    ({"NOT": {"n": {"icontains": ""}}}, ["a", "b", "c"]),
    ({"flag": True}, ["a"]),
    ({"flag": {"eq": 1}}, ["d"]),
    ({"categories": "food"}, ["a", "b"]),
    ({"categories": {"nin": ["food"]}}, ["c", "d"]),
    ({"memory": {"icontains": "ÉTÉ"}}, ["c"]),
    ({"when": {"gte": datetime(2024, 5, 1)}}, ["b"]),
    ({"metadata.memory": "shadowed"}, ["d"]),
    ({"created_at": {"lt": BASE + timedelta(days=2)}}, ["a", "b"]),
    ({"created_at": {"contains": "2024-03-01T00:00:00+00:00"}}, ["a"]),
    ({"OR": [{"color": "red"}, {"NOT": {"n": {"gte": 0}}}]}, ["a", "c", "d"]),
    ({"AND": [{"n": "*"}, {"flag": None}]}, ["b", "c"]),
]


@pytest.mark.parametrize(("spec", "want"), EXAMPLES, ids=[str(spec) for spec, _ in EXAMPLES])
def test_each_operator_selects_in_the_store(store: Store, spec: dict[str, Any], want: list[str]) -> None:
    scope = fresh_scope()
    rows = {
        "a": {"text": "first", "metadata": {"color": "red", "n": 1, "tags": ["x", "y"], "flag": True}, "categories":
              ["food"]},
        "b": {"text": "second", "metadata": {"color": "blue", "n": 2.5, "tags": ["Y"], "when": "2024-06-01"},
              "categories": ["food", "travel"]},
        "c": {"text": "l'été", "metadata": {"color": "Blue", "n": -1}, "categories": ["travel"]},
        "d": {"text": "fourth", "metadata": {"flag": 1, "memory": "shadowed", "n": "many"}, "categories": []},
    }  # fmt: skip
    names: dict[str, str] = {}
    for i, (name, row) in enumerate(rows.items()):
        write(store, scope, [{**row, "created_at": BASE + timedelta(days=i)}])
        names[next(m.id for m in store.list_memories(scope) if m.text == row["text"])] = name
    f = compile_filters(spec)
    got = [names[i] for i in selected(store, scope, f)]
    assert got == want
    assert got == [names[i] for i in expected(store, scope, f)]  # the example agrees with the reference


@pytest.mark.in_process("wraps the store's reads to see what it selects")
def test_get_all_and_search_select_in_the_store(memory: Memory) -> None:
    """The facade asks the store for the filtered rows (with the limit), instead of listing the scope."""
    for i in range(5):
        memory.add(f"note number {i}", user_id="u", metadata={"i": i}, infer=False)
    calls: list[dict[str, Any]] = []
    listing = memory.store.list_memories

    def spy(*args: Any, **kwargs: Any) -> Iterator[MemoryRecord]:
        calls.append(kwargs)
        return listing(*args, **kwargs)

    memory.store.list_memories = spy  # type: ignore[method-assign]
    got = memory.get_all(user_id="u", filters={"i": {"gte": 2}}, limit=2)["results"]
    assert [r["metadata"]["i"] for r in got] == [2, 3]
    assert calls[-1]["filters"] is not None and calls[-1]["limit"] == 2
    hits = memory.search("note number", user_id="u", filters={"i": {"lt": 2}})["results"]
    assert sorted(r["metadata"]["i"] for r in hits) == [0, 1]
    assert calls[-1]["filters"] is not None
