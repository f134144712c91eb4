"""Find a Neo4j for the tests, in the order the README gives: an existing server named by GRAPHMEM_NEO4J_URI,
then the repo's own launcher (scripts/neo4j-local, no Docker needed), then testcontainers where Docker runs.
Returns connection details, or the reason none could be had (the suite then skips, and says why, unless
GRAPHMEM_REQUIRE_NEO4J=1 asks for a failure instead, as CI does)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LAUNCHER = Path(__file__).resolve().parents[1] / "scripts" / "neo4j-local"
TEST_PORT = os.environ.get("GRAPHMEM_TEST_NEO4J_PORT", "17687")  # not 7687, so a developer's own server is left alone


@dataclass
class Neo4jServer:
    uri: str
    username: str | None = None
    password: str | None = None
    how: str = ""
    stop: Callable[[], None] = field(default=lambda: None)


def find_neo4j() -> Neo4jServer | str:
    uri = os.environ.get("GRAPHMEM_NEO4J_URI")
    if uri:
        return Neo4jServer(uri, os.environ.get("GRAPHMEM_NEO4J_USER"), os.environ.get("GRAPHMEM_NEO4J_PASSWORD"),
                           how="GRAPHMEM_NEO4J_URI")  # fmt: skip
    reasons = []
    local = _local_launcher()
    if isinstance(local, Neo4jServer):
        return local
    reasons.append(local)
    container = _testcontainer()
    if isinstance(container, Neo4jServer):
        return container
    reasons.append(container)
    return "no Neo4j for the tests: " + "; ".join(reasons)


def _local_launcher() -> Neo4jServer | str:
    if not LAUNCHER.exists():
        return f"{LAUNCHER} is missing"
    if shutil.which("java") is None:
        return "scripts/neo4j-local needs java on PATH"
    env = {**os.environ, "GRAPHMEM_NEO4J_PORT": TEST_PORT}
    running = subprocess.run([str(LAUNCHER), "status"], env=env, capture_output=True, text=True).returncode == 0
    started = subprocess.run([str(LAUNCHER), "start"], env=env, capture_output=True, text=True, timeout=900)
    lines = started.stdout.strip().splitlines()
    if started.returncode != 0 or not lines:
        return f"scripts/neo4j-local start failed: {(started.stderr or started.stdout).strip()[-500:]}"

    def stop() -> None:
        if not running:  # only stop what the tests started
            subprocess.run([str(LAUNCHER), "stop"], env=env, capture_output=True, timeout=120)

    return Neo4jServer(lines[-1].strip(), how="scripts/neo4j-local", stop=stop)


def _testcontainer() -> Neo4jServer | str:
    try:
        from testcontainers.neo4j import Neo4jContainer  # type: ignore[import-not-found]
    except ImportError:
        return "testcontainers is not installed"
    try:
        container = Neo4jContainer("neo4j:5.26")
        container.start()
    except Exception as exc:  # no Docker engine, image pull refused, ...
        return f"testcontainers could not start Neo4j: {exc}"
    return Neo4jServer(container.get_connection_url(), "neo4j", container.password, how="testcontainers",
                       stop=container.stop)  # fmt: skip
