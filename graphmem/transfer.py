"""Export and import as JSONL: one line per episode, in the shape of the ``add``/``add_triples`` call that made it.

Re-importing replays the calls, so the memories, entities and relations are rebuilt by the same pipeline.
Edits made later with ``update``/``delete`` are not episodes and are not part of an export.

A record carries its episode's ``episode_id`` and ``created_at``, and the import honours both: everything the
replay writes is dated as the original (``search(..., as_of=t)`` answers as it did before the export), and the
episode keeps its id, so the memory, entity and relation ids derived from it are the original ones too. That makes
an import idempotent: a record whose episode is already stored and done in the same scope is skipped (counted
under ``skipped``), so an interrupted import can simply be run again; one stored but failed or pending is replayed.
An id already used by an episode of another scope or tenant is not reused (the record gets a new id, same date), so
an import can neither skip nor touch what another tenant stored under that id.
Triples are exported as objects (``source``, ``relationship``, ``destination``, ``fact``, types, ``valid_at``)
exactly as the episode keeps them; episodes stored by older versions as text lines export as ``[s, r, o]`` lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from graphmem.errors import GraphmemError, ValidationError
from graphmem.models import Episode, Origin, parse_datetime, utcnow

if TYPE_CHECKING:
    from graphmem.memory import Memory

_SCOPE_KEYS = ("user_id", "agent_id", "run_id")


def episode_record(episode: Episode) -> dict[str, Any]:
    record: dict[str, Any] = {k: v for k, v in episode.scope.as_dict().items() if v}
    triples, own = episode.triples(), episode.given()
    if triples is not None:
        record["triples"] = triples
    else:
        record["messages"] = [_message_dict(m.model_dump()) for m in episode.conversation()]
        if own is not None:  # add(..., triples=, facts=): what was given replays the same extraction
            record.update((k, v) for k, v in own.items() if v is not None)
        else:
            record["infer"] = episode.source != "raw"
    if episode.metadata:
        record["metadata"] = episode.metadata
    record["episode_id"] = episode.id
    record["created_at"] = episode.created_at.isoformat()
    return record


def _message_dict(m: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m["role"]}
    if m["images"]:
        out["content"] = [{"type": "text", "text": m["content"]}] + [
            {"type": "image_url", "image_url": {"url": url}} for url in m["images"]
        ]
    else:
        out["content"] = m["content"]
    out.update({k: m[k] for k in ("name", "actor_id") if m.get(k)})
    return out


def export_lines(memory: Memory, scope: dict[str, Any]) -> Iterator[str]:
    for record in memory.export(**scope):
        yield json.dumps(record, ensure_ascii=False, default=str)


def count_lines(path: str) -> int:
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def import_records(
    memory: Memory,
    records: Iterable[tuple[int, Any]],
    default_scope: dict[str, Any],
    total: int | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Replay numbered records; a bad record is reported with its number and skipped, the rest still load."""
    summary: dict[str, Any] = {"episodes": 0, "memories": 0, "relations": 0, "skipped": 0, "failed": 0, "errors": []}
    for number, record in tqdm(records, total=total, disable=not progress, unit="episode"):
        try:
            result = _replay(memory, record, default_scope)
        except GraphmemError as exc:
            summary["failed"] += 1
            summary["errors"].append({"line": number, "error": str(exc)})
            continue
        if result is None:
            summary["skipped"] += 1
            continue
        summary["episodes"] += 1
        summary["memories"] += sum(1 for r in result["results"] if r["event"] == "ADD")
        summary["relations"] += len(result["relations"]["added"])
        if result.get("error"):
            summary["failed"] += 1
            summary["errors"].append({"line": number, "error": result["error"]})
    return summary


def import_lines(
    memory: Memory, lines: Iterable[str], default_scope: dict[str, Any], total: int | None, progress: bool | None
) -> dict[str, Any]:
    def parsed() -> Iterator[tuple[int, Any]]:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, ValidationError("record", f"not valid JSON: {exc.msg}")

    return import_records(memory, parsed(), default_scope, total, progress)


def _replay(memory: Memory, record: Any, default_scope: dict[str, Any]) -> dict[str, Any] | None:
    """One record as the call that made it, under its exported id and time; None when already imported."""
    if isinstance(record, GraphmemError):
        raise record
    if not isinstance(record, dict):
        raise ValidationError("record", f"expected a JSON object, got {type(record).__name__}")
    known = {"messages", "triples", "facts", "metadata", "infer", "episode_id", "created_at", *_SCOPE_KEYS}
    unknown = sorted(set(record) - known)
    if unknown:
        raise ValidationError(unknown[0], f"unknown key in import record (accepted: {', '.join(sorted(known))})")
    if "messages" not in record and ("triples" not in record or "facts" in record):
        raise ValidationError("messages", "each import record needs 'messages' (with, optionally, 'triples' and "
                                          "'facts'), or 'triples' alone")  # fmt: skip
    scope = {k: record.get(k) or default_scope.get(k) for k in _SCOPE_KEYS}
    origin = _origin(record)
    if origin is not None and origin.episode_id is not None:
        stored = memory.store.get_episode(origin.episode_id)
        if stored is not None and (stored.scope.as_dict() != scope or stored.scope.tenant != memory.tenant):
            origin = origin.model_copy(update={"episode_id": None})  # another scope's (or tenant's) episode: a new id
        elif stored is not None and stored.status == "done":
            return None  # imported before
    return memory._replay(record, scope, origin)


def _origin(record: dict[str, Any]) -> Origin | None:
    """The exported episode's id and time, checked; None for a record with neither (a new id, dated now)."""
    episode_id, created_at = record.get("episode_id"), record.get("created_at")
    if episode_id is not None and (not isinstance(episode_id, str) or not episode_id.strip()):
        raise ValidationError("episode_id", f"expected a non-empty string, got {episode_id!r}")
    if created_at is None:
        return None if episode_id is None else Origin(episode_id=episode_id, created_at=utcnow())
    when = parse_datetime(created_at) if isinstance(created_at, str) else None
    if when is None:
        raise ValidationError("created_at", f"expected an ISO-8601 time, got {created_at!r}")
    return Origin(episode_id=episode_id, created_at=when)
