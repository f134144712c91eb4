"""The CLI end to end, through click's runner (the same entry point as the `graphmem` script)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphmem.cli import main


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRAPHMEM_HOME", str(tmp_path / "home"))
    store = str(tmp_path / "cli.db")
    runner = CliRunner()

    def invoke(*args: str, store_path: str | None = store, ok: bool = True) -> str:
        argv = list(args) + (["--store", store_path] if store_path else [])
        result = runner.invoke(main, argv, catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    return invoke


def test_demo_prints_memories_scores_and_relations(run) -> None:  # type: ignore[no-untyped-def]
    out = run("demo", store_path=None)
    assert "Alice -MET-> Bob" in out
    assert "Alice -ATTENDED-> GraphConf 2025" in out
    assert "GraphConf 2025 -LOCATED_IN-> San Francisco" in out
    assert 'search (user alex): "What do you know about me?"' in out
    assert "basketball" in out.split("What do you know about me?")[1]
    first_hit = out.split("Who did Alice meet at GraphConf?")[1].splitlines()[1]
    assert "Bob" in first_hit and "graph" in first_hit
    again = run("demo", "--json", store_path=None)  # re-running starts from a clean demo scope
    report = json.loads(again)
    assert [a["results"][0]["event"] for a in report["adds"]] == ["ADD", "ADD"]
    assert report["store"].endswith("home/demo.db")


def test_demo_is_stable_and_ranks_the_direct_answer_first(run) -> None:  # type: ignore[no-untyped-def]
    def searches() -> dict[str, tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
        report = json.loads(run("demo", "--json", store_path=None))  # each run: new random ids
        return {
            s["query"]: (
                [(r["memory"], r["score"], r["lanes"]) for r in s["results"]],
                [(f"{r['source']} -{r['relationship']}-> {r['destination']}", r["score"], r["hops"])
                 for r in s["relations"]],
            )
            for s in report["searches"]
        }  # fmt: skip

    first = searches()
    assert searches() == first  # scores and order do not change between runs
    me_results, me_relations = first["What do you know about me?"]
    about_alex = ["Alex" in text for text, _, _ in me_results]
    assert about_alex[:3] == [True, True, True] and about_alex == sorted(about_alex, reverse=True)  # the user's first
    direct = first["Who did Alice meet at GraphConf?"][1][0]
    assert direct[0] == "Alice -MET-> Bob"
    assert {r[0] for r in me_relations[:2]} == {"Alex -LOVES-> basketball", "Alex -LOVES-> gaming"}
    assert all(r[1] == direct[1] for r in me_relations[:2])  # as direct an answer as "Bob" to "Who did Alice meet"
    where = [r[0] for r in first["Where was GraphConf?"][1]]
    assert where[0] == "GraphConf 2025 -LOCATED_IN-> San Francisco" and "Alice -MET-> Bob" in where[1:]


def test_add_search_list_get_history_delete(run) -> None:  # type: ignore[no-untyped-def]
    added = json.loads(
        run("add", "Jane Doe works at Globex.", "--user", "u", "--metadata", '{"src": "mail"}', "--json")
    )
    mid = added["results"][0]["id"]
    assert ("Jane Doe", "WORKS_AT", "Globex") in {
        (r["source"], r["relationship"], r["destination"]) for r in added["relations"]["added"]
    }
    found = json.loads(run("search", "Where does Jane work?", "--user", "u", "--json"))
    assert found["results"][0]["id"] == mid and found["relations"][0]["relationship"] == "WORKS_AT"
    human = run("search", "Where does Jane work?", "--user", "u")
    assert "Jane Doe -WORKS_AT-> Globex" in human
    listed = json.loads(run("list", "--user", "u", "--filters", '{"src": "mail"}', "--json"))
    assert [r["id"] for r in listed["results"]] == [mid]
    assert json.loads(run("get", mid, "--json"))["metadata"] == {"src": "mail"}
    run("delete", mid)
    history = json.loads(run("history", mid, "--json"))
    assert [e["event"] for e in history] == ["ADD", "DELETE"]
    assert "not found" in run("get", mid, ok=False)


def test_errors_are_one_clear_line(run) -> None:  # type: ignore[no-untyped-def]
    assert "give a scope: at least one of --user, --agent or --run" in run("search", "x", ok=False)
    run("add", "a first memory, so that the store exists", "--user", "u", "--no-infer")
    assert "filters.age.between" in run("search", "x", "--user", "u", "--filters", '{"age": {"between": 1}}', ok=False)
    assert "not valid JSON" in run("list", "--user", "u", "--filters", "{", ok=False)


def test_paths_export_and_import(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", "Alice met Bob at GraphConf 2025 in San Francisco.", "--user", "u")
    out = run("paths", "Bob", "San Francisco", "--user", "u")
    assert "Bob -ATTENDED-> GraphConf 2025" in out and "from episode" in out
    dump = tmp_path / "dump.jsonl"
    run("export", "--user", "u", "-o", str(dump))
    lines = dump.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["user_id"] == "u"
    dump.write_text(dump.read_text() + "not json\n")
    other = str(tmp_path / "other.db")
    summary = json.loads(run("import", str(dump), "--json", store_path=other))
    assert summary["episodes"] == 1 and summary["failed"] == 1 and summary["errors"][0]["line"] == 2
    assert "Alice -MET-> Bob" in run("search", "Alice", "--user", "u", store_path=other)


def test_export_import_export_through_the_cli_is_identical(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    triples = tmp_path / "t.jsonl"
    rows = [["Acme | Widgets", "makes", "two\nlines"], {"source": 'say "hi"', "relationship": "KNOWS",
            "destination": "東京 👩‍💻", "fact": "a | b", "valid_at": "2020-01-02T03:04:05+00:00"}]  # fmt: skip
    triples.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    run("add", "Alice met Bob at GraphConf 2025.", "--user", "u")
    run("add-triples", str(triples), "--user", "u")
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    run("export", "--user", "u", "-o", str(first))
    other = str(tmp_path / "other.db")
    summary = json.loads(run("import", str(first), "--json", store_path=other))
    assert (summary["episodes"], summary["failed"]) == (2, 0)
    run("export", "--user", "u", "-o", str(second), store_path=other)
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    exported = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert [t["source"] for t in exported[1]["triples"]] == ["Acme | Widgets", 'say "hi"']
    assert exported[1]["triples"][0]["destination"] == "two\nlines"


def test_search_rerank_uses_the_configured_reranker(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for text in ("I love hiking in the Alps", "I really love hiking in the Alps", "My dog hates hiking"):
        run("add", text, "--user", "u", "--no-infer")
    assert "rerank: no reranker is configured" in run("search", "hiking", "--user", "u", "--rerank", ok=False)
    config = tmp_path / "mmr.yaml"
    config.write_text("reranker:\n  provider: mmr\n  config:\n    lambda_mult: 0.3\n")
    found = json.loads(run("search", "hiking Alps", "--user", "u", "--rerank", "--config", str(config), "--json"))
    assert found["rerank"]["reranker"] == "mmr"
    assert [r["memory"] for r in found["results"]][:2] == ["I love hiking in the Alps", "My dog hates hiking"]
    human = run("search", "hiking Alps", "--user", "u", "--rerank", "--config", str(config))
    assert "rerank " in human.splitlines()[0]


def test_context_prints_the_prompt_block(run) -> None:  # type: ignore[no-untyped-def]
    run("add", "Jane Doe works at Globex.", "--user", "u")
    block = run("context", "Where does Jane work?", "--user", "u")
    assert block.splitlines()[0] == "Memories (best first):" and "- Jane Doe -WORKS_AT-> Globex [1]" in block
    small = json.loads(run("context", "Where does Jane work?", "--user", "u", "--max-tokens", "12", "--json"))
    assert small["tokens"] <= 12 and small["left_out"]["relations"] == 1
    assert run("context", "Where?", "--user", "nobody").strip() == "(no memories found)"
    assert "--max-tokens" in run("context", "x", "--user", "u", "--max-tokens", "0", ok=False)
