"""The CLI's store opening, add-triples, error messages and start-up imports (issue 9, points 6 and 7)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphmem import MemoryConfig, StoreError
from graphmem.cli import main
from graphmem.stores.embedded import EmbeddedStore


def invoke(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRAPHMEM_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


# -- a read never creates a store ---------------------------------------------------------------------------------
READS = [
    ("search", "tea", "--user", "alex"),
    ("list", "--user", "alex"),
    ("get", "some-id"),
    ("history", "some-id"),
    ("paths", "Alice", "Bob", "--user", "alex"),
    ("export", "--user", "alex"),
    ("delete", "some-id"),
    ("delete", "--all", "--user", "alex"),
    ("retry",),
]


@pytest.mark.parametrize("command", READS, ids=lambda c: " ".join(c[:2]))
def test_reading_a_missing_store_fails_and_creates_nothing(command: tuple[str, ...], tmp_path: Path) -> None:
    store = tmp_path / "typo" / "dir" / "x.db"
    out = invoke(*command, "--store", str(store), ok=False)
    assert f"the store {store} does not exist" in out
    assert not (tmp_path / "typo").exists()


def test_the_default_store_is_not_created_by_a_read(home: Path) -> None:
    assert f"the store {home / 'graphmem.db'} does not exist" in invoke("search", "tea", "--user", "alex", ok=False)
    assert not home.exists()


def test_writes_still_create_the_store_and_reads_then_open_it(tmp_path: Path) -> None:
    store = tmp_path / "new" / "dir" / "x.db"
    invoke("add", "I love green tea.", "--user", "alex", "--store", str(store))
    assert store.is_file()
    assert "green tea" in invoke("list", "--user", "alex", "--store", str(store))


def test_the_library_opens_without_creating_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "x.db"
    with pytest.raises(StoreError, match="does not exist"):
        EmbeddedStore(path, 4, create=False)
    cfg = MemoryConfig.parse({"graph_store": {"config": {"path": str(path), "create": False}}})
    assert cfg.graph_store.config.create is False  # type: ignore[union-attr]
    assert not (tmp_path / "missing").exists()
    EmbeddedStore(path, 4).close()  # the default still creates it
    EmbeddedStore(path, 4, create=False).close()  # and then opens it


# -- add-triples --------------------------------------------------------------------------------------------------
TRIPLES = """source,relationship,target
Alice, works at, Acme
"Acme, Inc.",LOCATED_IN,Berlin
only,two

# a comment
["Alice", "works with", "Bob"]
{"source": "Bob", "relationship": "lives in", "destination": "Paris"}
{"source": "Bob", "target": "Rome"}
Bob,!!!,Carol
{not json
Alice,MANAGES,"Acme, Inc."
"""


def test_add_triples_loads_csv_and_json_lines_and_reports_bad_lines(tmp_path: Path) -> None:
    data = tmp_path / "triples.csv"
    data.write_text(TRIPLES, encoding="utf-8")
    store = str(tmp_path / "t.db")
    out = invoke("add-triples", str(data), "--user", "u", "--store", store, "--batch-size", "2")
    assert "loaded 5 triples" in out and "4 bad lines" in out
    assert "line 4: expected 3 comma-separated fields" in out
    assert "line 9: relationship: expected a non-empty string" in out
    assert "line 10: relationship: '!!!' is not a valid relation type" in out
    assert "line 11: not valid JSON" in out
    found = json.loads(invoke("paths", "Alice", "Berlin", "--user", "u", "--store", store, "--json"))
    assert [(h["source"], h["relationship"], h["destination"]) for h in found[0]["hops"]] == [
        ("Alice", "MANAGES", "Acme, Inc."),
        ("Acme, Inc.", "LOCATED_IN", "Berlin"),
    ]
    exported = invoke("export", "--user", "u", "--store", store).splitlines()
    assert len(exported) == 3  # batches of two: five good triples, three add_triples calls
    again = json.loads(invoke("add-triples", str(data), "--user", "u", "--store", store, "--json"))
    assert (again["triples"], again["relations"], again["episodes"], again["failed"]) == (5, 0, 1, 4)
    assert [e["line"] for e in again["errors"]] == [4, 9, 10, 11]


def test_add_triples_needs_a_scope_and_an_existing_file(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a,knows,b\n", encoding="utf-8")
    assert "--user, --agent or --run" in invoke("add-triples", str(data), ok=False)
    assert "does not exist" in invoke("add-triples", str(tmp_path / "nope.csv"), "--user", "u", ok=False)


# -- error messages and summaries ---------------------------------------------------------------------------------
def test_history_of_an_unknown_id_is_not_found(tmp_path: Path) -> None:
    store = str(tmp_path / "h.db")
    invoke("add", "I love green tea.", "--user", "alex", "--store", store)
    assert "memory 'nope' not found" in invoke("history", "nope", "--store", store, ok=False)
    assert "memory 'nope' not found" in invoke("history", "nope", "--store", store, "--json", ok=False)


@pytest.mark.parametrize("command", [("search", "tea"), ("list",), ("add", "hello"), ("delete", "--all")])
def test_a_missing_scope_names_the_flags(command: tuple[str, ...], tmp_path: Path) -> None:
    out = invoke(*command, "--store", str(tmp_path / "s.db"), ok=False)
    assert "--user, --agent or --run" in out and "user_id" not in out


def test_import_prints_each_bad_line_without_json(tmp_path: Path) -> None:
    dump = tmp_path / "in.jsonl"
    good = {"messages": [{"role": "user", "content": "I love green tea."}]}
    dump.write_text(json.dumps(good) + "\nnot json\n" + json.dumps({"bogus": 1}) + "\n", encoding="utf-8")
    out = invoke("import", str(dump), "--user", "alex", "--store", str(tmp_path / "i.db"))
    assert "imported 1 episodes" in out
    assert "line 2: record: not valid JSON" in out
    assert "line 3: bogus: unknown key in import record" in out


def test_store_help_names_the_real_default(home: Path) -> None:
    def unwrapped(text: str) -> str:  # click wraps a long path anywhere, so compare without whitespace
        return "".join(text.split())

    assert unwrapped(f"default: {home / 'graphmem.db'}") in unwrapped(invoke("search", "--help"))
    assert unwrapped(f"default: {home / 'demo.db'}") in unwrapped(invoke("demo", "--help"))


# -- start-up imports ---------------------------------------------------------------------------------------------
HEAVY = ("neo4j", "networkx", "numpy", "pydantic", "graphmem.ingest.rules", "graphmem.ingest.rules_patterns")


def _loaded_after(code: str) -> set[str]:
    """The heavy modules a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_cli_help_imports_no_driver_graph_library_rules_or_numpy() -> None:
    for argv in (["--help"], ["search", "--help"], ["add-triples", "--help"]):
        code = f"from graphmem.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
        assert _loaded_after(code) == set(), argv


def test_import_graphmem_is_light_and_memory_loads_only_what_it_uses() -> None:
    assert _loaded_after("import graphmem") == set()
    assert _loaded_after("from graphmem import Memory, MemoryConfig") == {"numpy", "pydantic"}
