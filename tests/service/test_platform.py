"""mem0's platform scope shape: ids inside ``filters`` become the call's scope; everything else stays a filter."""

from __future__ import annotations

from graphmem.service.platform import lift_scope


def test_ids_at_the_top_and_in_the_top_and_are_lifted() -> None:
    assert lift_scope({}, {"user_id": "alice", "topic": "x"}) == ({"user_id": "alice"}, {"topic": "x"})
    ids, rest = lift_scope({}, {"AND": [{"user_id": "alice"}, {"agent_id": "bot"}, {"topic": "x"}]})
    assert ids == {"user_id": "alice", "agent_id": "bot"} and rest == {"AND": [{"topic": "x"}]}
    assert lift_scope({}, {"AND": [{"run_id": "r1"}]}) == ({"run_id": "r1"}, None)


def test_what_is_not_a_plain_id_equality_stays_a_filter() -> None:
    kept = {"OR": [{"user_id": "alice"}, {"user_id": "bob"}], "AND": [{"user_id": {"in": ["a", "b"]}}]}
    assert lift_scope({}, kept) == ({}, kept)
    # an id given as an argument wins; the filter's own id then still narrows (both must agree)
    assert lift_scope({"user_id": "alice"}, {"user_id": "bob"}) == ({"user_id": "alice"}, {"user_id": "bob"})
    ids, rest = lift_scope({}, {"AND": [{"user_id": "alice"}, {"user_id": "bob"}]})
    assert ids == {"user_id": "alice"} and rest == {"AND": [{"user_id": "bob"}]}
    assert lift_scope({"user_id": "a"}, None) == ({"user_id": "a"}, None)
