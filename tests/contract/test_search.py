"""Contract: hybrid search: lanes, limits, filters, threshold, relations with provenance, as_of."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from graphmem import Memory

FOODS = [
    ("I prefer vegetarian food", {"category": "food", "priority": 3}),
    ("I am allergic to peanuts", {"category": "health", "priority": 5}),
    ("My favourite sport is tennis", {"category": "hobby", "priority": 1}),
    ("I drink oat milk in coffee", {"category": "food", "priority": 2, "tags": ["drink", "Morning"]}),
]


def _load(memory: Memory) -> dict[str, str]:
    ids = {}
    for text, meta in FOODS:
        ids[text] = memory.add(text, user_id="alice", infer=False, metadata=meta)["results"][0]["id"]
    return ids


def test_results_carry_scores_lanes_and_mem0_fields(memory: Memory) -> None:
    _load(memory)
    out = memory.search("what food does she prefer", user_id="alice", limit=3)
    assert len(out["results"]) == 3
    top = out["results"][0]
    assert top["memory"] == "I prefer vegetarian food"
    assert {"vector", "bm25"} <= set(top["lanes"])
    assert {"id", "memory", "score", "metadata", "user_id", "created_at", "updated_at"} <= set(top)
    scores = [r["score"] for r in out["results"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1


def test_keyword_only_match_is_found_by_bm25(memory: Memory) -> None:
    _load(memory)
    out = memory.search("peanuts", user_id="alice", limit=2)
    assert out["results"][0]["memory"] == "I am allergic to peanuts"
    assert "bm25" in out["results"][0]["lanes"]


def test_threshold_is_a_minimum_similarity(memory: Memory) -> None:
    _load(memory)
    loose = memory.search("vegetarian food", user_id="alice", threshold=0.0)["results"]
    strict = memory.search("vegetarian food", user_id="alice", threshold=0.6)["results"]
    assert [r["memory"] for r in strict] == ["I prefer vegetarian food"]
    assert len(loose) > len(strict)
    assert all(r["similarity"] >= 0.6 for r in strict)


def test_filters_apply_exactly_before_ranking(memory: Memory) -> None:
    _load(memory)

    def texts(filters: dict[str, object]) -> set[str]:
        return {r["memory"] for r in memory.search("food and drink", user_id="alice", filters=filters)["results"]}

    assert texts({"category": "food"}) == {"I prefer vegetarian food", "I drink oat milk in coffee"}
    assert texts({"priority": {"gte": 3}}) == {"I prefer vegetarian food", "I am allergic to peanuts"}
    assert texts({"priority": {"gt": 1, "lt": 3}}) == {"I drink oat milk in coffee"}
    assert texts({"category": {"in": ["hobby", "health"]}}) == {
        "My favourite sport is tennis",
        "I am allergic to peanuts",
    }
    assert texts({"category": {"nin": ["food"]}}) == {"My favourite sport is tennis", "I am allergic to peanuts"}
    assert texts({"tags": {"contains": "drink"}}) == {"I drink oat milk in coffee"}
    assert texts({"tags": {"icontains": "morning"}}) == {"I drink oat milk in coffee"}
    assert texts({"memory": {"icontains": "TENNIS"}}) == {"My favourite sport is tennis"}
    assert texts({"OR": [{"category": "hobby"}, {"priority": 5}]}) == {
        "My favourite sport is tennis",
        "I am allergic to peanuts",
    }
    assert texts({"AND": [{"category": "food"}, {"NOT": {"priority": 3}}]}) == {"I drink oat milk in coffee"}
    assert texts({"category": {"ne": "food"}, "priority": {"lte": 1}}) == {"My favourite sport is tennis"}


def test_get_all_filters_on_built_in_fields(memory: Memory) -> None:
    ids = _load(memory)
    start = memory.get(ids["I prefer vegetarian food"])["created_at"]  # type: ignore[index]
    later = memory.get_all(user_id="alice", filters={"created_at": {"gt": start}})["results"]
    assert {r["memory"] for r in later} == {t for t, _ in FOODS[1:]}


def test_graph_lane_finds_memories_through_entities_and_returns_relations_with_provenance(memory: Memory) -> None:
    added = memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u1")
    memory.add("I prefer tea over coffee", user_id="u1", infer=False)
    out = memory.search("Who did Alice meet at GraphConf?", user_id="u1", limit=5)
    assert "graph" in out["results"][0]["lanes"]
    assert "Bob" in out["results"][0]["memory"]
    rels = {(r["source"], r["relationship"], r["destination"]): r for r in out["relations"]}
    met = rels[("Alice", "MET", "Bob")]
    assert met["provenance"]["episode_ids"] == [added["episode_id"]]
    assert met["provenance"]["memory_ids"]
    assert met["hops"] == 1
    assert out["relations"][0]["score"] >= out["relations"][-1]["score"]


@pytest.mark.in_process("builds a Memory with another search config on the same store")
def test_multi_hop_expansion_reaches_two_hops_and_respects_max_hops(memory: Memory) -> None:
    memory.add_triples([("Dana", "WORKS_AT", "Initech"), ("Initech", "ACQUIRED", "Hooli Labs")], user_id="u")
    out = memory.search("Dana", user_id="u")
    by_type = {r["relationship"]: r["hops"] for r in out["relations"]}
    assert by_type == {"WORKS_AT": 1, "ACQUIRED": 2}
    shallow = Memory(
        memory.config.model_copy(update={"search": memory.config.search.model_copy(update={"max_hops": 1})}),
        store=memory.store,
        embedder=memory.embedder,
    )
    assert {r["relationship"] for r in shallow.search("Dana", user_id="u")["relations"] if r["hops"] is not None} == {
        "WORKS_AT"
    }


def test_search_is_deterministic(memory: Memory) -> None:
    _load(memory)
    first = [r["id"] for r in memory.search("food", user_id="alice")["results"]]
    second = [r["id"] for r in memory.search("food", user_id="alice")["results"]]
    assert first == second and len(first) == len(FOODS)


def test_as_of_before_anything_was_said_returns_nothing(memory: Memory) -> None:
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u1")
    assert memory.search("Alice", user_id="u1", as_of=before) == {"results": [], "relations": []}
    now = memory.search("Alice", user_id="u1", as_of=datetime.now(timezone.utc))
    assert now["results"] and now["relations"]


def test_deleted_memory_and_its_relations_leave_search(memory: Memory) -> None:
    result = memory.add("Erin owns a boat.", user_id="u")
    assert result["relations"]["added"]
    for item in result["results"]:
        memory.delete(item["id"])
    out = memory.search("Erin boat", user_id="u")
    assert out == {"results": [], "relations": []}


FILM_GRAPH = [
    ("Nightfall", "STARRED_ACTORS", "Ada Park"),
    ("Nightfall", "DIRECTED_BY", "Ray Cole"),
    ("Nightfall", "HAS_GENRE", "Thriller"),
    ("Dawn Patrol", "STARRED_ACTORS", "Ada Park"),
    ("Dawn Patrol", "DIRECTED_BY", "Mia Stone"),
    ("Dawn Patrol", "HAS_GENRE", "Drama"),
    ("Dawn Patrol", "STARRED_ACTORS", "Leo Grant"),
    ("Harbor Lights", "STARRED_ACTORS", "Leo Grant"),
    ("Harbor Lights", "DIRECTED_BY", "Ray Cole"),
]


def _answer_entities(out: dict[str, Any], topic: str) -> list[str]:
    names: list[str] = []
    for r in out["relations"]:
        for name in (r["source"], r["destination"]):
            if name != topic and name not in names:
                names.append(name)
    return names


def test_the_walk_follows_the_relation_types_the_question_names(memory: Memory) -> None:
    memory.add_triples(FILM_GRAPH, user_id="kb")
    two_hop = memory.search("who directed the films Ada Park starred in", user_id="kb")
    ranked = [(r["relationship"], r["hops"]) for r in two_hop["relations"]]
    # Both directors of her films come before anything the question does not ask about (genres, co-stars).
    directed = [i for i, (t, h) in enumerate(ranked) if t == "DIRECTED_BY" and h == 2]
    others = [i for i, (t, h) in enumerate(ranked) if t in ("HAS_GENRE",) or (t == "STARRED_ACTORS" and h == 2)]
    assert len(directed) == 2 and others and max(directed) < min(others)
    assert {"Ray Cole", "Mia Stone"} <= set(_answer_entities(two_hop, "Ada Park")[:4])

    one_hop = memory.search("what films did Ada Park star in", user_id="kb")
    first = one_hop["relations"][:2]
    assert {(r["relationship"], r["hops"]) for r in first} == {("STARRED_ACTORS", 1)}
    assert set(_answer_entities(one_hop, "Ada Park")[:2]) == {"Dawn Patrol", "Nightfall"}


def test_a_name_inside_a_longer_linked_name_is_not_a_seed(memory: Memory) -> None:
    memory.add_triples([("Harbor Lights", "DIRECTED_BY", "Ray Cole"), ("Harbor", "LOCATED_IN", "Oslo")], user_id="kb")
    out = memory.search("who directed Harbor Lights", user_id="kb")
    assert [(r["source"], r["relationship"]) for r in out["relations"]] == [("Harbor Lights", "DIRECTED_BY")]
