"""`graphmem serve` as a real process on a free loopback port, over an embedded store in a temporary folder.

Keys are made in the store before the server starts (it refuses to start without one): through the key table
directly, which is what `graphmem keys create` calls (tests/service/test_cli.py runs the command itself).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from graphmem.service.keys import Keys, key_table
from graphmem.stores.embedded import EmbeddedStore

DIM = 384  # the local MiniLM's, which the server's default config uses
START_TIMEOUT_S = 120
MAX_BODY_BYTES = 64 * 1024  # small, so the oversized-body tests send little


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def graphmem_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "graphmem", *args]


def quiet_env() -> dict[str, str]:
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "GRAPHMEM_API_KEY": "", "GRAPHMEM_HOST": ""}


@dataclass
class Served:
    """A running server: its base URL, the keys made for it (by name), and its log."""

    host: str
    store: Path
    log: Path
    keys: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


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


def make_keys(keys: Keys) -> dict[str, str]:
    """acme (user and admin), globex, and a revoked acme key."""
    made = {
        "acme": keys.create("acme")[1],
        "acme_admin": keys.create("acme", admin=True)[1],
        "globex": keys.create("globex")[1],
    }
    revoked, made["revoked"] = keys.create("acme")
    keys.revoke(revoked.id)
    return made


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server per test module (a module's tests share its store, each in its own user ids)."""
    folder = tmp_path_factory.mktemp("served")
    store_path = folder / "graphmem.db"
    store = EmbeddedStore(store_path, DIM)
    try:
        made = make_keys(Keys(key_table(store)))
    finally:
        store.close()
    port = free_port()
    server = Served(host=f"http://127.0.0.1:{port}", store=store_path, log=folder / "server.log", keys=made)
    server.process = start_server(["--store", str(store_path), "--max-body-bytes", str(MAX_BODY_BYTES)],
                                  server.log, port)  # fmt: skip
    yield server
    server.stop()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Fresh ids per test, so tests sharing a module's server never see each other's data."""
    stamp = f"{time.monotonic_ns()}"
    return lambda name: f"{name}-{stamp}"
