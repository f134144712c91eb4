"""LangGraph: ``GraphmemStore``, a ``BaseStore`` (long-term memory of a graph's nodes) kept in a graphmem scope.

The store is bound to one graphmem scope (``user_id`` and/or ``agent_id``; default ``agent_id="langgraph"``), and
every item lives in a scope of its own inside it: ``run_id`` is derived from (namespace, key), so an item's get,
put and delete touch exactly its own records, and two items holding the same text never merge (graphmem
deduplicates a text within one scope). The item is one memory: its text is the value's ``text_fields`` (default:
``text``, ``content`` or ``memory`` when the value has one, else the whole value as JSON), and its metadata keeps
the value (returned unchanged), the namespace level by level (``lg_ns_0``, ``lg_ns_1``, ..., ``lg_depth``: a
namespace prefix is an exact filter in the database), the key, the item's times, and the value's top-level fields
as ``value.<field>`` (what ``SearchOp.filter`` reads). Search with a ``query`` is graphmem's hybrid search within
the prefix (``SearchItem.score`` is the fused score); without one, the items in the prefix, oldest first.

Semantics follow LangGraph's documentation: ``put`` with ``value=None`` deletes; ``put`` of an existing key
replaces the value and keeps ``created_at``; filters take a value or ``$eq``/``$ne``/``$gt``/``$gte``/``$lt``/``$lte``;
``list_namespaces`` applies prefix/suffix conditions (``"*"`` matches any one label), then ``max_depth`` (namespaces
cut to that depth, duplicates removed), sorted, then ``offset``/``limit``. TTLs are not supported.
``infer=True`` extracts facts and relations from each item's text (off by default: items are data).

A put is a delete and an add (two transactions): a reader between them sees no item.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from graphmem.errors import ValidationError

__all__ = ["GraphmemStore"]

_OPERATORS = {"$eq": "eq", "$ne": "ne", "$gt": "gt", "$gte": "gte", "$lt": "lt", "$lte": "lte"}
_TEXT_FIELDS = ("text", "content", "memory")
_LISTED = 10_000  # the most items list_namespaces reads (graphmem's default limits.max_results)


class GraphmemStore(BaseStore):
    """A LangGraph store over a graphmem ``Memory`` or ``MemoryClient`` (see the module docstring)."""

    supports_ttl = False

    def __init__(
        self,
        memory: Any,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        text_fields: Sequence[str] | None = None,
        infer: bool = False,
    ) -> None:
        self.memory = getattr(memory, "sync", memory)  # an AsyncMemory's Memory: batch is synchronous
        self.scope = {"user_id": user_id, "agent_id": agent_id if (agent_id or user_id) else "langgraph"}
        self.text_fields, self.infer = tuple(text_fields or ()), infer

    # -- the two methods BaseStore needs ------------------------------------------------------------------------------
    def batch(self, ops: Iterable[Op]) -> list[Result]:
        results: list[Result] = []
        for op in ops:
            if isinstance(op, GetOp):
                results.append(self._get(op.namespace, op.key))
            elif isinstance(op, PutOp):
                self._put(op.namespace, op.key, op.value)
                results.append(None)
            elif isinstance(op, SearchOp):
                results.append(self._search(op))
            elif isinstance(op, ListNamespacesOp):
                results.append(self._namespaces(op))
            else:
                raise ValidationError("op", f"unknown store operation {type(op).__name__}")
        return results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await asyncio.to_thread(self.batch, list(ops))

    # -- operations ---------------------------------------------------------------------------------------------------
    def _get(self, namespace: tuple[str, ...], key: str) -> Item | None:
        record = self._record(namespace, key)
        return None if record is None else _item(record)

    def _put(self, namespace: tuple[str, ...], key: str, value: Mapping[str, Any] | None) -> None:
        old = self._record(namespace, key)
        if old is not None:
            self.memory.delete_all(**self.scope, run_id=_run_id(namespace, key))
        if value is None:
            return
        now = datetime.now(timezone.utc).isoformat()
        meta: dict[str, Any] = {f"value.{k}": v for k, v in value.items() if _filterable(v)}
        meta.update({f"lg_ns_{i}": label for i, label in enumerate(namespace)})
        meta.update(lg_depth=len(namespace), lg_key=key, lg_value=dict(value), lg_updated_at=now,
                    lg_created_at=old["metadata"]["lg_created_at"] if old is not None else now)  # fmt: skip
        self.memory.add(self._text(value), **self.scope, run_id=_run_id(namespace, key), metadata=meta,
                        infer=self.infer)  # fmt: skip

    def _search(self, op: SearchOp) -> list[SearchItem]:
        filters = _filters(op.namespace_prefix, op.filter)
        wanted = op.offset + op.limit
        if op.query:
            found = self.memory.search(op.query, **self.scope, filters=filters, limit=wanted)["results"]
        else:
            found = self.memory.get_all(**self.scope, filters=filters, limit=wanted)["results"]
        return [_search_item(r, r.get("score") if op.query else None) for r in found[op.offset : wanted]]

    def _namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        records = self.memory.get_all(**self.scope, limit=_LISTED)["results"]
        seen = {_namespace(r["metadata"]) for r in records if "lg_depth" in r["metadata"]}
        kept = [ns for ns in seen if all(_matches(ns, c) for c in op.match_conditions or ())]
        if op.max_depth is not None:
            kept = list({ns[: op.max_depth] for ns in kept})
        return sorted(kept)[op.offset : op.offset + op.limit]

    # -- helpers ------------------------------------------------------------------------------------------------------
    def _record(self, namespace: tuple[str, ...], key: str) -> dict[str, Any] | None:
        found = self.memory.get_all(**self.scope, run_id=_run_id(namespace, key), limit=1)["results"]
        return found[0] if found else None

    def _text(self, value: Mapping[str, Any]) -> str:
        """What is embedded and searched: the configured fields, else a text field, else the value as JSON."""
        if self.text_fields:
            parts = [value[f] if isinstance(value.get(f), str) else json.dumps(value.get(f)) for f in self.text_fields
                     if value.get(f) is not None]  # fmt: skip
            if parts:
                return "\n".join(parts)
        for field in _TEXT_FIELDS:
            if isinstance(value.get(field), str) and value[field].strip():
                return str(value[field])
        return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _run_id(namespace: tuple[str, ...], key: str) -> str:
    """The item's own graphmem scope: a digest of (namespace, key), so any labels and key fit the id rules."""
    digest = hashlib.sha256(json.dumps([list(namespace), key], ensure_ascii=False).encode("utf-8")).hexdigest()
    return f"lg-{digest[:40]}"


def _filterable(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, str | int | float | bool)
        or (isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value))
    )


def _filters(prefix: tuple[str, ...], condition: Mapping[str, Any] | None) -> dict[str, Any]:
    """graphmem's filter for a namespace prefix and a LangGraph value filter (``$``-operators to graphmem's)."""
    parts: list[dict[str, Any]] = [{"lg_depth": {"gte": len(prefix)}}]
    parts += [{f"lg_ns_{i}": label} for i, label in enumerate(prefix)]
    for field, wanted in (condition or {}).items():
        name = f"metadata.value.{field}"
        if isinstance(wanted, Mapping) and wanted and all(str(k).startswith("$") for k in wanted):
            unknown = sorted(set(wanted) - set(_OPERATORS))
            if unknown:
                raise ValidationError(
                    f"filter.{field}", f"unknown operator {unknown[0]} (known: {', '.join(_OPERATORS)})"
                )
            parts += [{name: {_OPERATORS[op]: v}} for op, v in wanted.items()]
        else:
            parts.append({name: wanted})
    return {"AND": parts}


def _matches(namespace: tuple[str, ...], condition: MatchCondition) -> bool:
    path = tuple(condition.path)
    if len(path) > len(namespace):
        return False
    part = namespace[: len(path)] if condition.match_type == "prefix" else namespace[len(namespace) - len(path) :]
    return all(want in ("*", have) for want, have in zip(path, part, strict=True))


def _item(record: Mapping[str, Any]) -> Item:
    meta = record["metadata"]
    return Item(value=meta["lg_value"], key=meta["lg_key"], namespace=_namespace(meta),
                created_at=datetime.fromisoformat(meta["lg_created_at"]),
                updated_at=datetime.fromisoformat(meta["lg_updated_at"]))  # fmt: skip


def _search_item(record: Mapping[str, Any], score: float | None) -> SearchItem:
    item = _item(record)
    return SearchItem(item.namespace, item.key, item.value, item.created_at, item.updated_at, score)


def _namespace(meta: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(meta[f"lg_ns_{i}"] for i in range(meta["lg_depth"]))
