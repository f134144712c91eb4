"""Records to flat property rows and back, the same for every backend.

Scope fields hold '' for "not set" (so uniqueness and equality need no NULL cases), timestamps are ISO-8601 UTC
strings (which sort chronologically as text), and JSON-valued fields (metadata, categories, provenance lists,
messages) are JSON strings. Embeddings are left to each backend (a BLOB in SQLite, a float list in Neo4j).
Readers use ``.get`` for nullable fields because graph databases drop properties set to null.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from graphmem.models import (
    EntityRecord,
    Episode,
    HistoryEvent,
    MemoryRecord,
    Message,
    Provenance,
    RelationRecord,
    Scope,
)


@lru_cache(maxsize=4096)  # a write batch stamps every row with the same few instants
def iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


@lru_cache(maxsize=4096)
def _json_ids(ids: tuple[str, ...]) -> str:
    """A provenance id list as JSON text (rows of one batch repeat the same short lists)."""
    return json.dumps(list(ids))


def iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def parse_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def scope_values(scope: Scope) -> dict[str, str]:
    """The scope as stored: the three ids ('' for not set) and the tenant, which every record carries."""
    return {
        "user_id": scope.user_id or "", "agent_id": scope.agent_id or "", "run_id": scope.run_id or "",
        "tenant": scope.tenant,
    }  # fmt: skip


def scope_of(row: Mapping[str, Any]) -> Scope:
    """Rows written before the tenant fence have no tenant: they are the library's own (tenant '')."""
    return Scope(
        user_id=row["user_id"] or None, agent_id=row["agent_id"] or None, run_id=row["run_id"] or None,
        tenant=row.get("tenant") or "",
    )  # fmt: skip


def memory_props(m: MemoryRecord) -> dict[str, Any]:
    return {
        "id": m.id, "text": m.text, "hash": m.hash, **scope_values(m.scope),
        "metadata": json.dumps(m.metadata, default=str), "categories": json.dumps(m.categories),
        "actor_id": m.actor_id, "role": m.role, "created_at": iso(m.created_at),
        "updated_at": iso_or_none(m.updated_at), "valid_at": iso_or_none(m.valid_at),
        "invalid_at": iso_or_none(m.invalid_at), "expired_at": iso_or_none(m.expired_at),
    }  # fmt: skip


def memory_from(row: Mapping[str, Any], episode_ids: list[str], embedding: list[float] | None) -> MemoryRecord:
    return MemoryRecord(
        id=row["id"], text=row["text"], hash=row["hash"], scope=scope_of(row),
        metadata=json.loads(row["metadata"]), categories=json.loads(row["categories"]),
        actor_id=row.get("actor_id"), role=row.get("role"), created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=parse_dt(row.get("updated_at")), valid_at=parse_dt(row.get("valid_at")),
        invalid_at=parse_dt(row.get("invalid_at")), expired_at=parse_dt(row.get("expired_at")),
        episode_ids=episode_ids, embedding=embedding,
    )  # fmt: skip


def entity_props(e: EntityRecord) -> dict[str, Any]:
    return {
        "id": e.id, "name": e.name, "normalized": e.normalized, "type": e.type, "summary": e.summary,
        **scope_values(e.scope), "created_at": iso(e.created_at),
    }  # fmt: skip


def entity_from(row: Mapping[str, Any], aliases: list[str]) -> EntityRecord:
    return EntityRecord(
        id=row["id"], name=row["name"], normalized=row["normalized"], type=row["type"], aliases=aliases,
        summary=row["summary"], scope=scope_of(row), created_at=datetime.fromisoformat(row["created_at"]),
    )  # fmt: skip


def relation_props(r: RelationRecord) -> dict[str, Any]:
    return {
        "id": r.id, "type": r.type, "fact": r.fact, **scope_values(r.scope), "confidence": r.confidence,
        "created_at": iso(r.created_at), "valid_at": iso_or_none(r.valid_at),
        "invalid_at": iso_or_none(r.invalid_at), "expired_at": iso_or_none(r.expired_at),
        "memory_ids": _json_ids(tuple(r.provenance.memory_ids)),
        "episode_ids": _json_ids(tuple(r.provenance.episode_ids)),
        "actor_id": r.provenance.actor_id,
    }  # fmt: skip


def relation_from(row: Mapping[str, Any]) -> RelationRecord:
    """``row`` also carries ``source_id``, ``target_id`` and the endpoint names ``source`` and ``target``."""
    return RelationRecord(
        id=row["id"], source_id=row["source_id"], target_id=row["target_id"], source=row["source"],
        target=row["target"], type=row["type"], fact=row["fact"], scope=scope_of(row), confidence=row["confidence"],
        created_at=datetime.fromisoformat(row["created_at"]), valid_at=parse_dt(row.get("valid_at")),
        invalid_at=parse_dt(row.get("invalid_at")), expired_at=parse_dt(row.get("expired_at")),
        provenance=Provenance(memory_ids=json.loads(row["memory_ids"]), episode_ids=json.loads(row["episode_ids"]),
                              actor_id=row.get("actor_id")),
    )  # fmt: skip


def episode_props(e: Episode) -> dict[str, Any]:
    return {
        "id": e.id, **scope_values(e.scope), "messages": json.dumps([m.model_dump() for m in e.messages]),
        "source": e.source, "metadata": json.dumps(e.metadata, default=str), "created_at": iso(e.created_at),
        "status": e.status, "error": e.error,
    }  # fmt: skip


def episode_from(row: Mapping[str, Any]) -> Episode:
    return Episode(
        id=row["id"], scope=scope_of(row), messages=[Message(**m) for m in json.loads(row["messages"])],
        source=row["source"], metadata=json.loads(row["metadata"]),
        created_at=datetime.fromisoformat(row["created_at"]), status=row["status"], error=row.get("error"),
    )  # fmt: skip


def history_props(h: HistoryEvent) -> dict[str, Any]:
    return {
        "id": h.id, "memory_id": h.memory_id, "event": h.event, "old_memory": h.old_memory,
        "new_memory": h.new_memory, "actor_id": h.actor_id, "role": h.role, "created_at": iso(h.created_at),
        **scope_values(h.scope), "relations": None if h.relations is None else json.dumps(h.relations, default=str),
    }  # fmt: skip


def history_from(row: Mapping[str, Any]) -> HistoryEvent:
    return HistoryEvent(
        id=row["id"], memory_id=row["memory_id"], event=row["event"], old_memory=row.get("old_memory"),
        new_memory=row.get("new_memory"), actor_id=row.get("actor_id"), role=row.get("role"),
        created_at=datetime.fromisoformat(row["created_at"]), scope=scope_of(row),
        relations=json.loads(row["relations"]) if row.get("relations") else None,
    )  # fmt: skip
