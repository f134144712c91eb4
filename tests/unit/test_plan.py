"""The pure decisions of an add: drafting, entity resolution, and the write plan."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from graphmem.ingest.plan import Embeddings, build_plan, derived_id, draft, resolve_entities, text_hash
from graphmem.models import (
    EntityRecord,
    Episode,
    ExtractedEntity,
    ExtractedFact,
    ExtractedRelation,
    Extraction,
    MemoryRecord,
    Message,
    Scope,
)

NOW = datetime(2026, 1, 2, tzinfo=timezone.utc)
SCOPE = Scope(user_id="u")
MESSAGES = [Message(role="user", content="x", name="sam"), Message(role="assistant", content="y")]
EXTRACTION = Extraction(
    facts=[
        ExtractedFact(text="Sam works at  Acme", entities=["Sam", "Acme"], message_index=0),
        ExtractedFact(text="sam works at acme", entities=["Sam"]),
        ExtractedFact(text="Bob is nice", entities=["Bob"], message_index=1),
    ],
    entities=[
        ExtractedEntity(name="Sam", type="person"),
        ExtractedEntity(name="Acme", type="Organization", aliases=["ACME Inc"]),
    ],
    relations=[
        ExtractedRelation(source="Sam", type="works at", target="Acme", fact="Sam works at Acme"),
        ExtractedRelation(source="sam", type="WORKS_AT", target="acme", fact="dup"),
        ExtractedRelation(source="Sam", type="KNOWS", target="Robert", fact="Sam knows Robert"),
    ],
)


def test_draft_normalizes_and_deduplicates() -> None:
    d = draft(EXTRACTION, MESSAGES)
    assert [f.text for f in d.facts] == ["Sam works at Acme", "Bob is nice"]
    assert d.facts[0].message is MESSAGES[0] and d.facts[1].message is MESSAGES[1]
    assert [(r.source, r.type, r.target) for r in d.relations] == [
        ("sam", "WORKS_AT", "acme"),
        ("sam", "KNOWS", "robert"),
    ]
    assert {k: e.type for k, e in d.entities.items()} == {
        "sam": "Person",
        "acme": "Organization",
        "robert": "Entity",
        "bob": "Entity",
    }


def test_resolution_merges_exact_names_and_aliases_and_records_new_aliases() -> None:
    d = draft(EXTRACTION, MESSAGES)
    existing = EntityRecord(id="e-acme", name="ACME Inc", normalized="acme inc", scope=SCOPE, created_at=NOW)
    resolved = resolve_entities(d, "ep1", {"acme inc": existing})
    assert resolved.ids["acme"] == "e-acme"
    assert resolved.new_aliases == [("e-acme", "Acme")]
    assert resolved.ids["sam"] == derived_id("ep1", "entity", "sam")
    assert sorted(e.normalized for e in resolved.new) == ["bob", "robert", "sam"]


def test_plan_ids_are_derived_from_the_episode_so_replays_match() -> None:
    episode = Episode(id="ep1", scope=SCOPE, messages=MESSAGES, created_at=NOW)

    def plan_once() -> list[str]:
        d = draft(EXTRACTION, MESSAGES)
        resolved = resolve_entities(d, "ep1", {})
        plan = build_plan(
            episode=episode,
            d=d,
            resolved=resolved,
            duplicates={},
            existing_relations={},
            vectors=Embeddings({}),
            metadata={},
            now=NOW,
        ).plan
        return [m.id for m in plan.memories] + [r.id for r in plan.relations] + [e.id for e in plan.entities]

    assert plan_once() == plan_once()


def test_derived_ids_are_the_uuid5_of_the_episode_and_parts() -> None:
    """Ids written by earlier versions (``uuid.uuid5``) must stay the ids a replay derives."""
    namespace = uuid.UUID("6f1c52a4-6b8e-4b8e-9a53-0b6f8f3c2d11")
    for parts in (("ep1", "entity", "sam"), ("e", "relation", "a", "KNOWS", "b"), ("é-ü", "memory", "0", "x" * 500)):
        assert derived_id(*parts) == str(uuid.uuid5(namespace, "\x1f".join(parts)))


def test_known_triples_share_their_type_phrase_vector_and_one_provenance() -> None:
    episode = Episode(id="ep3", scope=SCOPE, messages=MESSAGES, created_at=NOW)
    known = Extraction(relations=[ExtractedRelation(source=f"m{i}", type="directed by", target="d", fact=f"f{i}")
                                  for i in range(3)])  # fmt: skip
    d = draft(known, MESSAGES, by_type=True)
    phrase = [0.5, 0.5]
    vectors = Embeddings({"directed by": phrase, "m0": [1.0, 0.0], "m1": [0.0, 1.0], "m2": [1.0, 1.0], "d": [0.0, 0.0]})
    plan = build_plan(episode=episode, d=d, resolved=resolve_entities(d, "ep3", {}), duplicates={},
                      existing_relations={}, vectors=vectors, metadata={}, now=NOW).plan  # fmt: skip
    assert [r.embedding for r in plan.relations] == [phrase] * 3
    assert all(r.embedding is plan.relations[0].embedding for r in plan.relations)  # one vector, converted once
    assert [r.provenance.episode_ids for r in plan.relations] == [["ep3"]] * 3 and plan.mentions == []
    assert {e.name: e.embedding for e in plan.entities}["m1"] == [0.0, 1.0]


def test_plan_links_duplicates_reuses_relations_and_cites_supporting_memories() -> None:
    episode = Episode(id="ep2", scope=SCOPE, messages=MESSAGES, created_at=NOW)
    d = draft(EXTRACTION, MESSAGES)
    resolved = resolve_entities(d, "ep2", {})
    old = MemoryRecord(id="m-old", text="Bob is nice", hash=text_hash("Bob is nice"), scope=SCOPE, created_at=NOW)
    key = (resolved.ids["sam"], "WORKS_AT", resolved.ids["acme"])
    outcome = build_plan(
        episode=episode,
        d=d,
        resolved=resolved,
        duplicates={old.hash: old},
        existing_relations={key: "r-old"},
        vectors=Embeddings({"Sam works at Acme": [1.0]}),
        metadata={"k": 1},
        now=NOW,
    )
    plan, results, added = outcome.plan, outcome.results, outcome.added
    assert [r.event for r in results] == ["ADD", "NONE"]
    assert results[0].actor_id == "sam" and results[1].id == "m-old"
    [new_memory] = plan.memories
    assert new_memory.embedding == [1.0] and new_memory.metadata == {"k": 1} and new_memory.actor_id == "sam"
    assert plan.memory_episode_links == [("m-old", "ep2")]
    assert [u.relation_id for u in plan.relation_updates] == ["r-old"]
    assert plan.relation_updates[0].memory_ids == [new_memory.id]
    assert [(a.source, a.relationship, a.destination) for a in added] == [("Sam", "KNOWS", "Robert")]
    assert [h.event for h in plan.history] == ["ADD"]
    assert (new_memory.id, resolved.ids["acme"]) in plan.mentions
