"""Contract: search recipes (issue 10, point 8) on every backend. A recipe picks the lanes, their weights, pools and
the reranker; a lane with weight 0 makes no store call; ``default`` is the configured search unchanged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest

from graphmem import AsyncMemory, Memory, ValidationError
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from tests.counting import CountingStore

FACTS = [
    "Alice met Bob at GraphConf 2025 in San Francisco.",
    "Bob works at Acme.",
    "Alice lives in Berlin.",
    "I love hiking in the Alps.",
    "Carol owns a boat.",
]
QUERY = "Where does Alice live?"
# What only the graph lane asks of a store: entity look-ups for linking, and the walk.
GRAPH_CALLS = {("text_search", "entity"), ("vector_search", "entity"), ("get_entities", None),
               ("entities_named", None), ("edges", None), ("edge_rows", None),
               ("memories_mentioning", None)}  # fmt: skip


@pytest.fixture
def open_memory(make_store: Callable[[], Store], embedder: Embedder) -> Iterator[Callable[..., Memory]]:
    """Memories over one store (filled once), each with its own config."""
    opened: list[Memory] = []

    def factory(config: dict[str, Any] | None = None) -> Memory:
        m = Memory(config, store=make_store(), embedder=embedder)
        opened.append(m)
        return m

    first = factory()
    for fact in FACTS:
        first.add(fact, user_id="u")
    yield factory
    for m in opened:
        m.close()


def counted_search(m: Memory, **kwargs: Any) -> tuple[dict[str, Any], Counter[tuple[str, str | None]]]:
    counting = CountingStore(m.store)
    m.store = cast(Store, counting)
    try:
        return m.search(QUERY, user_id="u", **kwargs), counting.calls
    finally:
        m.store = counting.inner


def test_default_recipe_runs_every_lane(open_memory: Callable[..., Memory]) -> None:
    out, calls = counted_search(open_memory(), recipe="default")
    assert calls[("vector_search", "memory")] == 1 and calls[("text_search", "memory")] == 1
    assert calls[("text_search", "entity")] == 1 and calls[("edge_rows", None)] >= 1
    assert {lane for r in out["results"] for lane in r["lanes"]} == {"vector", "bm25", "graph"}


def test_keyword_recipe_asks_the_store_for_bm25_only(open_memory: Callable[..., Memory]) -> None:
    out, calls = counted_search(open_memory(), recipe="keyword")
    assert calls[("text_search", "memory")] == 1
    assert calls[("vector_search", "memory")] == 0
    assert not GRAPH_CALLS & {c for c, n in calls.items() if n}
    assert out["results"] and all(r["lanes"] == ["bm25"] for r in out["results"])
    assert out["results"][0]["memory"].startswith("Alice lives in Berlin")


def test_semantic_recipe_asks_the_store_for_vectors_only(open_memory: Callable[..., Memory]) -> None:
    out, calls = counted_search(open_memory(), recipe="semantic")
    assert calls[("vector_search", "memory")] == 1
    assert calls[("text_search", "memory")] == 0
    assert not GRAPH_CALLS & {c for c, n in calls.items() if n}
    assert out["results"] and all(r["lanes"] == ["vector"] for r in out["results"])


def test_a_zero_weight_in_the_existing_config_key_skips_its_lane(open_memory: Callable[..., Memory]) -> None:
    m = open_memory({"search": {"weights": {"graph": 0}}})
    out, calls = counted_search(m)
    assert not GRAPH_CALLS & {c for c, n in calls.items() if n}
    assert calls[("vector_search", "memory")] == 1 and calls[("text_search", "memory")] == 1
    assert all("graph" not in r["lanes"] for r in out["results"])


def test_graph_recipe_lets_the_walk_lead(open_memory: Callable[..., Memory]) -> None:
    m = open_memory()
    walk = m.search("Who did Alice meet?", user_id="u", recipe={"weights": {"vector": 0, "bm25": 0}})["results"]
    led = m.search("Who did Alice meet?", user_id="u", recipe="graph")["results"]
    assert walk and led[0]["memory"] == walk[0]["memory"]  # the walk's best is the answer's best
    reached = [("graph" in r["lanes"]) for r in led]
    assert reached == sorted(reached, reverse=True)  # nothing only the text lanes found outranks what the walk reached
    assert any(not r for r in reached)  # ... and the text lanes still fill the list


def _rounded(value: Any) -> Any:
    """An answer with its floats to 4 places: on Neo4j two identical searches once differed in the 6th place of a
    cosine (0.542379 vs 0.542378, float noise at the rounding edge), which is not a difference of recipe."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_default_recipe_is_the_configured_search(open_memory: Callable[..., Memory]) -> None:
    m = open_memory()
    plain = _rounded(m.search(QUERY, user_id="u"))
    assert _rounded(m.search(QUERY, user_id="u", recipe="default")) == plain
    assert _rounded(m.search(QUERY, user_id="u", recipe={})) == plain
    assert _rounded(m.search(QUERY, user_id="u", recipe="keyword")) != plain


def test_recipe_in_config_is_the_default_and_a_call_overrides_it(open_memory: Callable[..., Memory]) -> None:
    m = open_memory({"search": {"recipe": "keyword"}})
    assert all(r["lanes"] == ["bm25"] for r in m.search(QUERY, user_id="u")["results"])
    assert all(r["lanes"] == ["vector"] for r in m.search(QUERY, user_id="u", recipe="semantic")["results"])
    mixed = {lane for r in m.search(QUERY, user_id="u", recipe="default")["results"] for lane in r["lanes"]}
    assert mixed == {"vector", "bm25", "graph"}  # the ``default`` preset: the search.* settings, every lane


def test_a_recipe_with_a_reranker_reranks_without_the_flag(open_memory: Callable[..., Memory]) -> None:
    m = open_memory()
    out = m.search(QUERY, user_id="u", limit=2, recipe={"reranker": {"provider": "mmr"}})
    assert out["rerank"]["reranker"] == "mmr" and len(out["results"]) == 2
    assert all(r["rerank_score"] is not None for r in out["results"])
    with pytest.raises(ValidationError, match="rerank"):  # a named recipe carries no reranker
        m.search(QUERY, user_id="u", recipe="keyword", rerank=True)


def test_unknown_recipes_and_bad_keys_name_the_field(open_memory: Callable[..., Memory]) -> None:
    m = open_memory()
    with pytest.raises(ValidationError, match="default, graph, keyword, semantic") as bad:
        m.search(QUERY, user_id="u", recipe="fastest")
    assert bad.value.field == "recipe"
    with pytest.raises(ValidationError) as neg:
        m.search(QUERY, user_id="u", recipe={"weights": {"bm25": -1}})
    assert neg.value.field == "recipe.weights.bm25"


def test_async_memory_takes_a_recipe(make_store: Callable[[], Store], embedder: Embedder) -> None:
    import asyncio

    async def run() -> dict[str, Any]:
        am = AsyncMemory(store=make_store(), embedder=embedder)
        try:
            await am.add("Alice lives in Berlin.", user_id="u")
            return await am.search(QUERY, user_id="u", recipe="keyword")
        finally:
            await am.close()

    out = asyncio.run(run())
    assert out["results"] and all(r["lanes"] == ["bm25"] for r in out["results"])
