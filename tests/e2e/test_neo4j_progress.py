"""Starting the tests' Neo4j says so on screen as it happens (the first start builds it for minutes), even while
pytest captures the tests' output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tests.neo4j_server as neo4j_server_module
from tests.neo4j_server import TEST_PORT, Neo4jServer, find_neo4j

ROOT = Path(__file__).resolve().parents[2]

# A stand-in for scripts/neo4j-local. Its start waits until the test has seen the first progress line, so it only
# succeeds when progress is passed on while the launcher still runs, not collected and shown at its end.
FAKE_LAUNCHER = """#!/usr/bin/env bash
case $1 in
    status) echo "stopped"; exit 1 ;;
    start)
        echo "neo4j-local: building the launcher for Neo4j 5.26.30 (first time only)" >&2
        for _ in $(seq "${FAKE_TRIES:-200}"); do [[ -f $FAKE_SEEN ]] && break; sleep 0.05; done
        [[ -f $FAKE_SEEN ]] || { echo "neo4j-local: error: the progress line was not passed on" >&2; exit 1; }
        echo "neo4j-local: ready in 1s" >&2
        echo "bolt://127.0.0.1:$GRAPHMEM_NEO4J_PORT" ;;
    stop) echo "stop $GRAPHMEM_NEO4J_PORT" >>"$FAKE_STOPS" ;;
esac
"""


@pytest.fixture
def fake_launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    launcher = tmp_path / "neo4j-local"
    launcher.write_text(FAKE_LAUNCHER)
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\nexit 0\n")
    for script in (launcher, java):
        script.chmod(0o755)
    monkeypatch.setattr(neo4j_server_module, "LAUNCHER", launcher)
    monkeypatch.setenv("PATH", f"{java.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SEEN", str(tmp_path / "seen"))
    monkeypatch.setenv("FAKE_STOPS", str(tmp_path / "stops"))
    monkeypatch.delenv("GRAPHMEM_NEO4J_URI", raising=False)
    return tmp_path


def test_the_launchers_progress_is_reported_line_by_line_while_it_runs(fake_launcher: Path) -> None:
    said: list[str] = []

    def report(line: str) -> None:
        said.append(line)
        if "building the launcher" in line:
            (fake_launcher / "seen").touch()

    found = find_neo4j(report=report)

    assert isinstance(found, Neo4jServer), found
    assert found.uri == f"bolt://127.0.0.1:{TEST_PORT}" and found.how == "scripts/neo4j-local"
    assert said[0].startswith(f"starting the local Neo4j for the tests on port {TEST_PORT}")
    assert said[1:] == ["neo4j-local: building the launcher for Neo4j 5.26.30 (first time only)",
                        "neo4j-local: ready in 1s"]  # fmt: skip
    found.stop()  # it started the server, so it stops it
    assert (fake_launcher / "stops").read_text() == f"stop {TEST_PORT}\n"


def test_a_failed_start_gives_the_launchers_own_words_as_the_reason(
    fake_launcher: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TRIES", "1")
    said: list[str] = []
    found = neo4j_server_module._local_launcher(said.append)  # nobody marks the progress as seen: the start fails

    assert isinstance(found, str)
    assert found.startswith("scripts/neo4j-local start failed: ")
    assert "the progress line was not passed on" in found
    assert said[-1] == "neo4j-local: error: the progress line was not passed on"


def test_the_fixture_writes_to_the_terminal_while_pytest_captures_output(
    neo4j_server: Neo4jServer, tmp_path: Path
) -> None:
    if neo4j_server.how != "scripts/neo4j-local":
        pytest.skip(f"the tests' Neo4j comes from {neo4j_server.how} here, not from scripts/neo4j-local")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.conftest"]\n')
    (tmp_path / "test_tiny.py").write_text(
        "def test_uses_neo4j(neo4j_server):\n"
        "    print('captured by pytest')\n"
        "    assert neo4j_server.uri.startswith('bolt://')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GRAPHMEM_NEO4J_URI"}
    env.update(PYTHONPATH=str(ROOT), GRAPHMEM_TEST_NEO4J_PORT=TEST_PORT, GRAPHMEM_REQUIRE_NEO4J="1")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                           str(tmp_path / "test_tiny.py")], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=900)  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert "captured by pytest" not in done.stdout  # output capture was on
    # The session's server is up, so the launcher says it found it; a fresh start says "starting" and "ready in".
    assert "neo4j-local: already running (neo4j " in done.stdout, done.stdout
