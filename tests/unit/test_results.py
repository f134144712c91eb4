"""Typed results (issue 10, point 5): each result shape is one model in ``graphmem.results``, built by its
classmethods only, and its dump is exactly the mem0-shaped dict (absent keys absent, reported ``None`` kept)."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import BaseModel

import graphmem
from graphmem.models import HistoryEvent, MemoryRecord, Provenance, RelationRecord, Scope
from graphmem.providers.llm import Usage
from graphmem.results import (
    AddResult,
    ApiModel,
    HistoryEntry,
    ImageCount,
    MemoryEvent,
    MemoryHit,
    RelationChanges,
    RelationView,
    RerankInfo,
    SearchResult,
    UpdateResult,
    UsageReport,
)

PACKAGE = Path(graphmem.__file__).parent
T0 = datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)
SCOPE = Scope(user_id="alex", run_id="r1")


def relation(**changes: object) -> RelationRecord:
    base = RelationRecord(id="rel-1", source_id="e1", target_id="e2", source="Alex", target="Paris",
                          type="LIVES_IN", fact="Alex lives in Paris", scope=SCOPE, created_at=T0,
                          provenance=Provenance(episode_ids=["ep-1"]))  # fmt: skip
    return base.model_copy(update=changes)


def memory(**changes: object) -> MemoryRecord:
    base = MemoryRecord(id="m-1", text="Alex lives in Paris", hash="h", scope=SCOPE, metadata={"k": [1, "x"]},
                        categories=["home"], actor_id="alex", role="user", created_at=T0,
                        episode_ids=["ep-1"])  # fmt: skip
    return base.model_copy(update=changes)


def round_trips(model: ApiModel) -> dict[str, object]:
    """dump -> validate -> dump gives the same dict (and so the same keys)."""
    dumped = model.api()
    again = type(model).model_validate(dumped).api()
    assert again == dumped
    assert list(again) == list(dumped)  # key order too: the public JSON reads the same
    return dumped


def test_relation_views_keep_each_variants_keys() -> None:
    later = T0 + timedelta(days=2)
    stored = round_trips(RelationView.stored(relation(valid_at=T0)))
    assert list(stored) == ["id", "source", "relationship", "destination", "fact", "valid_at", "invalid_at",
                            "created_at", "provenance"]  # fmt: skip
    assert stored["valid_at"] == T0.isoformat() and stored["invalid_at"] is None
    assert stored["provenance"] == {"memory_ids": [], "episode_ids": ["ep-1"], "actor_id": None}
    assert round_trips(RelationView.stored(relation(), hops=2))["hops"] == 2
    found = round_trips(RelationView.found(relation(), 0.1234567, None))
    assert found["score"] == 0.123457 and found["hops"] is None and "id" not in found and "created_at" not in found
    assert round_trips(RelationView.invalidated(relation(), later)) == {
        "source": "Alex", "relationship": "LIVES_IN", "destination": "Paris", "fact": "Alex lives in Paris",
        "invalid_at": later.isoformat(),
    }  # fmt: skip
    assert set(round_trips(RelationView.of(relation()))) == {"source", "relationship", "destination", "fact"}
    triple = round_trips(RelationView.triple("Alex", "LIVES_IN", "Paris", "f", "Person", "Entity", None))
    assert triple == {"source": "Alex", "relationship": "LIVES_IN", "destination": "Paris", "fact": "f",
                      "source_type": "Person"}  # fmt: skip


def test_add_and_update_results_round_trip() -> None:
    changes = RelationChanges(added=[RelationView.of(relation())], invalidated=[])
    usage = UsageReport.of(Usage(calls=2, prompt_tokens=10, completion_tokens=5), "rules")
    events = [MemoryEvent.added(memory()), MemoryEvent.added(memory(actor_id=None)), MemoryEvent.updated(memory(), "x")]
    done = round_trips(AddResult.done(events, changes, "ep-1", usage, ImageCount(kept=1, read=0)))
    assert list(done) == ["results", "relations", "episode_id", "usage", "images"]
    assert done["results"] == [
        {"id": "m-1", "memory": "Alex lives in Paris", "event": "ADD", "actor_id": "alex"},
        {"id": "m-1", "memory": "Alex lives in Paris", "event": "ADD"},
        {"id": "m-1", "memory": "x", "event": "UPDATE", "previous_memory": "Alex lives in Paris"},
    ]
    assert done["usage"] == {"extractor": "rules", "llm_calls": 2, "prompt_tokens": 10, "completion_tokens": 5,
                             "tokens": 15}  # fmt: skip
    failed = round_trips(AddResult.failed("ep-2", "extraction failed: boom", usage))
    assert list(failed) == ["results", "relations", "episode_id", "error", "usage"]
    assert failed["relations"] == {"added": [], "invalidated": []}
    graph = RelationChanges(added=[], invalidated=[], unlinked=[RelationView.of(relation())])
    updated = round_trips(UpdateResult.of("m-1", events[2:], graph, usage))
    assert list(updated) == ["message", "id", "results", "relations", "usage"]
    assert list(updated["relations"]) == ["added", "invalidated", "unlinked"]  # type: ignore[call-overload]


def test_search_result_round_trips_with_and_without_rerank() -> None:
    hit = MemoryHit.of(memory(updated_at=None), 0.5, 0.25, ["vector", "bm25"])
    plain = round_trips(SearchResult.of([hit], [RelationView.found(relation(), 0.4, 1)]))
    assert set(plain) == {"results", "relations"}
    item = plain["results"][0]  # type: ignore[index]
    assert item == {**memory(updated_at=None).to_api(), "score": 0.5, "similarity": 0.25, "lanes": ["vector", "bm25"]}
    usage = Usage(calls=1, prompt_tokens=3, completion_tokens=4)
    reranked = round_trips(SearchResult.of([hit.reranked(0.9)], [], RerankInfo.of("llm:x", 3, None, usage)))
    spent = {"llm_calls": 1, "prompt_tokens": 3, "completion_tokens": 4, "tokens": 7}
    assert reranked["rerank"] == {"reranker": "llm:x", "candidates": 3, "error": None, "usage": spent}
    failed = round_trips(SearchResult.of([hit.reranked(None)], [], RerankInfo.of("mmr", 1, "why", None)))
    assert failed["results"][0]["rerank_score"] is None  # type: ignore[index]
    assert failed["rerank"] == {"reranker": "mmr", "candidates": 1, "error": "why"}


def test_history_events_are_built_per_kind_and_listed_as_entries() -> None:
    m = memory()
    later = T0 + timedelta(hours=1)
    added = HistoryEvent.added("h1", m)
    assert (added.event, added.old_memory, added.new_memory, added.created_at) == ("ADD", None, m.text, T0)
    updated = HistoryEvent.updated("h2", m, "new", later, actor_id="bob", role="user",
                                   relations=RelationChanges(added=[], invalidated=[], unlinked=[]).api())  # fmt: skip
    assert (updated.old_memory, updated.new_memory, updated.actor_id) == (m.text, "new", "bob")
    for kind, event in (("DELETE", HistoryEvent.deleted("h3", m, later)),
                        ("INVALIDATE", HistoryEvent.invalidated("h4", m, later))):  # fmt: skip
        assert (event.event, event.old_memory, event.new_memory, event.actor_id) == (kind, m.text, None, "alex")
        assert event.scope == m.scope and event.created_at == later
    entry = round_trips(HistoryEntry.of(updated))
    assert list(entry) == ["id", "memory_id", "event", "old_memory", "new_memory", "actor_id", "role",
                           "created_at", "user_id", "run_id", "relations"]  # fmt: skip
    assert "relations" not in round_trips(HistoryEntry.of(added))


# -- one place each -------------------------------------------------------------------------------------------------
def _sources() -> list[tuple[str, ast.AST]]:
    return [(str(p.relative_to(PACKAGE)), ast.parse(p.read_text(encoding="utf-8"))) for p in PACKAGE.rglob("*.py")]


def test_only_the_results_module_writes_a_relation_view() -> None:
    """A dict literal with a ``"relationship"`` key is a relation view assembled by hand: only ``RelationView``
    (results.py) builds them."""
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _sources()
        if name != "results.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "relationship" for k in node.keys)
    ]
    assert offenders == [], f"build relation views with graphmem.results.RelationView, not dicts: {offenders}"


def test_history_events_are_constructed_by_their_classmethods_only() -> None:
    """``HistoryEvent(...)`` is called in models.py (its classmethods) and by the stores reading rows back."""
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _sources()
        if name != "models.py" and not name.startswith("stores")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "HistoryEvent"
    ]
    assert offenders == [], f"use HistoryEvent.added/updated/invalidated/deleted: {offenders}"


@pytest.mark.parametrize("model", [AddResult, UpdateResult, SearchResult, HistoryEntry, RelationView])
def test_result_schemas_describe_their_fields(model: type[BaseModel]) -> None:
    """The REST server's OpenAPI reuses these schemas: every top-level field says what it means."""
    schema = model.model_json_schema()
    plain = {"id", "memory_id", "event", "user_id", "agent_id", "run_id"}  # named well enough
    undescribed = [k for k, v in schema["properties"].items() if k not in plain and "description" not in v]
    assert undescribed == []
