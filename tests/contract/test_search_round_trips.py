"""Contract: one ``search`` makes the fixed number of store round trips ``recall/search.py`` states (issue 10,
point 4), on every backend: per lane that runs, for the records and the relations, for filters and per reranker.

The budget below is that docstring written as a table. The walk may stop before ``max_hops`` and the relations'
second read is skipped when the walk reached them all, so those two may come in under it; nothing else may differ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, cast

import pytest

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from tests.contract.test_recipes import FACTS
from tests.counting import CountingStore

pytestmark = pytest.mark.in_process("counts the store's calls (CountingStore, patched reads)")

Call = tuple[str, str | None]
LANES = {"default": {"vector", "bm25", "graph"}, "keyword": {"bm25"}, "semantic": {"vector"},
         "graph": {"vector", "bm25", "graph"}}  # fmt: skip
HOPS = 2  # search.max_hops and the graph_distance reranker's max_hops, both defaults


def budget(lanes: set[str], filters: bool, reranker: str | None, first_person: bool) -> Counter[Call]:
    """The store calls the search docstring states, by (method, record kind)."""
    calls: Counter[Call] = Counter({("get_memories", None): 1, ("similarity", "memory"): 1,
                                    ("vector_search", "relation"): 1, ("get_relations", None): 1})  # fmt: skip
    if "vector" in lanes:
        calls[("similarity", "memory") if filters else ("vector_search", "memory")] += 1
    if "bm25" in lanes:
        calls[("text_search", "memory")] += 1
    linking = Counter({("text_search", "entity"): 1, ("get_entities", None): 1, ("vector_search", "entity"): 1})
    if first_person:
        linking[("entities_named", None)] += 1
    if "graph" in lanes:
        calls += linking
        # the lane walks light rows (``edge_rows``); the graph_distance reranker reads full records (``edges``)
        calls += Counter(
            {("edge_rows", None): HOPS, ("similarity", "relation"): HOPS, ("memories_mentioning", None): 1}
        )
    if filters:
        calls[("list_memories", None)] += 1
    if reranker == "mmr":
        calls[("get_memories", None)] += 1
    if reranker == "graph_distance":
        calls += Counter({("edges", None): HOPS, ("mentions", None): 1})
        if "graph" not in lanes:
            calls += linking
    return calls


def _search(m: Memory, query: str, **kwargs: Any) -> tuple[dict[str, Any], Counter[Call]]:
    counting = CountingStore(m.store)
    m.store = cast(Any, counting)
    try:
        return m.search(query, user_id="u", **kwargs), counting.calls
    finally:
        m.store = counting.inner


def _within(calls: Counter[Call], expected: Counter[Call]) -> bool:
    """Exactly the budget, except the two reads that may be skipped (a walk that stops early, met relations)."""
    may_skip = {("get_relations", None), ("edges", None), ("edge_rows", None), ("similarity", "relation")}
    return all(calls[c] <= n if c in may_skip else calls[c] == n for c, n in expected.items()) and not (
        set(calls) - set(expected)
    )


def test_every_recipe_filter_and_reranker_stays_within_the_stated_round_trips(
    make_store: Callable[[], Store], embedder: Embedder
) -> None:
    m = Memory(store=make_store(), embedder=embedder)
    try:
        for i, fact in enumerate(FACTS):
            m.add(fact, user_id="u", metadata={"n": i})
        for query, first_person in (("Where does Alice live?", False), ("Where do I go hiking?", True)):
            for recipe, lanes in LANES.items():
                for filters in (None, {"n": {"gte": 0}}):
                    for reranker in (None, "mmr", "graph_distance"):
                        chosen: dict[str, Any] = {"reranker": {"provider": reranker}} if reranker else {}
                        named = recipe if not chosen else {**_named_weights(recipe), **chosen}
                        out, calls = _search(m, query, filters=filters, recipe=named)
                        expected = budget(lanes, filters is not None, reranker, first_person)
                        case = (query, recipe, filters, reranker)
                        assert _within(calls, expected), (case, dict(calls), dict(expected))
                        assert out["results"], case
    finally:
        m.close()


def _named_weights(recipe: str) -> dict[str, Any]:
    """A preset's weights as a recipe of one's own (a named recipe carries no reranker)."""
    from graphmem.config import named_recipe

    return {"weights": named_recipe(recipe).weights.model_dump(exclude_none=True)}


def test_the_default_search_makes_at_most_10_plus_2_per_hop_calls(memory: Memory) -> None:
    for fact in FACTS:
        memory.add(fact, user_id="u")
    _, calls = _search(memory, "Where does Alice live?")
    assert sum(calls.values()) <= 10 + 2 * HOPS
    _, with_filters = _search(memory, "Where does Alice live?", filters={"user_id": "u"}, threshold=0.0)
    assert sum(with_filters.values()) <= 11 + 2 * HOPS  # filters add one: the passing memories
    # The candidates' cosines come from the store, not from embeddings shipped to the client (issue 10's figures).
    assert calls[("similarity", "memory")] == 1 and with_filters[("get_memories", None)] == 1


def test_only_the_mmr_reranker_reads_embeddings(memory: Memory) -> None:
    """A search's cosines are the store's to compute: embeddings leave the store only for ``mmr``, which needs them
    (shipping them made a Neo4j search ~25% slower, issue 10)."""
    for fact in FACTS:
        memory.add(fact, user_id="u")
    read = memory.store.get_memories
    asked: list[bool] = []

    def recording(ids: Any, with_embeddings: bool = False) -> Any:
        asked.append(with_embeddings)
        return read(ids, with_embeddings)

    memory.store.get_memories = recording  # type: ignore[method-assign]
    try:
        for filters in (None, {"user_id": "u"}):
            memory.search("Where does Alice live?", user_id="u", filters=filters, threshold=0.0)
        assert asked and not any(asked)
        asked.clear()
        memory.search("Where does Alice live?", user_id="u", recipe={"reranker": {"provider": "mmr"}})
        assert asked.count(True) == 1
    finally:
        del memory.store.get_memories
