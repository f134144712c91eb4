"""The checks every public entry point runs on what a caller passes, before anything is read or written (issue 11).

Why one module: a bad value must fail the same way wherever it comes in (``Memory``, ``AsyncMemory``, the CLI,
an import record), as a ``ValidationError`` naming the field, never as whatever the engine, the tokenizer or
Python's recursion limit happens to raise further down. The bounds are ``LimitsConfig``'s (``MemoryConfig.limits``).

Text rules: identifiers (scope ids, memory ids, entity names, metadata and filter keys) hold no control character
at all; free text (messages, update text, queries, metadata and filter string values) may hold tab, newline and
carriage return, nothing else below U+0020, no DEL and no C1 control. No string may hold a lone surrogate
(``"\\ud800"``): it is not Unicode text, and no engine can encode it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from graphmem.config import LimitsConfig
from graphmem.errors import ValidationError
from graphmem.models import Message, Scope
from graphmem.vocab import clip_query

__all__ = [
    "NOT_IN_TEXT",
    "check_chars",
    "count",
    "identifier",
    "messages",
    "name",
    "nested",
    "positive",
    "query",
    "scope",
    "text",
]

_NOT_IN_IDS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
NOT_IN_TEXT = re.compile(  # what free text may not hold (model text is cleaned of it: ingest/clean.py)
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]"
)
_SHOWN = 60  # characters of a bad value an error message repeats


def shown(value: Any) -> str:
    """A value as an error message shows it: its repr (escapes make it printable), cut to a readable length."""
    if isinstance(value, str) and len(value) > _SHOWN:
        return f"{value[:_SHOWN]!r}... ({len(value)} characters)"
    return repr(value)


def check_chars(field: str, value: str, *, free_text: bool) -> str:
    """``value`` unless it holds a character its kind refuses (see the module doc); the error says which and where."""
    bad = (NOT_IN_TEXT if free_text else _NOT_IN_IDS).search(value)
    if bad is None:
        return value
    char = bad.group()
    what = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    allowed = " (tab and newline are allowed in text)" if free_text else ""
    raise ValidationError(field, f"contains {what} {char!r} at position {bad.start()}{allowed}")


def identifier(field: str, value: Any, limits: LimitsConfig) -> str:
    """A scope or record id: a non-blank string of at most ``max_id_chars``, no control characters."""
    return _bounded(field, value, limits.max_id_chars, "max_id_chars", "a non-empty string")


def name(field: str, value: Any, limits: LimitsConfig) -> str:
    """An entity name a caller looks up (``neighbors``, ``paths``): at most ``max_name_chars``."""
    return _bounded(field, value, limits.max_name_chars, "max_name_chars", "an entity name")


def _bounded(field: str, value: Any, most: int, limit_name: str, wanted: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"expected {wanted}, got {shown(value)}")
    _within(field, value, most, limit_name)
    return check_chars(field, value, free_text=False)


def _within(field: str, value: str, most: int, limit_name: str) -> None:
    if len(value) > most:
        raise ValidationError(field, f"is {len(value)} characters long; at most {most} (limits.{limit_name})")


def text(field: str, value: Any, limits: LimitsConfig) -> str:
    """Free text that is stored (``update``'s new text): non-blank, at most ``max_input_chars``."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"expected a non-empty string, got {shown(value)}")
    _within(field, value, limits.max_input_chars, "max_input_chars")
    return check_chars(field, value, free_text=True)


def query(value: Any, limits: LimitsConfig) -> str:
    """A search query, cut to ``max_query_chars`` (``vocab.clip_query``: the embedder reads no more than
    that, and the keyword lanes should not tokenize a megabyte either), then checked as text: a long query is
    truncated, not refused, and what was cut away is not read at all."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("query", f"expected a non-empty string, got {shown(value)}")
    return check_chars("query", clip_query(value, limits.max_query_chars), free_text=True)


def positive(field: str, value: Any) -> int:
    """An int of at least 1 (``hops``; a depth's own bound is the traversal's to apply)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, f"expected a positive integer, got {shown(value)}")
    return int(value)


def count(field: str, value: Any, limits: LimitsConfig) -> int:
    """A ``limit``: an int from 1 to ``max_results`` (a larger one would only overflow an engine's integer)."""
    checked = positive(field, value)
    if checked > limits.max_results:
        raise ValidationError(field, f"is {checked}; at most {limits.max_results} (limits.max_results)")
    return checked


def scope(user_id: Any, agent_id: Any, run_id: Any, limits: LimitsConfig, *, required: bool, tenant: str = "") -> Scope:
    """Checked scope ids; ``required`` calls need at least one, since an unscoped write or read would leak. The
    ``tenant`` comes from the caller's credentials (``Memory.for_tenant``), never from a request's ids."""
    for field, value in (("user_id", user_id), ("agent_id", agent_id), ("run_id", run_id)):
        if value is not None:
            identifier(field, value, limits)
    checked = Scope(user_id=user_id, agent_id=agent_id, run_id=run_id, tenant=tenant)
    if required and checked.is_empty():
        raise ValidationError("user_id", "one of user_id, agent_id or run_id is required")
    return checked


def nested(field: str, value: Any, max_depth: int) -> None:
    """Walk a caller's nested data (metadata, Cypher parameters) without recursion: refuse nesting deeper than
    ``max_depth`` (dicts and lists count; a cycle counts as too deep) and bad characters in keys and strings.
    Types are left to the caller's own check (``normalize_metadata``), which then recurses only this deep."""
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            check_chars(where, item, free_text=True)
            continue
        children: Iterable[tuple[Any, str]]
        if isinstance(item, Mapping):
            children = [(v, f"{where}.{k}") for k, v in item.items()]
            for key in item:
                if isinstance(key, str):
                    check_chars(where, key, free_text=False)
        elif isinstance(item, list | tuple):
            children = [(v, f"{where}[{i}]") for i, v in enumerate(item)]
        else:
            continue
        if depth >= max_depth:
            raise ValidationError(where, f"is nested deeper than {max_depth} levels of dicts and lists")
        stack.extend((child, path, depth + 1) for child, path in children)


def messages(items: list[Message], limits: LimitsConfig) -> list[Message]:
    """Normalized messages: their text within ``max_input_chars`` in all, and every string free of what its kind
    refuses (``messages[i].content``, ``.name``, ``.actor_id``, ``.images[j]`` name the culprit)."""
    total = sum(len(m.content) for m in items)
    if total > limits.max_input_chars:
        raise ValidationError(
            "messages", f"hold {total} characters of text; at most {limits.max_input_chars} (limits.max_input_chars)"
        )
    for i, message in enumerate(items):
        where = f"messages[{i}]"
        check_chars(f"{where}.content", message.content, free_text=True)
        for field, value, most, limit_name in (
            ("name", message.name, limits.max_name_chars, "max_name_chars"),
            ("actor_id", message.actor_id, limits.max_id_chars, "max_id_chars"),
        ):
            if value is not None:
                _within(f"{where}.{field}", value, most, limit_name)
                check_chars(f"{where}.{field}", value, free_text=False)
        for j, url in enumerate(message.images):
            check_chars(f"{where}.images[{j}]", url, free_text=False)
    return items
