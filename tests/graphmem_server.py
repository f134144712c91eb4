"""`graphmem serve` as a real process for the tests: a free loopback port, a quiet environment, and a wait until
``/health`` answers. Shared by tests/service (a server per module, over an embedded store) and by the contract
suite's HTTP backends in tests/conftest.py (a server per session, over an embedded store or the test Neo4j), so
that every test that talks to a server starts it the same way.

Keys are made in the store before a server starts (it refuses to start without one) and may be made while it runs:
the server checks each request's key against the store, so a key created a moment ago is already accepted.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.neo4j_server import Neo4jServer

START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def graphmem_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "graphmem", *args]


def quiet_env() -> dict[str, str]:
    """The tests' environment without a client key or host, so no test talks to a server it did not name."""
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "GRAPHMEM_API_KEY": "", "GRAPHMEM_HOST": ""}


def neo4j_config(server: Neo4jServer, path: Path) -> Path:
    """A config file (JSON is YAML) whose store is the tests' Neo4j, for ``graphmem serve --config``."""
    settings = {"url": server.uri, "username": server.username, "password": server.password}
    path.write_text(json.dumps({"graph_store": {"provider": "neo4j", "config": settings}}), encoding="utf-8")
    return path


def start_server(args: list[str], log: Path, port: int) -> subprocess.Popen[bytes]:
    """Start `graphmem serve ARGS --port PORT` and wait until /health answers (or fail with the server's log)."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            graphmem_command("serve", *args, "--port", str(port), "--log-level", "warning"),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=quiet_env(),
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"graphmem serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"graphmem serve did not answer within {START_TIMEOUT_S}s:\n{log.read_text()}")


def stop_server(process: subprocess.Popen[bytes] | None) -> None:
    """Terminate a server (politely first: uvicorn then closes the store), if it still runs."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Running:
    """A server this session started: where it answers, its log, and its process."""

    host: str
    log: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        stop_server(self.process)


def serve(args: list[str], folder: Path) -> Running:
    """`graphmem serve ARGS` on a free port, logging to FOLDER/server.log."""
    port, log = free_port(), folder / "server.log"
    return Running(f"http://127.0.0.1:{port}", log, start_server(args, log, port))
