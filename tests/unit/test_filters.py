"""The filter language of Memory.search / get_all: every operator, nesting, and every validation error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from graphmem.errors import ValidationError
from graphmem.filters import OPERATORS, Condition, Filter, compile_filters, matches

UTC = timezone.utc
ACCEPTED = "accepted operators: eq, ne, gt, gte, lt, lte, in, nin, contains, icontains"

RECORD: dict[str, Any] = {
    "id": "m1",
    "memory": "Alice likes Sushi",
    "hash": "abc123",
    "user_id": "alice",
    "agent_id": None,
    "run_id": "r1",
    "role": "user",
    "created_at": "2024-05-01T12:00:00Z",
    "updated_at": datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
    "valid_at": datetime(2024, 1, 1, 0, 0),  # naive: taken as UTC
    "invalid_at": None,
    "categories": ["food", "Travel"],
    "metadata": {
        "priority": 2,
        "score": 0.5,
        "tags": ["a", "Beta", 3],
        "city": "Paris",
        "flag": True,
        "user_id": "shadowed",
        "note": None,
        "when": "2024-03-01T00:00:00+00:00",
        "seen": datetime(2024, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))),  # 2024-03-01T00:00Z
        "dotted.key": "yes",
        "AND": "logical-name",
    },
}


def m(filters: dict[str, Any], record: dict[str, Any] | None = None) -> bool:
    return matches(compile_filters(filters), RECORD if record is None else record)


def test_operators_constant() -> None:
    assert frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "icontains"}) == OPERATORS


@pytest.mark.parametrize("empty", [None, {}])
def test_no_filter_compiles_to_none_and_matches_everything(empty: dict[str, Any] | None) -> None:
    assert compile_filters(empty) is None
    assert matches(None, RECORD) is True
    assert matches(None, {}) is True


def test_compiled_tree_shape() -> None:
    assert compile_filters({"priority": 2}) == Filter(
        "condition", condition=Condition("filters.priority", "priority", True, "eq", 2)
    )
    assert compile_filters({"user_id": "alice", "OR": []}) == Filter(
        "and",
        (
            Filter("condition", condition=Condition("filters.user_id", "user_id", False, "eq", "alice")),
            Filter("or", ()),
        ),
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # equality shorthand and eq
        ({"user_id": "alice"}, True),
        ({"user_id": "bob"}, False),
        ({"priority": 2}, True),
        ({"priority": 2.0}, True),
        ({"priority": 3}, False),
        ({"user_id": "alice", "priority": 2}, True),
        ({"user_id": "alice", "priority": 3}, False),
        ({"priority": {"eq": 2}}, True),
        ({"priority": {"eq": 1}}, False),
        ({"flag": True}, True),
        ({"flag": False}, False),
        ({"score": 0.5}, True),
        # ne
        ({"priority": {"ne": 3}}, True),
        ({"priority": {"ne": 2}}, False),
        ({"city": {"ne": "London"}}, True),
        ({"city": {"ne": "Paris"}}, False),
        # ordering on numbers
        ({"priority": {"gt": 1}}, True),
        ({"priority": {"gt": 2}}, False),
        ({"priority": {"gte": 2}}, True),
        ({"priority": {"gte": 2.5}}, False),
        ({"priority": {"lt": 3}}, True),
        ({"priority": {"lt": 2}}, False),
        ({"priority": {"lte": 2}}, True),
        ({"priority": {"lte": 1.9}}, False),
        ({"score": {"gt": 0.25, "lt": 0.75}}, True),
        ({"priority": {"gte": 2, "lt": 5}}, True),
        ({"priority": {"gte": 3, "lt": 5}}, False),
        # ordering on strings
        ({"city": {"gt": "London"}}, True),
        ({"city": {"gt": "Rome"}}, False),
        ({"city": {"gte": "Paris"}}, True),
        ({"city": {"lt": "Rome"}}, True),
        ({"city": {"lt": "Paris"}}, False),
        ({"city": {"lte": "Paris"}}, True),
        ({"city": {"lte": "Berlin"}}, False),
        # in / nin
        ({"priority": {"in": [1, 2, 3]}}, True),
        ({"priority": {"in": [4, 5]}}, False),
        ({"priority": {"in": []}}, False),
        ({"city": {"in": ("Paris", "Rome")}}, True),
        ({"priority": {"nin": [4, 5]}}, True),
        ({"priority": {"nin": [2]}}, False),
        ({"priority": {"nin": []}}, True),
        # contains: substring on strings, membership on lists
        ({"memory": {"contains": "likes"}}, True),
        ({"memory": {"contains": "sushi"}}, False),
        ({"tags": {"contains": "a"}}, True),
        ({"tags": {"contains": 3}}, True),
        ({"tags": {"contains": "Bet"}}, False),
        ({"tags": {"contains": "beta"}}, False),
        ({"tags": {"contains": True}}, False),
        ({"priority": {"contains": 2}}, False),
        ({"memory": {"contains": 2}}, False),
        # icontains: case-insensitive substring on strings, case-insensitive element equality on lists
        ({"memory": {"icontains": "SUSHI"}}, True),
        ({"memory": {"icontains": "bob"}}, False),
        ({"tags": {"icontains": "BETA"}}, True),
        ({"tags": {"icontains": "bet"}}, False),
        ({"tags": {"icontains": "3"}}, False),
        ({"priority": {"icontains": "2"}}, False),
    ],
)
def test_operators(filters: dict[str, Any], expected: bool) -> None:
    assert m(filters) is expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"categories": "food"}, True),
        ({"categories": "Travel"}, True),
        ({"categories": "travel"}, False),
        ({"categories": "drinks"}, False),
        ({"categories": {"ne": "food"}}, False),
        ({"categories": {"ne": "drinks"}}, True),
        ({"categories": {"in": ["drinks", "food"]}}, True),
        ({"categories": {"in": ["drinks"]}}, False),
        ({"categories": {"nin": ["drinks"]}}, True),
        ({"categories": {"nin": ["Travel"]}}, False),
        ({"categories": {"contains": "food"}}, True),
        ({"categories": {"icontains": "TRAVEL"}}, True),
        ({"categories": {"icontains": "trav"}}, False),
        ({"categories": {"gt": "a"}}, False),
    ],
)
def test_categories_equality_is_membership(filters: dict[str, Any], expected: bool) -> None:
    assert m(filters) is expected


def test_equality_on_metadata_lists_is_not_membership() -> None:
    assert m({"tags": "a"}) is False
    assert m({"tags": {"ne": "a"}}) is True


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"AND": [{"user_id": "alice"}, {"priority": 2}]}, True),
        ({"AND": [{"user_id": "alice"}, {"priority": 3}]}, False),
        ({"AND": []}, True),
        ({"OR": [{"user_id": "bob"}, {"priority": 2}]}, True),
        ({"OR": [{"user_id": "bob"}, {"priority": 3}]}, False),
        ({"OR": []}, False),
        ({"NOT": {"user_id": "bob"}}, True),
        ({"NOT": {"user_id": "alice"}}, False),
        ({"NOT": [{"user_id": "alice"}, {"priority": 3}]}, True),  # NOT(alice AND 3)
        ({"NOT": [{"user_id": "alice"}, {"priority": 2}]}, False),
        ({"NOT": {}}, False),
        ({"AND": [{}]}, True),
        (
            {
                "OR": [
                    {"AND": [{"city": "Rome"}, {"priority": 2}]},
                    {"AND": [{"city": "Paris"}, {"NOT": {"OR": [{"priority": {"gt": 5}}, {"flag": False}]}}]},
                ]
            },
            True,
        ),
        (
            {
                "OR": [
                    {"AND": [{"city": "Rome"}, {"priority": 2}]},
                    {"AND": [{"city": "Paris"}, {"NOT": {"OR": [{"priority": {"gt": 1}}, {"flag": False}]}}]},
                ]
            },
            False,
        ),
        ({"user_id": "alice", "OR": [{"priority": 1}, {"priority": 2}], "NOT": {"city": "Rome"}}, True),
        ({"user_id": "alice", "OR": [{"priority": 1}, {"priority": 2}], "NOT": {"city": "Paris"}}, False),
    ],
)
def test_logical_nesting(filters: dict[str, Any], expected: bool) -> None:
    assert m(filters) is expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"city": "*"}, True),
        ({"run_id": "*"}, True),
        ({"agent_id": "*"}, False),  # None counts as missing
        ({"absent_key": "*"}, False),
        ({"note": "*"}, False),
        ({"city": {"eq": "*"}}, True),
        ({"city": {"ne": "*"}}, False),
        ({"absent_key": {"ne": "*"}}, True),
        ({"city": None}, False),
        ({"absent_key": None}, True),
        ({"agent_id": {"eq": None}}, True),
        ({"agent_id": {"ne": None}}, False),
        ({"city": {"ne": None}}, True),
        ({"city": {"in": ["*"]}}, False),  # "*" is literal inside in
        ({"NOT": {"city": "*"}}, False),
    ],
)
def test_wildcard_and_none(filters: dict[str, Any], expected: bool) -> None:
    assert m(filters) is expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"absent_key": 1}, False),
        ({"absent_key": {"eq": 1}}, False),
        ({"absent_key": {"ne": 1}}, True),
        ({"absent_key": {"gt": 1}}, False),
        ({"absent_key": {"gte": 1}}, False),
        ({"absent_key": {"lt": 1}}, False),
        ({"absent_key": {"lte": 1}}, False),
        ({"absent_key": {"in": [1]}}, False),
        ({"absent_key": {"in": [1, None]}}, True),
        ({"absent_key": {"nin": [1]}}, True),
        ({"absent_key": {"nin": [None]}}, False),
        ({"absent_key": {"contains": "x"}}, False),
        ({"absent_key": {"icontains": "x"}}, False),
        ({"note": {"ne": "x"}}, True),  # None value == missing
        ({"note": {"gt": 0}}, False),
        ({"invalid_at": {"lt": "2030-01-01"}}, False),
        ({"invalid_at": {"ne": "2030-01-01"}}, True),
    ],
)
def test_missing_fields(filters: dict[str, Any], expected: bool) -> None:
    assert m(filters) is expected


def test_record_without_metadata() -> None:
    record: dict[str, Any] = {"id": "x", "user_id": "u"}
    assert m({"priority": 1}, record) is False
    assert m({"priority": {"ne": 1}}, record) is True
    assert m({"user_id": "u"}, record) is True
    assert m({"priority": 1}, {"metadata": "not a dict"}) is False


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"priority": "2"}, False),
        ({"priority": {"ne": "2"}}, True),  # ne is not eq: different types are not equal
        ({"priority": {"gt": "1"}}, False),
        ({"priority": {"lt": "9"}}, False),
        ({"city": {"gt": 1}}, False),
        ({"city": {"lte": 1.5}}, False),
        ({"flag": 1}, False),  # bools only equal bools
        ({"flag": {"gte": 1}}, False),
        ({"priority": True}, False),
        ({"priority": {"in": ["2", True]}}, False),
        ({"priority": {"nin": ["2", True]}}, True),
        ({"tags": {"gt": "a"}}, False),
        ({"created_at": {"contains": 2024}}, False),
        ({"when": {"gt": 5}}, False),
        ({"priority": {"gt": datetime(2024, 1, 1, tzinfo=UTC)}}, False),
        ({"city": {"gt": datetime(2024, 1, 1, tzinfo=UTC)}}, False),  # unparseable string vs datetime
    ],
)
def test_type_mismatches_are_false_not_errors(filters: dict[str, Any], expected: bool) -> None:
    assert m(filters) is expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # record value is an ISO string with Z
        ({"created_at": "2024-05-01T12:00:00+00:00"}, True),
        ({"created_at": "2024-05-01T14:00:00+02:00"}, True),
        ({"created_at": datetime(2024, 5, 1, 12, 0)}, True),  # naive filter value = UTC
        ({"created_at": {"gt": "2024-05-01"}}, True),
        ({"created_at": {"gt": "2024-05-01T12:00:00Z"}}, False),
        ({"created_at": {"gte": "2024-05-01T12:00:00Z"}}, True),
        ({"created_at": {"lt": datetime(2024, 5, 2, tzinfo=UTC)}}, True),
        ({"created_at": {"lte": datetime(2024, 5, 1, 11, 59, tzinfo=UTC)}}, False),
        ({"created_at": {"gte": "2024-04-01", "lt": "2024-06-01"}}, True),
        ({"created_at": {"in": ["2024-01-01", "2024-05-01T12:00:00Z"]}}, True),
        ({"created_at": {"nin": ["2024-05-01T12:00:00Z"]}}, False),
        ({"created_at": {"ne": "2024-05-01T12:00:00Z"}}, False),
        ({"created_at": {"contains": "2024-05"}}, True),
        # record value is an aware datetime
        ({"updated_at": "2024-06-01T12:00:00Z"}, True),
        ({"updated_at": {"gt": "2024-06-01T11:59:59Z"}}, True),
        ({"updated_at": {"lt": datetime(2024, 6, 1, 12, 0)}}, False),
        ({"updated_at": {"lte": datetime(2024, 6, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))}}, True),
        ({"updated_at": {"contains": "2024-06-01T12"}}, True),
        ({"updated_at": {"icontains": "t12:00"}}, True),
        # record value is a naive datetime: taken as UTC
        ({"valid_at": "2024-01-01T00:00:00Z"}, True),
        ({"valid_at": {"lt": datetime(2024, 1, 1, 0, 30, tzinfo=UTC)}}, True),
        ({"valid_at": {"gt": "2024-01-01T01:00:00+02:00"}}, True),
        # metadata: a datetime filter value parses an ISO string record value, and vice versa
        ({"when": datetime(2024, 3, 1, tzinfo=UTC)}, True),
        ({"when": {"gt": datetime(2024, 2, 1)}}, True),
        ({"seen": "2024-03-01T00:00:00Z"}, True),
        ({"seen": {"lt": "2024-02-01"}}, False),
        # metadata: two strings compare as strings
        ({"when": "2024-03-01T00:00:00Z"}, False),
        ({"when": {"gt": "2024-02"}}, True),
    ],
)
def test_datetimes(filters: dict[str, Any], expected: bool) -> None:
    assert m(filters) is expected


def test_unparseable_record_datetime_is_false() -> None:
    record: dict[str, Any] = {"created_at": "not a date", "metadata": {}}
    assert m({"created_at": {"gt": "2024-01-01"}}, record) is False
    assert m({"created_at": "2024-01-01"}, record) is False
    assert m({"created_at": {"ne": "2024-01-01"}}, record) is True


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"user_id": "alice"}, True),  # built-in wins
        ({"user_id": "shadowed"}, False),
        ({"metadata.user_id": "shadowed"}, True),
        ({"metadata.priority": {"gte": 2}}, True),
        ({"metadata.priority": 3}, False),
        ({"metadata.dotted.key": "yes"}, True),
        ({"metadata.AND": "logical-name"}, True),
        ({"metadata.absent": {"ne": 1}}, True),
        ({"metadata.absent": "*"}, False),
        ({"metadata.categories": "food"}, False),  # metadata key, no membership special case
    ],
)
def test_metadata_paths(filters: dict[str, Any], expected: bool) -> None:
    assert m(filters) is expected


@pytest.mark.parametrize(
    ("filters", "field", "message"),
    [
        ("user_id", "filters", "expected a dict of field: value conditions, got str"),
        ({"": 1}, "filters", "field names must be non-empty strings, got ''"),
        ({"  ": 1}, "filters", "field names must be non-empty strings, got '  '"),
        ({1: 1}, "filters", "field names must be non-empty strings, got 1"),
        ({"OR": [{"": 1}]}, "filters.OR[0]", "field names must be non-empty strings, got ''"),
        (
            {"metadata.": 1},
            "filters",
            "field names must be non-empty strings, got 'metadata.' (no key after the dot)",
        ),
        (
            {"metadata": {"city": "Paris"}},
            "filters.metadata",
            "filter on a metadata key as 'key' or 'metadata.key', not on the metadata dict",
        ),
        ({"priority": {"between": [1, 2]}}, "filters.priority.between", f"unknown operator 'between'; {ACCEPTED}"),
        ({"priority": {"$gt": 1}}, "filters.priority.$gt", f"unknown operator '$gt'; {ACCEPTED}"),
        ({"priority": {"gte": 1, "LT": 5}}, "filters.priority.LT", f"unknown operator 'LT'; {ACCEPTED}"),
        ({"OR": [{"x": 1}, {"age": {"older": 3}}]}, "filters.OR[1].age.older", f"unknown operator 'older'; {ACCEPTED}"),
        ({"priority": {}}, "filters.priority", f"empty operator dict; {ACCEPTED}"),
        (
            {"OR": [{"x": 1}, {"age": [1, 2]}]},
            "filters.OR[1].age",
            "expected a str, number, bool, None or datetime, or an {operator: value} dict, got list; "
            f"for several values use {{'in': [...]}}; {ACCEPTED}",
        ),
        (
            {"age": object()},
            "filters.age",
            f"expected a str, number, bool, None or datetime, or an {{operator: value}} dict, got object; {ACCEPTED}",
        ),
        (
            {"age": {"eq": [1]}},
            "filters.age.eq",
            "'eq' takes a str, number, bool, None or datetime, got list; for several values use 'in'",
        ),
        ({"age": {"ne": {"a": 1}}}, "filters.age.ne", "'ne' takes a str, number, bool, None or datetime, got dict"),
        ({"age": {"gt": None}}, "filters.age.gt", "'gt' compares numbers, strings or datetimes, got NoneType"),
        ({"age": {"gte": True}}, "filters.age.gte", "'gte' compares numbers, strings or datetimes, got bool"),
        ({"age": {"lt": [1]}}, "filters.age.lt", "'lt' compares numbers, strings or datetimes, got list"),
        ({"age": {"lte": {}}}, "filters.age.lte", "'lte' compares numbers, strings or datetimes, got dict"),
        ({"age": {"in": 3}}, "filters.age.in", "'in' takes a list of values, got int"),
        ({"age": {"in": "abc"}}, "filters.age.in", "'in' takes a list of values, got str"),
        ({"age": {"nin": {"a": 1}}}, "filters.age.nin", "'nin' takes a list of values, got dict"),
        (
            {"age": {"in": [1, [2]]}},
            "filters.age.in[1]",
            "expected a str, number, bool, None or datetime, got list",
        ),
        (
            {"age": {"contains": None}},
            "filters.age.contains",
            "'contains' takes a str, number, bool or datetime, got NoneType",
        ),
        (
            {"age": {"contains": ["a"]}},
            "filters.age.contains",
            "'contains' takes a str, number, bool or datetime, got list",
        ),
        ({"age": {"icontains": 3}}, "filters.age.icontains", "'icontains' takes a str, got int"),
        ({"AND": {"x": 1}}, "filters.AND", "AND takes a list of filter dicts, got dict"),
        ({"OR": "x"}, "filters.OR", "OR takes a list of filter dicts, got str"),
        ({"OR": [{"x": 1}, "y"]}, "filters.OR[1]", "expected a filter dict, got str"),
        ({"NOT": "x"}, "filters.NOT", "NOT takes a filter dict (or a list of them, ANDed), got str"),
        ({"NOT": [{"x": 1}, 2]}, "filters.NOT[1]", "expected a filter dict, got int"),
        ({"NOT": {"age": {"between": 1}}}, "filters.NOT.age.between", f"unknown operator 'between'; {ACCEPTED}"),
        (
            {"AND": [{"OR": [{"NOT": [{"x": {"in": None}}]}]}]},
            "filters.AND[0].OR[0].NOT[0].x.in",
            "'in' takes a list of values, got NoneType",
        ),
        (
            {"created_at": "yesterday"},
            "filters.created_at",
            "'created_at' is a datetime field: expected an ISO-8601 str or datetime, got 'yesterday'",
        ),
        (
            {"created_at": {"gte": 1714564800}},
            "filters.created_at.gte",
            "'created_at' is a datetime field: expected an ISO-8601 str or datetime, got 1714564800",
        ),
        (
            {"valid_at": {"in": ["2024-01-01", "soon"]}},
            "filters.valid_at.in[1]",
            "'valid_at' is a datetime field: expected an ISO-8601 str or datetime, got 'soon'",
        ),
        (
            {"updated_at": {"gt": "*"}},
            "filters.updated_at.gt",
            "'updated_at' is a datetime field: expected an ISO-8601 str or datetime, got '*'",
        ),
    ],
)
def test_validation_errors(filters: Any, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        compile_filters(filters)
    assert info.value.field == field
    assert str(info.value) == f"{field}: {message}"


def test_validation_happens_before_any_record_is_read() -> None:
    # The first branch alone would match, but the bad second branch must still be rejected at compile time.
    with pytest.raises(ValidationError) as info:
        compile_filters({"OR": [{"user_id": "alice"}, {"priority": {"between": 1}}]})
    assert info.value.field == "filters.OR[1].priority.between"


def test_datetime_field_accepts_wildcard_and_none() -> None:
    assert m({"created_at": "*"}) is True
    assert m({"invalid_at": "*"}) is False
    assert m({"invalid_at": None}) is True
    assert m({"invalid_at": {"in": [None]}}) is True
