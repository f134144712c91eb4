"""The Cypher seam (issue 10, point 2): dialect folders fall back to their parent's, shared rules are fragments
defined once and expanded at load time, every read's rows have a typed contract, and the server picks the dialect."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_type_hints

import pytest

from graphmem.models import Scope
from graphmem.stores.cypher import results
from graphmem.stores.cypher.files import QueryFiles, package_root
from graphmem.stores.neo4j import NEO4J, NEO4J_CALENDAR

ROOT = Path(str(package_root()))
DIALECTS = [NEO4J, NEO4J_CALENDAR]
# Text that belongs to one shared rule: it may appear in that rule's fragment and nowhere else.
RULES = {
    "seek": "$seek_run",
    "in_scope": "$user_id IS NULL OR",
    "current": "invalid_at > $now",
    "current_at": "created_at <= $as_of",
    "exact_scope": "agent_id = $agent_id AND",
    "relation_map": "source_id:",
    "vector_index_nodes": "db.index.vector.queryNodes",
    "vector_index_relationships": "db.index.vector.queryRelationships",
    "vector_pool": "$exact_ratio * $k * total",
}


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_every_query_of_every_dialect_expands_with_no_placeholder_left(dialect: object) -> None:
    files = NEO4J.files if dialect is NEO4J else NEO4J_CALENDAR.files
    names = files.names()
    assert len(names) >= 40 and "memory_vector" in names and "plan_write" in names
    for name in names:
        text = files.query(name)
        assert "{{" not in text and "}}" not in text, name
        assert not re.search(r"\{\{|\}\}", text), name


def test_the_calendar_line_filters_vector_search_by_scope_inside_the_index() -> None:
    """Issue 13: on the calendar line the vector index hands over only the scope's rows (SEARCH over the index's
    additional properties), so its pool is about 2k, not 2k times the store's size over the scope's."""
    schema = dict(NEO4J_CALENDAR.files.schema())
    assert {name: text for name, text in NEO4J.files.schema() if name not in schema} == {}
    for n, kind in (("14", "memory"), ("15", "entity"), ("16", "relation")):
        [created] = [text for name, text in schema.items() if name.startswith(n)]
        assert f"VECTOR INDEX {kind}_embedding_by_scope" in created
        assert "WITH [m.tenant, m.user_id, m.agent_id, m.run_id]" in created
        assert any(text.strip().endswith(f"DROP INDEX {kind}_embedding IF EXISTS") for text in schema.values())
    for name in ("memory_vector", "memory_vector_many", "entity_vector", "entity_vector_many", "relation_vector"):
        text = NEO4J_CALENDAR.files.query(name)
        assert "db.index.vector" not in text and "$exact_ratio * $k * total" in text, name
        assert text.count("_embedding_by_scope FOR ") == 4 and text.count("LIMIT $pool") == 4, name
        assert "$exact_limit" in text and "WHEN $pool >= total THEN total ELSE $pool END" in text, name
        assert "WHERE x.tenant = $tenant AND x.user_id = $seek_user LIMIT $pool" in text, name
        assert _code(text).lstrip().startswith("CYPHER 25"), name
        assert "queryNodes" in NEO4J.files.query(name) or "queryRelationships" in NEO4J.files.query(name)


def test_each_shared_rule_is_written_once_in_its_fragment_and_nowhere_else() -> None:
    queries = {p.name: _code(p.read_text()) for p in (ROOT / "neo4j").glob("*.cypher")}
    fragments = {p.stem: _code(p.read_text()) for p in (ROOT / "neo4j" / "fragments").glob("*.cypher")}
    for fragment, marker in RULES.items():
        assert marker in fragments[fragment], fragment
        holders = [f for f, text in fragments.items() if marker in text]
        assert holders == [fragment], (marker, holders)
        assert not [q for q, text in queries.items() if marker in text], marker
    # ... and every rule is really used: the expanded queries carry it where the files name it.
    assert NEO4J.query("relations_list").count("$seek_run") == 1
    assert NEO4J.query("memory_vector").count("$seek_run") == 2
    assert "created_at <= $as_of" in NEO4J.query("edges") and "created_at <= $as_of" in NEO4J.query("relation_vector")
    assert "queryRelationships('relation_embedding'" in NEO4J.query("relation_vector")
    assert not _code(NEO4J.query("memory_vector")).lstrip().startswith("CYPHER")  # 5.26 has one language
    assert "queryNodes('memory_embedding', candidates, q.vector)" in NEO4J.query("memory_vector_many")


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_dialect_with_an_empty_folder_reads_its_parents_files(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "base/one.cypher": "MATCH (n:{{label n}}) WHERE {{alive n}} RETURN n",
        "base/two.cypher": "RETURN 2",
        "base/fragments/label.cypher": "// 1 = a variable, unused but for its name\nThing_{{1}}",
        "base/fragments/alive.cypher": "{{1}}.dead IS NULL",
        "base/schema/01_a.cypher": "CREATE INDEX a",
        "base/schema/02_b.cypher": "CREATE INDEX b",
    })  # fmt: skip
    (root / "empty").mkdir()
    parent = QueryFiles(("base",), root)
    child = QueryFiles(("empty", "base"), root)
    assert child.names() == parent.names() == ["one", "two"]
    assert child.query("one") == parent.query("one") == "MATCH (n:Thing_n) WHERE n.dead IS NULL RETURN n"
    assert child.schema() == parent.schema() == [("01_a", "CREATE INDEX a"), ("02_b", "CREATE INDEX b")]
    assert QueryFiles(("missing", "base"), root).query("two") == "RETURN 2"  # no folder at all: the same


def test_a_dialect_folder_overrides_only_what_it_holds(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "base/one.cypher": "MATCH (n) WHERE {{alive n}} RETURN n",
        "base/two.cypher": "RETURN 2",
        "base/fragments/alive.cypher": "{{1}}.dead IS NULL",
        "base/schema/01_a.cypher": "CREATE INDEX a",
        "other/two.cypher": "RETURN 22",
        "other/fragments/alive.cypher": "NOT {{1}}:Dead",
        "other/schema/01_a.cypher": "CREATE INDEX a2",
        "other/schema/03_c.cypher": "CREATE INDEX c",
    })  # fmt: skip
    files = QueryFiles(("other", "base"), root)
    assert files.query("one") == "MATCH (n) WHERE NOT n:Dead RETURN n"  # the parent's query, the dialect's rule
    assert files.query("two") == "RETURN 22"
    assert files.schema() == [("01_a", "CREATE INDEX a2"), ("03_c", "CREATE INDEX c")]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("RETURN {{nope x}}", "unknown fragment"),
        ("RETURN {{alive}}", "takes 1 arguments, got 0"),
        ("RETURN {{alive a b}}", "takes 1 arguments, got 2"),
        ("RETURN {{loop x}}", "too deep"),
        ("RETURN {{Alive x}}", "left unexpanded"),
    ],
)
def test_a_bad_placeholder_fails_at_load_time_naming_the_query(tmp_path: Path, query: str, error: str) -> None:
    root = _tree(tmp_path, {
        "base/broken.cypher": query,
        "base/fragments/alive.cypher": "{{1}}.dead IS NULL",
        "base/fragments/loop.cypher": "{{loop {{1}}}}",
    })  # fmt: skip
    with pytest.raises(ValueError, match=error) as info:
        QueryFiles(("base",), root).query("broken")
    assert str(info.value).startswith("broken")


def test_query_names_are_fixed_words() -> None:
    for bad in ("../x", "a b", "Memory", ""):
        with pytest.raises(ValueError):
            NEO4J.query(bad)
    with pytest.raises(ValueError):
        QueryFiles(("neo4j/../x",))


@pytest.mark.parametrize(("fragment", "row"), [("relation_map", results.RelationRow),
                                               ("entity_map", results.EntityRow),
                                               ("memory_map", results.MemoryRow)])  # fmt: skip
def test_the_record_fragments_return_exactly_the_typed_row(fragment: str, row: type) -> None:
    text = NEO4J.files.fragment(fragment)
    projection = _code(text)[_code(text).index("{", 2) + 1 : _code(text).rindex("}")]
    keys = [k.strip().lstrip(".").split(":")[0].strip() for k in projection.split(",")]
    assert sorted(keys) == sorted(get_type_hints(row))


def test_every_typed_read_names_a_query_file() -> None:
    reads = [v for v in vars(results).values() if isinstance(v, results.Read)]
    reads += [
        r for v in vars(results).values() if isinstance(v, dict) for r in v.values() if isinstance(r, results.Read)
    ]
    names = {r.name for r in reads}
    assert len(names) >= 28
    assert names <= set(NEO4J.files.names())


@pytest.mark.parametrize(("agent", "dialect"), [
    ("Neo4j/5.26.30", NEO4J), ("Neo4j/5.20.0", NEO4J), ("Neo4j/2025.01.0", NEO4J_CALENDAR),
    ("Neo4j/2026.08.1", NEO4J_CALENDAR), ("Neo4j/dev", NEO4J),
])  # fmt: skip
def test_the_server_version_picks_the_dialect(agent: str, dialect: object) -> None:
    assert NEO4J.for_server(agent) is dialect
    assert NEO4J_CALENDAR.for_server(agent) is dialect


def test_the_full_text_query_carries_the_scope_as_escaped_zero_boost_phrases() -> None:
    query = NEO4J.fulltext_query("entity", ["alice", "o'brien"], Scope(user_id='a"b\\c', run_id="r1"))
    assert query == ('(name:("alice" OR "o\'brien") OR aliases_text:("alice" OR "o\'brien")) AND '
                     'user_id:"a\\"b\\\\c"^0 AND run_id:"r1"^0')  # fmt: skip
