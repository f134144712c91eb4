"""Find a Neo4j for the tests, in the order the README gives: an existing server named by GRAPHMEM_NEO4J_URI,
then the repo's own launcher (scripts/neo4j-local, no Docker needed), then testcontainers where Docker runs.
Returns connection details, or the reason none could be had (the suite then skips, and says why, unless
GRAPHMEM_REQUIRE_NEO4J=1 asks for a failure instead, as CI does).

Starting the local server can take minutes the first time (Maven fetches Neo4j and builds the launcher), so the
search says what it is doing through ``report``, one line at a time, as it happens: the session fixture passes
a function that writes to the terminal past pytest's output capture."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LAUNCHER = Path(__file__).resolve().parents[1] / "scripts" / "neo4j-local"
TEST_PORT = os.environ.get("GRAPHMEM_TEST_NEO4J_PORT", "17687")  # not 7687, so a developer's own server is left alone


@dataclass
class Neo4jServer:
    uri: str
    username: str | None = None
    password: str | None = None
    how: str = ""
    stop: Callable[[], None] = field(default=lambda: None)


Report = Callable[[str], None]
START_TIMEOUT_S = 900  # a first start builds the launcher with Maven; the launcher has its own start timeout too


def _quiet(line: str) -> None:
    """The default ``report``: say nothing."""


def find_neo4j(report: Report = _quiet) -> Neo4jServer | str:
    uri = os.environ.get("GRAPHMEM_NEO4J_URI")
    if uri:
        return Neo4jServer(uri, os.environ.get("GRAPHMEM_NEO4J_USER"), os.environ.get("GRAPHMEM_NEO4J_PASSWORD"),
                           how="GRAPHMEM_NEO4J_URI")  # fmt: skip
    reasons = []
    local = _local_launcher(report)
    if isinstance(local, Neo4jServer):
        return local
    reasons.append(local)
    container = _testcontainer(report)
    if isinstance(container, Neo4jServer):
        return container
    reasons.append(container)
    return "no Neo4j for the tests: " + "; ".join(reasons)


def _local_launcher(report: Report) -> Neo4jServer | str:
    if not LAUNCHER.exists():
        return f"{LAUNCHER} is missing"
    if shutil.which("java") is None:
        return "scripts/neo4j-local needs java on PATH"
    env = {**os.environ, "GRAPHMEM_NEO4J_PORT": TEST_PORT}
    running = subprocess.run([str(LAUNCHER), "status"], env=env, capture_output=True, text=True).returncode == 0
    if not running:
        report(f"starting the local Neo4j for the tests on port {TEST_PORT} (scripts/neo4j-local; the first run "
               "builds it with Maven, which takes a few minutes)")  # fmt: skip
    code, lines, errors = _start(env, report)
    if code != 0 or not lines:
        said = errors or "\n".join(lines)
        return f"scripts/neo4j-local start failed: {said.strip()[-500:]}"

    def stop() -> None:
        if not running:  # only stop what the tests started
            subprocess.run([str(LAUNCHER), "stop"], env=env, capture_output=True, timeout=120)

    return Neo4jServer(lines[-1].strip(), how="scripts/neo4j-local", stop=stop)


def _start(env: dict[str, str], report: Report) -> tuple[int, list[str], str]:
    """Run ``scripts/neo4j-local start``, passing each of its progress lines (stderr) to ``report`` as it comes.
    Returns the exit code, the stdout lines (the last is the URI) and the progress text (for a failure's reason)."""
    proc = subprocess.Popen([str(LAUNCHER), "start"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    timer = threading.Timer(START_TIMEOUT_S, proc.kill)
    timer.start()
    progress: list[str] = []
    try:
        for line in proc.stderr:  # the server itself logs to a file, so EOF comes when the launcher exits
            progress.append(line)
            report(line.rstrip())
        out = proc.stdout.read()
        code = proc.wait()
    finally:
        timer.cancel()
    return code, out.strip().splitlines(), "".join(progress)


def terminal_lines(config: pytest.Config) -> Report:
    """Write lines to the terminal even while pytest captures output: starting Neo4j the first time takes
    minutes, and a silent terminal looks like a hang."""
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        if terminal is None:  # -p no:terminal
            return
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            terminal.write_line(line)

    return write


def _testcontainer(report: Report) -> Neo4jServer | str:
    try:
        from testcontainers.neo4j import Neo4jContainer  # type: ignore[import-not-found]
    except ImportError:
        return "testcontainers is not installed"
    report("starting Neo4j 5.26 for the tests in Docker (testcontainers)")
    try:
        container = Neo4jContainer("neo4j:5.26")
        container.start()
    except Exception as exc:  # no Docker engine, image pull refused, ...
        return f"testcontainers could not start Neo4j: {exc}"
    return Neo4jServer(container.get_connection_url(), "neo4j", container.password, how="testcontainers",
                       stop=container.stop)  # fmt: skip
