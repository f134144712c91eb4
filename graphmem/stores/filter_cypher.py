"""Filters as a parameterized Cypher predicate on a ``(m:Memory)`` node, and the node properties it reads.

Neo4j keeps a memory's metadata as a JSON string (``m.metadata``, read back as is), which Cypher cannot look inside
without APOC. So each memory also carries its metadata flattened (:func:`metadata_props`): a key whose value is a
string, number, bool or a list of one of those is the property ``"meta." + key``, read with dynamic access
``m[$name]`` so the key travels as a parameter; a key whose value Neo4j cannot store as a property (an object, a
list of mixed or nested values, an integer outside 64 bits) is listed in ``m.meta_opaque``; categories are the list
``m.category_list``. Values and names are parameters; the text is made only of the fixed fragments below.

Cypher's comparisons are type-strict the way the matcher's are (``1 = 1.0``, ``true <> 1``, ``'1' <> 1``;
comparing a string with a number is null, read as false), so most conditions translate exactly. Where the predicate
is a superset (see :class:`graphmem.filters.Bounds`) and the store re-checks in Python:

* a metadata key listed in ``m.meta_opaque`` (its value is undecided in Cypher);
* ``icontains`` on a value with non-ASCII characters (``toLower`` is not ``casefold``);
* ordering strings with a character from U+D800 up (Neo4j orders strings by UTF-16 unit, Python by code point);
* a datetime filter value against a metadata value or a non-datetime built-in (a string parsed as ISO-8601).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from graphmem.filters import FALSE, TRUE, Bounds, Condition, Filter, Fragment, translate
from graphmem.stores.rows import iso

__all__ = ["META_PREFIX", "memory_filter", "metadata_props"]

META_PREFIX = "meta."
_INT64 = (-(2**63), 2**63 - 1)
_ASCII = "[\\x{0}-\\x{7F}]*"
_LOW = "[\\x{0}-\\x{D7FF}]*"  # characters whose UTF-16 unit order is their code point order
_COLUMNS = {
    "id": "m.id", "memory": "m.text", "hash": "m.hash", "actor_id": "m.actor_id", "role": "m.role",
    "user_id": "CASE WHEN m.user_id = '' THEN null ELSE m.user_id END",
    "agent_id": "CASE WHEN m.agent_id = '' THEN null ELSE m.agent_id END",
    "run_id": "CASE WHEN m.run_id = '' THEN null ELSE m.run_id END",
    "created_at": "m.created_at", "updated_at": "m.updated_at", "valid_at": "m.valid_at", "invalid_at": "m.invalid_at",
}  # fmt: skip
# ``datetime.isoformat()`` of a stored ISO-8601 UTC string with microseconds (rows.iso), as the matcher sees it.
_ISOFORMAT = "CASE WHEN substring({c}, 19, 7) = '.000000' THEN substring({c}, 0, 19) + substring({c}, 26) ELSE {c} END"


def metadata_props(metadata: Mapping[str, Any], categories: list[str]) -> dict[str, Any]:
    """The properties a filter reads, beside ``m.metadata``: see the module docstring."""
    props: dict[str, Any] = {"category_list": list(categories)}
    opaque: list[str] = []
    for key, value in metadata.items():
        if value is None:
            continue
        stored = _storable(value)
        if stored is None:
            opaque.append(key)
        else:
            props[META_PREFIX + key] = stored
    props["meta_opaque"] = opaque
    return props


def _storable(value: Any) -> Any:
    """The value as a Neo4j property, or None where a property cannot hold it faithfully."""
    if isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return value if _INT64[0] <= value <= _INT64[1] else None
    if isinstance(value, list):
        kinds = {bool if isinstance(v, bool) else str if isinstance(v, str) else float if isinstance(v, float)
                 else int if isinstance(v, int) else None for v in value}  # fmt: skip
        if (
            not value
            or kinds in ({bool}, {str}, {float})
            or (kinds == {int} and all(_INT64[0] <= v <= _INT64[1] for v in value))
        ):
            return list(value)
    return None


class _Params:
    """Names for the values of one query: ``$f0``, ``$f1``, ... (never text from the filter)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"f{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def memory_filter(f: Filter) -> tuple[Bounds, dict[str, Any]]:
    """The filter as a predicate on ``m`` and the parameters it names."""
    params = _Params()
    return translate(f, lambda cond: _leaf(cond, params)), params.values


def _leaf(cond: Condition, p: _Params) -> Bounds:
    if cond.in_metadata:
        value, opaque = f"m[{p(META_PREFIX + cond.field)}]", f"({p(cond.field)} IN coalesce(m.meta_opaque, []))"
    elif cond.field == "categories":
        if cond.op in ("present", "absent", "gt", "gte", "lt", "lte"):
            return Bounds.of(TRUE if cond.op == "present" else FALSE)
        op = "contains" if cond.op == "eq" else cond.op  # membership either way on a list
        return _value(op, cond.value, "m.category_list", p)
    else:
        value, opaque = _COLUMNS[cond.field], ""
        if cond.is_datetime and cond.op in ("contains", "icontains"):
            value = _ISOFORMAT.format(c=value)
        elif cond.is_datetime and cond.op not in ("present", "absent"):
            return Bounds.of(Fragment(f"coalesce({value} {_SYMBOL[cond.op]} {p(iso(cond.value))}, false)"))
    if cond.op in ("present", "absent"):
        present = f"({value} IS NOT NULL{' OR ' + opaque if opaque else ''})"
        return Bounds.of(Fragment(present if cond.op == "present" else f"(NOT {present})"))
    inner = _value(cond.op, cond.value, value, p)
    if not opaque:
        return inner
    return Bounds(
        Fragment(f"({opaque} OR {inner.wider.text})"), Fragment(f"(NOT {opaque} AND {inner.narrower.text})"), False
    )


_SYMBOL = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _value(op: str, v: Any, x: str, p: _Params) -> Bounds:
    """One stored value ``x`` (any type, or null) against the operand as the matcher compares them."""
    is_str, is_list = f"{x} IS :: STRING NOT NULL", f"{x} IS :: LIST<ANY> NOT NULL"
    if op == "icontains":
        needle, ascii_re = p(v), p(_ASCII)
        text_hit, el_hit = f"toLower({x}) CONTAINS {needle}", f"toLower(i) = {needle}"
        return Bounds(
            Fragment(f"(CASE WHEN {is_str} THEN ({text_hit} OR NOT {x} =~ {ascii_re}) WHEN {is_list} THEN "
                     f"any(i IN {x} WHERE i IS :: STRING NOT NULL AND ({el_hit} OR NOT i =~ {ascii_re})) "
                     "ELSE false END)"),
            Fragment(f"(CASE WHEN {is_str} THEN ({x} =~ {ascii_re} AND {text_hit}) WHEN {is_list} THEN "
                     f"any(i IN {x} WHERE i IS :: STRING NOT NULL AND i =~ {ascii_re} AND {el_hit}) ELSE false END)"),
            False,
        )  # fmt: skip
    if isinstance(v, datetime):  # the matcher parses string values as ISO-8601: undecided here
        if op == "contains":
            return Bounds.unknown(Fragment(f"({is_list})"))
        return Bounds.unknown(Fragment(f"({is_str})"))
    if isinstance(v, int) and not isinstance(v, bool) and not _INT64[0] <= v <= _INT64[1]:
        return Bounds.unknown(Fragment(f"({x} IS :: INTEGER NOT NULL OR {x} IS :: FLOAT NOT NULL)"))
    if op == "contains":
        in_list = f"WHEN {is_list} THEN coalesce({p(v)} IN {x}, false)"
        in_text = f"WHEN {is_str} THEN {x} CONTAINS {p(v)} " if isinstance(v, str) else ""
        return Bounds.of(Fragment(f"(CASE {in_text}{in_list} ELSE false END)"))
    compared = f"coalesce({x} {_SYMBOL[op]} {p(v)}, false)"
    if op == "eq" or not isinstance(v, str):
        return Bounds.of(Fragment(compared))
    if any(ord(c) >= 0xD800 for c in v):
        return Bounds.unknown(Fragment(f"({is_str})"))
    low = f"{x} =~ {p(_LOW)}"
    return Bounds(Fragment(f"({compared} OR ({is_str} AND NOT {low}))"), Fragment(f"({compared} AND {low})"), False)
