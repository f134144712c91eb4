from __future__ import annotations

import pytest

from graphmem.errors import ValidationError
from graphmem.ingest.normalize import normalize_messages, normalize_metadata
from graphmem.ingest.triples import triples_extraction
from graphmem.models import normalize_entity_type, normalize_name, normalize_relation_type


def test_string_dict_and_parts_become_messages() -> None:
    [m] = normalize_messages("hello there")
    assert (m.role, m.content) == ("user", "hello there")
    [m] = normalize_messages(
        {"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "name": "bot"}
    )
    assert (m.role, m.content, m.name) == ("assistant", "a\nb", "bot")
    [m] = normalize_messages([{"role": "user", "content": [{"type": "image_url", "image_url": "http://x/y.png"}]}])
    assert m.images == ["http://x/y.png"] and m.content == ""


def test_messages_without_any_content_are_refused() -> None:
    with pytest.raises(ValidationError, match="no text or image"):
        normalize_messages([{"role": "user", "content": "   "}])
    with pytest.raises(ValidationError) as info:
        normalize_messages([{"role": 5, "content": "x"}])
    assert info.value.field == "messages[0].role"


def test_roles_outside_the_chat_roles_are_refused() -> None:
    for role in ("user", "assistant", "system", "tool"):
        assert normalize_messages({"role": role, "content": "x"})[0].role == role
    with pytest.raises(ValidationError) as info:
        normalize_messages({"role": "bot", "content": "hi"})
    assert info.value.field == "messages[0].role"


def test_metadata_is_copied_as_json() -> None:
    given = {"tags": ("a", "b"), "deep": {"n": [1, 2.5, None, True]}}
    copied = normalize_metadata(given)
    assert copied == {"tags": ["a", "b"], "deep": {"n": [1, 2.5, None, True]}}
    given["deep"]["n"].append("later")  # type: ignore[index]
    assert copied["deep"]["n"] == [1, 2.5, None, True]  # the caller's later edits do not reach the episode
    assert normalize_metadata(None) == {}
    with pytest.raises(ValidationError) as info:
        normalize_metadata({"deep": {"n": [1, float("-inf")]}})
    assert info.value.field == "metadata.deep.n[1]"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("works at", "WORKS_AT"), ("worksAt", "WORKS_AT"), ("WORKS-AT", "WORKS_AT"), ("ceo of", "CEO_OF")],
)
def test_relation_types_are_normalized(raw: str, expected: str) -> None:
    assert normalize_relation_type(raw) == expected


@pytest.mark.parametrize("raw", ["", "!!", "123abc", "x" * 70, "DROP TABLE`; MATCH (n) DETACH DELETE n //"[:80]])
def test_unsafe_relation_types_are_refused(raw: str) -> None:
    try:
        result = normalize_relation_type(raw)
    except ValidationError as exc:
        assert exc.field == "relation.type"
    else:  # whatever survives normalization must be a plain safe identifier
        assert result.replace("_", "").isalnum() and result[0].isalpha() and len(result) <= 64


def test_entity_types_and_names() -> None:
    assert normalize_entity_type("software company") == "Software_company"
    assert normalize_entity_type(None) == "Entity"
    assert normalize_name("  The  Big Apple. ") == "the big apple"


def test_triples_accept_tuples_and_dicts_and_name_bad_items() -> None:
    ex = triples_extraction([("A", "knows", "B"), {"source": "B", "type": "OWNS", "target": "C", "fact": "B owns C"}])
    assert [(r.source, r.type, r.target, r.fact) for r in ex.relations] == [
        ("A", "KNOWS", "B", "A knows B"),
        ("B", "OWNS", "C", "B owns C"),
    ]
    assert sorted(e.name for e in ex.entities) == ["A", "B", "C"]
    with pytest.raises(ValidationError) as info:
        triples_extraction([("A", "KNOWS", "B"), {"source": "x", "relationship": "R"}])
    assert info.value.field == "triples[1].destination"
    with pytest.raises(ValidationError) as info:
        triples_extraction([])
    assert info.value.field == "triples"
