"""benchmarks/speed.py, briefly: a tiny synthetic size with every phase, and ``--kg`` on a few triples written here.
The figures are not checked (they depend on the machine); that it runs and prints its tables, the per-phase table
included, is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.graphmem_server import quiet_env

SPEED = Path(__file__).resolve().parents[2] / "benchmarks" / "speed.py"
PHASE_HEADER = ["run", "phase", "p50", "p95", "p99", "share", "of", "mean"]


def run(args: list[str]) -> list[str]:
    done = subprocess.run([sys.executable, str(SPEED), *args], capture_output=True, text=True, env=quiet_env(),
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.split("================ summary ================")[1].splitlines()


def rows_after(lines: list[str], title: str) -> list[list[str]]:
    """The rows of the table under the line that starts with ``title`` (header and rule skipped; every row of these
    runs starts with the backend)."""
    start = next(i for i, line in enumerate(lines) if line.startswith(title)) + 3
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("embedded ")), len(lines))
    return [line.split() for line in lines[start:end]]


def phases_of(lines: list[str]) -> set[str]:
    header = lines[next(i for i, line in enumerate(lines) if line.startswith("search phases")) + 1]
    assert header.split() == PHASE_HEADER
    return {row[2] for row in rows_after(lines, "search phases")}


def test_speed_benchmark_synthetic_runs_every_phase(tmp_path: Path) -> None:
    figures = tmp_path / "speed.json"
    lines = run(["--sizes", "400", "--users", "10", "--queries", "8", "--adds", "3", "--raw-adds", "3",
                 "--filtered-queries", "3", "--threads", "2", "--thread-queries", "4", "--cold-warm", "2",
                 "--vectors", "random", "--workdir", str(tmp_path), "--json", str(figures)])  # fmt: skip
    assert [row[:2] for row in rows_after(lines, "search latency")] == [["embedded", "400"]]
    assert {"query", "vector", "bm25", "link", "evidence", "fusion"} <= phases_of(lines)
    (other,) = rows_after(lines, "other targets")
    assert other[:2] == ["embedded", "400"] and "-" not in other

    (result,) = json.loads(figures.read_text())["results"]
    f = result["figures"]
    assert f["raw_adds"]["adds"] == 3 and f["threads"]["threads"] == 2
    assert f["filtered"]["results_failing_filter"] == 0 and f["cold"]["ratio"] > 0
    assert set(f["search"]["phases"]) <= set(f["filtered"]["filtered_phases"]) | {"link", "walk", "mentions"}


def test_speed_benchmark_kg_mode_loads_triples_and_times_questions(tmp_path: Path) -> None:
    kb = tmp_path / "kb.txt"
    films = [f"Film {i}" for i in range(12)]
    lines_kb = [f"{film}|directed_by|Director {i % 3}" for i, film in enumerate(films)]
    lines_kb += [f"{film}|has_genre|Drama" for film in films]  # a hub
    lines_kb += [f"{film}|release_year|19{70 + i % 4}" for i, film in enumerate(films)]
    kb.write_text("\n".join(lines_kb) + "\n")
    questions = []
    for hop in (1, 2, 3):
        path = tmp_path / f"q{hop}.jsonl"
        rows = [{"id": f"{hop}-{i}", "question": f"what films did [Director {i % 3}] direct in hop {hop}",
                 "topic_entity": f"Director {i % 3}", "answers": [films[i]], "qtype": f"type{i % 2}",
                 "kb_consistent": True} for i in range(4)]  # fmt: skip
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        questions.append(str(path))
    args = ["--kg", str(kb), "--kg-questions", ",".join(questions), "--queries", "6", "--workdir", str(tmp_path)]
    figures = tmp_path / "kg.json"
    lines = run([*args, "--json", str(figures)])
    (load,) = rows_after(lines, "knowledge graph: add_triples")
    assert load[:2] == ["embedded", "36"] and load[2] != "reused"
    (search,) = rows_after(lines, "knowledge graph: search latency")
    assert search[:2] == ["embedded", "6"]
    assert {row[1] for row in rows_after(lines, "knowledge graph: search p95 by hop")} == {"1-hop", "2-hop", "3-hop"}
    assert {"query", "link", "walk", "relations"} <= phases_of(lines)
    (result,) = json.loads(figures.read_text())["results"]
    assert result["figures"]["search"]["mean_relations"] > 0  # the walk reached the graph

    (again,) = rows_after(run([*args, "--reuse"]), "knowledge graph: add_triples")
    assert again[2] == "reused"
