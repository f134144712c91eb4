"""mem0 2.x's scope shape: plain id equalities inside ``filters`` become the call's scope; the rest stays a filter."""

from __future__ import annotations

import pytest

from graphmem import ValidationError
from graphmem.filters import lift_scope

NONE = {"user_id": None, "agent_id": None, "run_id": None}


def test_ids_at_the_top_and_in_the_top_and_are_lifted() -> None:
    assert lift_scope(NONE, {"user_id": "alice", "topic": "x"}) == ({"user_id": "alice"}, {"topic": "x"})
    ids, rest = lift_scope(NONE, {"AND": [{"user_id": "alice"}, {"agent_id": {"eq": "bot"}}, {"topic": "x"}]})
    assert ids == {"user_id": "alice", "agent_id": "bot"} and rest == {"AND": [{"topic": "x"}]}
    assert lift_scope(NONE, {"AND": [{"run_id": "r1"}]}) == ({"run_id": "r1"}, None)
    assert lift_scope({**NONE, "user_id": "a"}, None) == ({"user_id": "a"}, None)


def test_what_is_not_a_plain_id_equality_stays_a_filter() -> None:
    kept = {
        "OR": [{"user_id": "alice"}, {"user_id": "bob"}],
        "AND": [{"user_id": {"in": ["a", "b"]}}, {"user_id": {"eq": "a", "ne": "b"}}, {"NOT": {"run_id": "r"}}],
    }
    assert lift_scope(NONE, kept) == ({}, kept)
    assert lift_scope(NONE, {"user_id": 7}) == ({}, {"user_id": 7})  # not an id: compile_filters judges it


def test_the_same_id_given_twice_is_lifted_once_and_different_ones_are_refused() -> None:
    assert lift_scope({**NONE, "user_id": "alice"}, {"user_id": "alice", "AND": [{"user_id": "alice"}]}) == (
        {"user_id": "alice"},
        None,
    )
    with pytest.raises(ValidationError, match=r"filters\.user_id: user_id is 'alice' in one place and 'bob'"):
        lift_scope({**NONE, "user_id": "alice"}, {"user_id": "bob"})
    with pytest.raises(ValidationError, match=r"filters.AND\[1\]"):
        lift_scope(NONE, {"AND": [{"run_id": "r1"}, {"run_id": "r2"}]})


def test_the_caller_s_filter_is_not_changed() -> None:
    filters = {"user_id": "alice", "AND": [{"agent_id": "bot"}, {"topic": "x"}]}
    lift_scope(NONE, filters)
    assert filters == {"user_id": "alice", "AND": [{"agent_id": "bot"}, {"topic": "x"}]}
