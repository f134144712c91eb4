"""LangGraph store (issue 14, point 4) against the installed langgraph: behaviour tests from its documented
semantics, each run on LangGraph's own ``InMemoryStore`` too, which must give the same answers (the reference)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph.store.base import BaseStore, Item
from langgraph.store.memory import InMemoryStore

from graphmem import Memory
from graphmem.integrations.langgraph import GraphmemStore
from tests.conftest import HttpBackend

ITEMS: list[tuple[tuple[str, ...], str, dict[str, Any]]] = [
    (
        ("users", "alice", "prefs"),
        "food",
        {"text": "Alice is vegetarian and loves Thai curry", "score": 5, "kind": "diet"},
    ),
    (("users", "alice", "prefs"), "sport", {"text": "Alice climbs twice a week", "score": 3, "kind": "hobby"}),
    (("users", "alice", "facts"), "city", {"content": "Alice lives in Lisbon", "score": 4}),
    (("users", "bob", "prefs"), "food", {"text": "Alice is vegetarian and loves Thai curry", "score": 1}),  # same text
    (("docs",), "readme", {"title": "README", "lines": 120}),
]


@pytest.fixture
def stores(memory: Memory) -> Iterator[list[BaseStore]]:
    both: list[BaseStore] = [InMemoryStore(), GraphmemStore(memory, user_id="lg-tests")]
    for store in both:
        for namespace, key, value in ITEMS:
            store.put(namespace, key, value)
    yield both


def view(item: Item | None) -> Any:
    return None if item is None else (item.namespace, item.key, item.value)


def test_get_put_replace_and_delete(stores: list[BaseStore]) -> None:
    for store in stores:
        first = store.get(("users", "alice", "prefs"), "food")
        assert view(first) == (("users", "alice", "prefs"), "food", ITEMS[0][2])
        assert view(store.get(("users", "bob", "prefs"), "food")) == (("users", "bob", "prefs"), "food", ITEMS[3][2])
        assert store.get(("users", "alice"), "food") is None and store.get(("users", "alice", "prefs"), "x") is None
        store.put(("users", "alice", "prefs"), "food", {"text": "Alice eats fish again", "score": 2})
        again = store.get(("users", "alice", "prefs"), "food")
        assert again is not None and first is not None
        assert again.value == {"text": "Alice eats fish again", "score": 2}
        assert again.updated_at >= first.updated_at
        if isinstance(store, GraphmemStore):  # creation time kept, as LangGraph's Postgres store does (the
            assert again.created_at == first.created_at  # in-memory reference stamps a replaced item anew)
        store.put(("users", "alice", "prefs"), "food", None)  # value=None deletes
        assert store.get(("users", "alice", "prefs"), "food") is None
        store.delete(("docs",), "readme")
        assert store.get(("docs",), "readme") is None
        assert view(store.get(("users", "bob", "prefs"), "food")) is not None  # the same text elsewhere is kept


@pytest.mark.parametrize(
    ("prefix", "condition"),
    [
        (("users",), None),
        (("users", "alice"), None),
        (("users", "alice", "prefs"), {"kind": "diet"}),
        (("users",), {"score": {"$gte": 3}}),
        ((), {"lines": 120}),
        (("users",), {"score": {"$gt": 1, "$lt": 5}}),
        (("users",), {"kind": {"$ne": "diet"}}),
        (("nothing",), None),
    ],
)
def test_search_by_prefix_and_filter_selects_what_the_reference_selects(
    stores: list[BaseStore], prefix: tuple[str, ...], condition: dict[str, Any] | None
) -> None:
    reference, ours = (sorted(view(i) for i in s.search(prefix, filter=condition, limit=50)) for s in stores)
    assert ours == reference


def test_search_with_a_query_ranks_by_meaning_within_the_prefix(stores: list[BaseStore]) -> None:
    ours = stores[1]
    found = ours.search(("users", "alice"), query="where does she live?", limit=2)
    assert found[0].key == "city" and found[0].score is not None and len(found) == 2
    assert all(item.namespace[:2] == ("users", "alice") for item in found)
    paged = [i.key for i in ours.search(("users", "alice"), query="where does she live?", limit=2, offset=1)]
    assert paged == [i.key for i in ours.search(("users", "alice"), query="where does she live?", limit=3)][1:]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"prefix": ("users",)},
        {"suffix": ("prefs",)},
        {"prefix": ("users", "*", "prefs")},
        {"prefix": ("users",), "max_depth": 2},
        {"max_depth": 1},
        {"limit": 2, "offset": 1},
        {"prefix": ("nope",)},
    ],
)
def test_list_namespaces_matches_the_reference(stores: list[BaseStore], kwargs: dict[str, Any]) -> None:
    reference, ours = (s.list_namespaces(**kwargs) for s in stores)
    assert ours == reference


def test_async_methods_and_the_batch(stores: list[BaseStore]) -> None:
    async def main(store: BaseStore) -> Any:
        await store.aput(("async",), "k", {"text": "written from a coroutine"})
        got = await store.aget(("async",), "k")
        listed = await store.alist_namespaces(prefix=("async",))
        await store.adelete(("async",), "k")
        return view(got), listed, await store.aget(("async",), "k")

    reference, ours = (asyncio.run(main(s)) for s in stores)
    assert ours == reference == ((("async",), "k", {"text": "written from a coroutine"}), [("async",)], None)


def test_bad_namespaces_and_operators_are_refused(stores: list[BaseStore]) -> None:
    ours = stores[1]
    with pytest.raises(ValueError):
        ours.put(("bad.label",), "k", {"text": "x"})  # LangGraph's own namespace rules
    with pytest.raises(ValueError):
        ours.search(("users",), filter={"score": {"$between": [1, 2]}})


def test_the_store_works_over_the_service(embedded_http: HttpBackend) -> None:
    with embedded_http.client() as client:
        store = GraphmemStore(client, user_id="lg-remote")
        store.put(("users", "carol"), "boat", {"text": "Carol sails on Lake Geneva"})
        assert view(store.get(("users", "carol"), "boat")) == (
            ("users", "carol"),
            "boat",
            {"text": "Carol sails on Lake Geneva"},
        )
        assert [i.key for i in store.search(("users",), query="who sails?")] == ["boat"]
        assert store.list_namespaces() == [("users", "carol")]
