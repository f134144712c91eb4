"""The ``filters`` argument of ``Memory.search`` / ``Memory.get_all``: parse and validate once, then run in the store.

Each store compiles the tree into its own query language through :func:`translate` (``stores/filter_sql.py``,
``stores/filter_cypher.py``), so a filtered read selects in the database instead of listing the scope. The Python
matcher here (:func:`matches`) is the reference: a construct a store cannot express exactly is translated as a
superset, and the store finishes those candidates with :func:`matches`, so every backend selects exactly what the
matcher does. The language is mem0's:

* ``{"field": value}`` is equality; several keys in one dict are ANDed.
* ``{"field": {op: value, ...}}`` with ``op`` in :data:`OPERATORS`; several operators on one field are ANDed.
* ``AND`` / ``OR`` take a list of filter dicts (``AND: []`` is true, ``OR: []`` is false); ``NOT`` takes one filter
  dict, or a list meaning ``NOT(AND(list))``. They nest freely. Logical keys win over fields of the same name
  (reach such a metadata key as ``metadata.AND``).
* ``"*"`` as an ``eq`` value means "field is present"; as an ``ne`` value, "field is absent". ``None`` as an
  ``eq`` / ``ne`` value means absent / present. (So the literal string ``"*"`` is only matchable with ``in``.)

Fields are the built-in record fields in :data:`BUILTIN_FIELDS`, read from the top level of the record; any other
name is a metadata key, read from ``record["metadata"]``. ``metadata.key`` names a metadata key explicitly (the rest
after the first dot is the key, verbatim), which is how to reach a metadata key shadowed by a built-in name.

Evaluation semantics (decided here, the same on every backend):

* A field is *missing* when absent or ``None``. A missing field makes every operator false except ``ne`` and
  ``nin``, which are true -- "not equal to x" holds for a record that has no value at all. (``in`` with ``None``
  among its values does match a missing field, consistently with ``eq: None``.)
* ``ne`` is exactly ``not eq`` and ``nin`` is exactly ``not in``, so values of different types are "not equal".
* Equality and ordering are type-strict and never raise: numbers compare with numbers (``2 == 2.0``), strings with
  strings, bools only with bools (``True`` is not ``1``), datetimes with datetimes. Anything else is false.
* Datetime fields (:data:`DATETIME_FIELDS`) compare as instants: record values may be ISO-8601 strings or datetimes,
  filter values must be too (checked up front). A trailing ``Z`` is accepted and naive datetimes are taken as UTC.
  On metadata keys a datetime filter value also parses an ISO string record value; two strings compare as strings.
* ``contains``: list/tuple value -> membership (with the equality above); string value -> substring. Anything
  else is false. On a datetime field the record value is matched as its ISO string.
* ``icontains``: case-insensitive (casefold) version. On a string value it is a substring test; on a list value it is
  *element equality* ignoring case, not a substring of an element -- mirroring ``contains`` on lists.
* ``categories`` (a list on records) is special, as in mem0: ``{"categories": "food"}`` is true when ``"food"`` is
  one of the categories. ``ne``, ``in`` and ``nin`` follow from that: ``in`` means "any category is listed".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from graphmem.config import LimitsConfig
from graphmem.errors import ValidationError
from graphmem.models import MemoryRecord, as_utc, parse_datetime
from graphmem.validate import check_chars

__all__ = [
    "BUILTIN_FIELDS",
    "DATETIME_FIELDS",
    "LOGICAL_KEYS",
    "OPERATORS",
    "SCOPE_FIELDS",
    "Bounds",
    "Condition",
    "Filter",
    "Fragment",
    "compile_filters",
    "finish",
    "lift_scope",
    "matches",
    "translate",
]

OPERATORS: frozenset[str] = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "icontains"})
LOGICAL_KEYS: frozenset[str] = frozenset({"AND", "OR", "NOT"})
BUILTIN_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "memory",
        "user_id",
        "agent_id",
        "run_id",
        "actor_id",
        "role",
        "created_at",
        "updated_at",
        "valid_at",
        "invalid_at",
        "categories",
        "hash",
    }
)
DATETIME_FIELDS: frozenset[str] = frozenset({"created_at", "updated_at", "valid_at", "invalid_at"})

WILDCARD = "*"
_OPERATOR_ORDER = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "icontains")
_ACCEPTED = "accepted operators: " + ", ".join(_OPERATOR_ORDER)
_SCALARS = "a str, number, bool, None or datetime"
_ORDERING = frozenset({"gt", "gte", "lt", "lte"})
_DATETIME_OPERANDS = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"})
_METADATA_PREFIX = "metadata."


class _Missing:
    """Sentinel for an absent or ``None`` field, distinct from every filter value."""

    def __repr__(self) -> str:
        return "MISSING"


_MISSING = _Missing()


@dataclass(frozen=True)
class Condition:
    """One operator applied to one field. ``op`` is a public operator or the internal ``present`` / ``absent``."""

    path: str
    field: str
    in_metadata: bool
    op: str
    value: Any = None

    @property
    def is_datetime(self) -> bool:
        return not self.in_metadata and self.field in DATETIME_FIELDS


@dataclass(frozen=True)
class Filter:
    """A compiled, validated filter tree: ``and`` / ``or`` / ``not`` nodes over ``condition`` leaves."""

    kind: Literal["and", "or", "not", "condition"]
    children: tuple[Filter, ...] = ()
    condition: Condition | None = None


# ---- compilation ----------------------------------------------------------------------------------------------------


SCOPE_FIELDS: tuple[str, ...] = ("user_id", "agent_id", "run_id")


def lift_scope(
    ids: Mapping[str, str | None], filters: Mapping[str, Any] | None
) -> tuple[dict[str, str], dict[str, Any] | None]:
    """mem0 2.x's call shape: the scope ids inside ``filters`` (``{"user_id": "alice"}``, or members of the
    filter's top-level ``AND``) become the call's scope, as if given as ``user_id=`` etc.

    A plain equality is lifted (``"alice"`` or ``{"eq": "alice"}``); anything else (an ``OR``, ``in``, a nested
    ``NOT``) stays in the filter, where it narrows the result inside the scope. An id given both ways, or twice in
    the ``AND``, must name the same value: different values are a ``ValidationError`` rather than an empty answer,
    since a caller mixing the two shapes has made a mistake. Returns ``(ids, the rest of the filter or None)``;
    the tenant is never read from a filter (it comes from the caller's credentials)."""
    lifted = {field: value for field, value in ids.items() if value is not None}
    if not isinstance(filters, Mapping) or not filters:
        return lifted, dict(filters) if isinstance(filters, Mapping) else filters

    def take(field: str, value: Any, where: str) -> bool:
        plain = value.get("eq") if isinstance(value, Mapping) and list(value) == ["eq"] else value
        if field not in SCOPE_FIELDS or not isinstance(plain, str):
            return False
        if lifted.get(field, plain) != plain:
            raise ValidationError(
                where, f"{field} is {lifted[field]!r} in one place and {plain!r} in another: give the scope once"
            )
        lifted[field] = plain
        return True

    rest = {key: value for key, value in filters.items() if not take(key, value, f"filters.{key}")}
    members = rest.get("AND")
    if isinstance(members, list):
        kept = [
            member
            for i, member in enumerate(members)
            if not (
                isinstance(member, Mapping)
                and len(member) == 1
                and take(*next(iter(member.items())), f"filters.AND[{i}]")
            )
        ]
        if kept:
            rest["AND"] = kept
        else:
            del rest["AND"]
    return lifted, rest or None


def compile_filters(filters: Mapping[str, Any] | None, limits: LimitsConfig | None = None) -> Filter | None:
    """Validate ``filters`` before any record is touched; ``None`` or ``{}`` means "no filter" and gives ``None``.

    ``limits`` (default: ``LimitsConfig()``) bounds the tree while it is compiled: ``AND`` / ``OR`` / ``NOT``
    nested deeper than ``max_filter_depth`` and an ``in`` / ``nin`` list longer than ``max_filter_values`` are
    refused. The depth is counted on the way down, so a hostile tree is refused long before Python's recursion
    limit (``max_filter_depth`` is at most 100: three frames a level here, a few in the matcher and translators)."""
    if filters is None:
        return None
    if not isinstance(filters, Mapping):
        raise ValidationError("filters", f"expected a dict of field: value conditions, got {_type(filters)}")
    if not filters:
        return None
    return _Compiler(limits or LimitsConfig()).dict(filters, "filters", 0)


class _Compiler:
    """The compile functions with the bounds they check; ``depth``: the AND / OR / NOT nodes above a dict."""

    def __init__(self, limits: LimitsConfig) -> None:
        self.max_depth = limits.max_filter_depth
        self.max_values = limits.max_filter_values

    def dict(self, spec: Mapping[Any, Any], path: str, depth: int) -> Filter:
        parts: list[Filter] = []
        for key, value in spec.items():
            if key in LOGICAL_KEYS and depth >= self.max_depth:
                raise ValidationError(f"{path}.{key}", f"AND / OR / NOT nested deeper than {self.max_depth} levels "
                                      "(limits.max_filter_depth)")  # fmt: skip
            if key in ("AND", "OR"):
                parts.append(self.junction(key, value, f"{path}.{key}", depth + 1))
            elif key == "NOT":
                parts.append(self.negation(value, f"{path}.NOT", depth + 1))
            else:
                parts.append(_compile_field(key, value, path, self.max_values))
        return parts[0] if len(parts) == 1 else Filter("and", tuple(parts))

    def junction(self, key: str, value: Any, path: str, depth: int) -> Filter:
        if not _is_list(value):
            raise ValidationError(path, f"{key} takes a list of filter dicts, got {_type(value)}")
        kind: Literal["and", "or"] = "and" if key == "AND" else "or"
        return Filter(kind, tuple(self.element(item, f"{path}[{i}]", depth) for i, item in enumerate(value)))

    def negation(self, value: Any, path: str, depth: int) -> Filter:
        if isinstance(value, Mapping):
            return Filter("not", (self.dict(value, path, depth) if value else Filter("and"),))
        if _is_list(value):
            ands = tuple(self.element(v, f"{path}[{i}]", depth) for i, v in enumerate(value))
            return Filter("not", (Filter("and", ands),))
        raise ValidationError(path, f"NOT takes a filter dict (or a list of them, ANDed), got {_type(value)}")

    def element(self, item: Any, path: str, depth: int) -> Filter:
        if not isinstance(item, Mapping):
            raise ValidationError(path, f"expected a filter dict, got {_type(item)}")
        return self.dict(item, path, depth) if item else Filter("and")


def _compile_field(name: Any, value: Any, parent: str, max_values: int) -> Filter:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(parent, f"field names must be non-empty strings, got {name!r}")
    check_chars(parent, name, free_text=False)
    path = f"{parent}.{name}"
    if name == "metadata":
        raise ValidationError(path, "filter on a metadata key as 'key' or 'metadata.key', not on the metadata dict")
    if name in BUILTIN_FIELDS:
        field, in_metadata = name, False
    elif name.startswith(_METADATA_PREFIX):
        field, in_metadata = name[len(_METADATA_PREFIX) :], True
        if not field.strip():
            raise ValidationError(parent, f"field names must be non-empty strings, got {name!r} (no key after the dot)")
    else:
        field, in_metadata = name, True

    if isinstance(value, Mapping):
        if not value:
            raise ValidationError(path, f"empty operator dict; {_ACCEPTED}")
        conds = [_compile_op(field, in_metadata, op, operand, path, max_values) for op, operand in value.items()]
        return conds[0] if len(conds) == 1 else Filter("and", tuple(conds))
    if not _is_scalar(value):
        hint = "; for several values use {'in': [...]}" if _is_list(value) else ""
        raise ValidationError(
            path, f"expected {_SCALARS}, or an {{operator: value}} dict, got {_type(value)}{hint}; {_ACCEPTED}"
        )
    return _compile_op(field, in_metadata, "eq", value, path, max_values, op_path=path)


def _compile_op(
    field: str, in_metadata: bool, op: Any, operand: Any, path: str, max_values: int, op_path: str | None = None
) -> Filter:
    where = op_path if op_path is not None else f"{path}.{op}"
    if op not in OPERATORS:
        raise ValidationError(where, f"unknown operator {op!r}; {_ACCEPTED}")
    if isinstance(operand, str):
        check_chars(where, operand, free_text=True)
    is_dt = not in_metadata and field in DATETIME_FIELDS

    def leaf(name: str, val: Any = None) -> Filter:
        return Filter("condition", condition=Condition(where, field, in_metadata, name, val))

    if op in ("eq", "ne"):
        if not _is_scalar(operand):
            hint = "; for several values use 'in'" if _is_list(operand) else ""
            raise ValidationError(where, f"{op!r} takes {_SCALARS}, got {_type(operand)}{hint}")
        if operand is None or operand == WILDCARD:
            wants_present = (operand == WILDCARD) == (op == "eq")
            return leaf("present" if wants_present else "absent")
        return leaf(op, _datetime_operand(field, operand, where) if is_dt else operand)
    if op in _ORDERING:
        if isinstance(operand, bool) or not isinstance(operand, (int, float, str, datetime)):
            raise ValidationError(where, f"{op!r} compares numbers, strings or datetimes, got {_type(operand)}")
        return leaf(op, _datetime_operand(field, operand, where) if is_dt else _normalize(operand))
    if op in ("in", "nin"):
        if not _is_list(operand):
            raise ValidationError(where, f"{op!r} takes a list of values, got {_type(operand)}")
        if len(operand) > max_values:
            raise ValidationError(
                where, f"holds {len(operand)} values; at most {max_values} (limits.max_filter_values)"
            )
        values: list[Any] = []
        for i, item in enumerate(operand):
            if not _is_scalar(item):
                raise ValidationError(f"{where}[{i}]", f"expected {_SCALARS}, got {_type(item)}")
            if isinstance(item, str):
                check_chars(f"{where}[{i}]", item, free_text=True)
            values.append(_datetime_operand(field, item, f"{where}[{i}]") if is_dt and item is not None else item)
        return leaf(op, tuple(values))
    if op == "contains":
        if operand is None or not _is_scalar(operand):
            raise ValidationError(where, f"'contains' takes a str, number, bool or datetime, got {_type(operand)}")
        return leaf(op, _normalize(operand))
    # icontains
    if not isinstance(operand, str):
        raise ValidationError(where, f"'icontains' takes a str, got {_type(operand)}")
    return leaf(op, operand.casefold())


def _datetime_operand(field: str, operand: Any, where: str) -> datetime:
    parsed = parse_datetime(operand)
    if parsed is None:
        raise ValidationError(
            where, f"{field!r} is a datetime field: expected an ISO-8601 str or datetime, got {operand!r}"
        )
    return parsed


# ---- evaluation -----------------------------------------------------------------------------------------------------


def matches(f: Filter | None, record: Mapping[str, Any]) -> bool:
    """True when ``record`` (built-ins at top level, metadata under ``"metadata"``) passes ``f``; ``None`` passes."""
    if f is None:
        return True
    if f.kind == "and":
        return all(matches(child, record) for child in f.children)
    if f.kind == "or":
        return any(matches(child, record) for child in f.children)
    if f.kind == "not":
        return not matches(f.children[0], record)
    assert f.condition is not None
    return _evaluate(f.condition, record)


def finish(records: Iterable[MemoryRecord], f: Filter | None, limit: int | None) -> Iterator[MemoryRecord]:
    """The records ``f`` keeps, at most ``limit``: how a store finishes a selection its query could only narrow to
    a superset (or could not filter at all), with the reference matcher deciding each record."""
    left = limit
    for record in records:
        if left is not None and left <= 0:
            return
        if f is not None and not matches(f, record.to_api()):
            continue
        yield record
        if left is not None:
            left -= 1


def _resolve(cond: Condition, record: Mapping[str, Any]) -> Any:
    if cond.in_metadata:
        metadata = record.get("metadata")
        value = metadata.get(cond.field) if isinstance(metadata, Mapping) else None
    else:
        value = record.get(cond.field)
    return _MISSING if value is None else value


def _evaluate(cond: Condition, record: Mapping[str, Any]) -> bool:
    actual = _resolve(cond, record)
    op = cond.op
    if op == "present":
        return actual is not _MISSING
    if op == "absent":
        return actual is _MISSING
    if op == "eq":
        return _field_equals(cond, actual, cond.value)
    if op == "ne":
        return not _field_equals(cond, actual, cond.value)
    if op == "in":
        return any(_field_equals(cond, actual, v) for v in cond.value)
    if op == "nin":
        return not any(_field_equals(cond, actual, v) for v in cond.value)
    if actual is _MISSING:
        return False
    if op in _ORDERING:
        return _ordered(op, actual, cond.value)
    if cond.is_datetime and isinstance(actual, datetime):
        actual = _normalize(actual).isoformat()
    if op == "contains":
        if isinstance(actual, str):
            return isinstance(cond.value, str) and cond.value in actual
        return _is_list(actual) and any(_equals(item, cond.value) for item in actual)
    # icontains: operand was casefolded at compile time
    if isinstance(actual, str):
        return bool(cond.value in actual.casefold())
    return _is_list(actual) and any(isinstance(item, str) and item.casefold() == cond.value for item in actual)


def _field_equals(cond: Condition, actual: Any, expected: Any) -> bool:
    """Equality as ``eq`` sees it: ``None`` matches a missing field, ``categories`` matches by membership."""
    if expected is None:
        return actual is _MISSING
    if actual is _MISSING:
        return False
    if not cond.in_metadata and cond.field == "categories" and _is_list(actual):
        return any(_equals(item, expected) for item in actual)
    return _equals(actual, expected)


def _equals(actual: Any, expected: Any) -> bool:
    pair = _comparable(actual, expected)
    return pair is not None and bool(pair[0] == pair[1])


def _ordered(op: str, actual: Any, expected: Any) -> bool:
    pair = _comparable(actual, expected)
    if pair is None or isinstance(pair[0], bool):
        return False
    a, b = pair
    if op == "gt":
        return bool(a > b)
    if op == "gte":
        return bool(a >= b)
    if op == "lt":
        return bool(a < b)
    return bool(a <= b)


def _comparable(a: Any, b: Any) -> tuple[Any, Any] | None:
    """Both values in one comparable type, or ``None`` when the types do not compare (never raises)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return (a, b) if isinstance(a, bool) and isinstance(b, bool) else None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a, b
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    if isinstance(a, datetime) or isinstance(b, datetime):
        da, db = parse_datetime(a), parse_datetime(b)
        return None if da is None or db is None else (da, db)
    return None


# ---- translation (for the stores) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """A piece of a store's query: text made only of fixed fragments and placeholders, and its bound values in the
    order their placeholders appear (positional dialects; named ones keep ``params`` empty)."""

    text: str
    params: tuple[Any, ...] = ()


TRUE = Fragment("true")
FALSE = Fragment("false")


@dataclass(frozen=True)
class Bounds:
    """A filter as two store conditions: ``wider`` holds for every record the filter selects (a superset) and
    ``narrower`` only for records it selects (a subset). Where the translation is exact they are the same and
    ``exact`` is true; otherwise the store selects with ``wider`` and finishes with :func:`matches`. Two are needed
    because ``NOT`` turns a superset into a subset: ``NOT f`` is bounded by ``NOT f.narrower`` / ``NOT f.wider``."""

    wider: Fragment
    narrower: Fragment
    exact: bool

    @classmethod
    def of(cls, fragment: Fragment) -> Bounds:
        return cls(fragment, fragment, True)

    @classmethod
    def unknown(cls, wider: Fragment = TRUE) -> Bounds:
        """A construct the store cannot decide: ``wider`` (default: every record) keeps the candidates."""
        return cls(wider, FALSE, False)


def translate(f: Filter, leaf: Callable[[Condition], Bounds]) -> Bounds:
    """Compose a store's leaf translations into :class:`Bounds` for the whole tree (SQL and Cypher share
    ``AND`` / ``OR`` / ``NOT`` / ``true`` / ``false``). ``leaf`` sees only ``present``, ``absent``, ``eq``, the
    orderings, ``contains`` and ``icontains``: ``ne``, ``in`` and ``nin`` are rewritten here from ``eq`` exactly as
    :func:`matches` defines them."""
    if f.kind == "condition":
        assert f.condition is not None
        rewritten = _rewrite(f.condition)
        return leaf(f.condition) if rewritten is None else translate(rewritten, leaf)
    if f.kind == "not":
        child = translate(f.children[0], leaf)
        return Bounds(_negate(child.narrower), _negate(child.wider), child.exact)
    parts = [translate(child, leaf) for child in f.children]
    joiner, empty = (" AND ", TRUE) if f.kind == "and" else (" OR ", FALSE)
    return Bounds(
        _join(joiner, [p.wider for p in parts], empty),
        _join(joiner, [p.narrower for p in parts], empty),
        all(p.exact for p in parts),
    )


def _rewrite(cond: Condition) -> Filter | None:
    """``ne`` = not ``eq``; ``in`` = any ``eq`` (``None`` among the values: absent); ``nin`` = not ``in``."""

    def cond_of(op: str, value: Any = None) -> Filter:
        return Filter("condition", condition=Condition(cond.path, cond.field, cond.in_metadata, op, value))

    if cond.op == "ne":
        return Filter("not", (cond_of("eq", cond.value),))
    if cond.op in ("in", "nin"):
        anyof = Filter("or", tuple(cond_of("absent") if v is None else cond_of("eq", v) for v in cond.value))
        return anyof if cond.op == "in" else Filter("not", (anyof,))
    return None


def _negate(fragment: Fragment) -> Fragment:
    return Fragment(f"(NOT {fragment.text})", fragment.params)


_FLAT = 16  # the most terms one parenthesized AND / OR chain holds; longer ones are split into a balanced tree


def _join(joiner: str, fragments: list[Fragment], empty: Fragment) -> Fragment:
    """``(a OR b OR ...)``. An engine parses a chain of n terms n levels deep (SQLite refuses 1,000: an ``in`` list
    of ``max_filter_values`` is one such chain), so a long chain is nested as a balanced tree, log n levels deep."""
    if not fragments:
        return empty
    if len(fragments) == 1:
        return fragments[0]
    if len(fragments) > _FLAT:
        size = -(-len(fragments) // _FLAT)  # the chunk size that makes at most _FLAT chunks
        fragments = [_join(joiner, fragments[i : i + size], empty) for i in range(0, len(fragments), size)]
    return Fragment("(" + joiner.join(f.text for f in fragments) + ")", tuple(p for f in fragments for p in f.params))


# ---- helpers --------------------------------------------------------------------------------------------------------


def _normalize(value: Any) -> Any:
    return as_utc(value) if isinstance(value, datetime) else value


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, datetime))


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))


def _type(value: Any) -> str:
    return type(value).__name__
