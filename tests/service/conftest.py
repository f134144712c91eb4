"""`graphmem serve` as a real process on a free loopback port, over an embedded store in a temporary folder.

Keys are made in the store before the server starts (it refuses to start without one): through the key table
directly, which is what `graphmem keys create` calls (tests/service/test_cli.py runs the command itself).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from graphmem.service.keys import Keys, key_table
from graphmem.stores.embedded import EmbeddedStore
from tests.graphmem_server import free_port, graphmem_command, quiet_env, start_server, stop_server

# The server helpers live in tests/graphmem_server.py (the contract suite's HTTP backends start servers too); the
# service tests import them from here.
__all__ = ["DIM", "MAX_BODY_BYTES", "Served", "free_port", "graphmem_command", "quiet_env", "start_server"]

DIM = 384  # the local MiniLM's, which the server's default config uses
MAX_BODY_BYTES = 64 * 1024  # small, so the oversized-body tests send little


@dataclass
class Served:
    """A running server: its base URL, the keys made for it (by name), and its log."""

    host: str
    store: Path
    log: Path
    keys: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        stop_server(self.process)


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
