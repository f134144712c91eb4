"""Filters as SQL over the ``memories`` table (the embedded store): built-ins from their columns, metadata and
categories from their JSON text with ``json_each``.

Values and metadata keys are bound parameters; the text is made only of the fixed fragments below. A key is
matched as ``json_each(metadata).key = ?`` (not a JSON path), so any key, however spelled, is looked up exactly.
SQLite's JSON values are type-tagged (``type``: text, integer, real, true, false, null, array, object), which is what
the matcher's type-strict equality needs: a number never equals a string, a bool never equals 1.

Where the SQL is a superset (see :class:`graphmem.filters.Bounds`) and the store re-checks in Python:

* ``icontains`` on a value with non-ASCII characters (SQLite's ``lower`` folds ASCII only; Python casefolds);
* a datetime filter value against a metadata value or a non-datetime built-in (a string parsed as ISO-8601);
* an integer filter value outside SQLite's 64-bit range;
* metadata or categories whose JSON SQLite cannot read (``NaN`` / ``Infinity``) or that hold a NUL character
  (SQLite's text functions stop at NUL): such rows are always candidates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graphmem.filters import FALSE, TRUE, Bounds, Condition, Filter, Fragment, translate
from graphmem.stores.rows import iso

__all__ = ["memory_filter"]

_INT64 = (-(2**63), 2**63 - 1)
_NUMBER = "{t} IN ('integer', 'real')"
_NON_ASCII = "length(CAST({a} AS BLOB)) <> length({a})"  # UTF-8 bytes exceed characters iff a character is not ASCII
# Columns of the built-ins; the scope columns hold '' for "not set", which the matcher sees as missing.
_COLUMNS = {
    "id": "id", "memory": "text", "hash": "hash", "user_id": "NULLIF(user_id, '')",
    "agent_id": "NULLIF(agent_id, '')", "run_id": "NULLIF(run_id, '')", "actor_id": "actor_id", "role": "role",
    "created_at": "created_at", "updated_at": "updated_at", "valid_at": "valid_at", "invalid_at": "invalid_at",
}  # fmt: skip
# The matcher sees a datetime as ``datetime.isoformat()``, which leaves out zero microseconds; stored values are
# ISO-8601 UTC with microseconds always (rows.iso), so this is that string exactly.
_ISOFORMAT = "CASE WHEN substr({c}, 20, 7) = '.000000' THEN substr({c}, 1, 19) || substr({c}, 27) ELSE {c} END"
# Rows whose JSON text json_each cannot read faithfully: undecided, kept as candidates.
_ODD_JSON = "(NOT json_valid({c}) OR instr({c}, '\\u0000') > 0)"


def memory_filter(f: Filter) -> Bounds:
    """The filter as SQL on the ``memories`` table (unaliased columns), positional ``?`` parameters."""
    return translate(f, _leaf)


def _leaf(cond: Condition) -> Bounds:
    if cond.in_metadata:
        return _guarded("metadata", _metadata(cond))
    if cond.field == "categories":
        return _guarded("categories", _categories(cond))
    column = _COLUMNS[cond.field]
    if cond.op == "present":
        return Bounds.of(Fragment(f"({column} IS NOT NULL)"))
    if cond.op == "absent":
        return Bounds.of(Fragment(f"({column} IS NULL)"))
    if cond.is_datetime and cond.op in ("contains", "icontains"):
        column = _ISOFORMAT.format(c=column)
    elif cond.is_datetime:
        return _compare(cond.op, column, Fragment("?", (iso(cond.value),)), "=")
    return _string_value(cond, column)


def _string_value(cond: Condition, column: str) -> Bounds:
    """A built-in whose value is a string (or missing): everything but categories."""
    value = cond.value
    if cond.op == "icontains":
        return _icontains_text(column, value)
    if isinstance(value, datetime):  # compared by parsing the string as ISO-8601: Python decides
        return Bounds.unknown(Fragment(f"({column} IS NOT NULL)")) if cond.op != "contains" else Bounds.of(FALSE)
    if not isinstance(value, str):  # a string never equals, orders with or contains a number or a bool
        return Bounds.of(FALSE)
    if cond.op == "contains":
        return Bounds.of(Fragment(f"COALESCE(instr({column}, ?) > 0, false)", (value,)))
    return _compare(cond.op, column, Fragment("?", (value,)), "=")


def _compare(op: str, column: str, operand: Fragment, eq: str) -> Bounds:
    symbol = {"eq": eq, "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
    return Bounds.of(Fragment(f"COALESCE({column} {symbol} {operand.text}, false)", operand.params))


def _icontains_text(column: str, needle: str) -> Bounds:
    """Casefolded substring: exact on ASCII text (``lower`` = ``casefold`` there), a superset on any other."""
    hit = f"instr(lower({column}), ?) > 0"
    odd = _NON_ASCII.format(a=column)
    return Bounds(
        Fragment(f"COALESCE({hit} OR {odd}, false)", (needle,)),
        Fragment(f"COALESCE({hit} AND NOT {odd}, false)", (needle,)),
        False,
    )


# ---- JSON values: metadata keys, list elements, categories ---------------------------------------------------------


def _metadata(cond: Condition) -> Bounds:
    """One metadata key: its ``json_each`` row (if any), then a test on that row's ``type`` and ``atom``."""
    key = (cond.field,)
    if cond.op in ("present", "absent"):
        text = "EXISTS (SELECT 1 FROM json_each(memories.metadata) AS j WHERE j.key = ? AND j.type <> 'null')"
        return Bounds.of(Fragment(text if cond.op == "present" else f"(NOT {text})", key))
    test = _json_value(cond.op, cond.value, "j")
    return _exists("json_each(memories.metadata) AS j WHERE j.key = ? AND ", key, test)


def _categories(cond: Condition) -> Bounds:
    """``categories`` is a list: present (even empty), never ordered, and ``eq`` means "is one of them"."""
    if cond.op in ("present", "absent"):
        return Bounds.of(TRUE if cond.op == "present" else FALSE)
    if cond.op in ("gt", "gte", "lt", "lte"):
        return Bounds.of(FALSE)
    op = "icontains" if cond.op == "icontains" else "eq"  # eq and contains are both membership on a list
    return _exists("json_each(memories.categories) AS c WHERE ", (), _json_scalar(op, cond.value, "c"))


def _json_value(op: str, value: Any, alias: str) -> Bounds:
    """Test a JSON value (``alias.type`` / ``alias.atom`` / ``alias.value``) as the matcher tests a field value."""
    t = f"{alias}.type"
    if op in ("contains", "icontains"):
        element = _json_scalar("eq" if op == "contains" else "icontains", value, "e")
        in_list = _exists(f"json_each({alias}.value) AS e WHERE ", (), element, when=f"{t} = 'array'")
        if op == "icontains":  # only on text: SQLite's lower() would read the number 5 as '5'
            in_text = _when_text(t, _icontains_text(f"{alias}.atom", value))
        elif isinstance(value, str):
            in_text = Bounds.of(Fragment(f"({t} = 'text' AND instr({alias}.atom, ?) > 0)", (value,)))
        else:
            in_text = Bounds.of(FALSE)
        return _either(in_text, in_list)
    return _json_scalar(op, value, alias)


def _json_scalar(op: str, value: Any, alias: str) -> Bounds:
    """``eq`` / orderings / ``icontains`` (as element equality) of one JSON value against a scalar."""
    t, atom = f"{alias}.type", f"{alias}.atom"
    if op == "icontains":
        ascii_ok = f"NOT {_NON_ASCII.format(a=atom)}"
        return Bounds(
            Fragment(f"({t} = 'text' AND (lower({atom}) = ? OR NOT {ascii_ok}))", (value,)),
            Fragment(f"({t} = 'text' AND lower({atom}) = ? AND {ascii_ok})", (value,)),
            False,
        )
    if isinstance(value, bool):
        return Bounds.of(Fragment(f"({t} = '{'true' if value else 'false'}')")) if op == "eq" else Bounds.of(FALSE)
    if isinstance(value, datetime):  # a string value is parsed as ISO-8601 by the matcher
        return Bounds.unknown(Fragment(f"({t} = 'text')"))
    if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
        return Bounds.unknown(Fragment(f"({_NUMBER.format(t=t)})"))
    kind = f"{t} = 'text'" if isinstance(value, str) else _NUMBER.format(t=t)
    compared = _compare(op, atom, Fragment("?", (value,)), "=").wider
    return Bounds.of(Fragment(f"({kind} AND {compared.text})", compared.params))


def _when_text(t: str, test: Bounds) -> Bounds:
    """``test`` on a JSON value whose type (``t``) is text; false on any other."""

    def guard(fragment: Fragment) -> Fragment:
        return Fragment(f"({t} = 'text' AND {fragment.text})", fragment.params)

    return Bounds(guard(test.wider), guard(test.narrower), test.exact)


def _exists(source: str, params: tuple[Any, ...], test: Bounds, when: str = "") -> Bounds:
    """``EXISTS (SELECT 1 FROM <source> <test>)`` for both bounds (EXISTS is monotone in its condition). ``when``
    guards it in a CASE, which SQLite evaluates lazily: json_each of a value that is not JSON text would fail."""

    def wrap(fragment: Fragment) -> Fragment:
        text = f"EXISTS (SELECT 1 FROM {source}{fragment.text})"
        return Fragment(f"(CASE WHEN {when} THEN {text} ELSE false END)" if when else text, params + fragment.params)

    return Bounds(wrap(test.wider), wrap(test.narrower), test.exact)


def _either(a: Bounds, b: Bounds) -> Bounds:
    def join(x: Fragment, y: Fragment) -> Fragment:
        return Fragment(f"({x.text} OR {y.text})", x.params + y.params)

    return Bounds(join(a.wider, b.wider), join(a.narrower, b.narrower), a.exact and b.exact)


def _guarded(column: str, inner: Bounds) -> Bounds:
    """Rows whose JSON cannot be read faithfully are candidates (wider) and never sure (narrower)."""
    odd = _ODD_JSON.format(c=f"memories.{column}")
    return Bounds(
        Fragment(f"(CASE WHEN {odd} THEN true ELSE {inner.wider.text} END)", inner.wider.params),
        Fragment(f"(CASE WHEN {odd} THEN false ELSE {inner.narrower.text} END)", inner.narrower.params),
        False,
    )
