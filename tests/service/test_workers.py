"""`graphmem serve --workers N`: several processes over one Neo4j, each with its own memory; refused on embedded.

Which worker answers a request is the kernel's choice, so the test does not guess: it finds the worker processes,
kills one, and checks that the other still serves the data (its own memory, its own key checks).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
from pathlib import Path

import pytest

from graphmem import AuthError, MemoryClient
from graphmem.service.keys import Keys, key_table
from graphmem.stores.embedded import EmbeddedStore
from tests.conftest import open_neo4j
from tests.graphmem_server import free_port, graphmem_command, neo4j_config, quiet_env, start_server, stop_server
from tests.neo4j_server import Neo4jServer
from tests.service.conftest import DIM


def worker_pids(parent: int) -> list[int]:
    """The worker processes uvicorn spawned under ``parent`` (not its multiprocessing resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat, command = (entry / "stat").read_text(), (entry / "cmdline").read_bytes()
        except OSError:  # the process ended while we looked
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def refused(args: list[str]) -> subprocess.CompletedProcess[str]:
    """`graphmem serve ARGS`, which must exit with an error before it listens."""
    done = subprocess.run(graphmem_command("serve", *args, "--port", str(free_port())), capture_output=True,
                          text=True, env=quiet_env(), timeout=120)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    return done


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes through /proc")
def test_two_workers_over_neo4j_each_serve_with_their_own_memory(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    tenant, other = f"w-{secrets.token_hex(4)}", f"x-{secrets.token_hex(4)}"
    store = open_neo4j(neo4j_server, DIM)
    try:
        keys = Keys(key_table(store))
        key, other_key = keys.create(tenant)[1], keys.create(other)[1]
        revoked, revoked_key = keys.create(tenant)
        keys.revoke(revoked.id)
    finally:
        store.close()
    config = neo4j_config(neo4j_server, tmp_path / "graphmem.yaml")
    port = free_port()
    server = start_server(["--config", str(config), "--workers", "2"], tmp_path / "server.log", port)
    host = f"http://127.0.0.1:{port}"
    try:
        workers = worker_pids(server.pid)
        assert len(workers) == 2, workers
        with MemoryClient(api_key=key, host=host) as client:
            memory_id = client.add("Wanda keeps bees", user_id="wanda", infer=False)["results"][0]["id"]
        os.kill(workers[0], signal.SIGKILL)  # the survivor answers alone until uvicorn replaces this one
        for _ in range(4):  # a fresh connection each time
            with MemoryClient(api_key=key, host=host) as client:
                assert client.get(memory_id) is not None
                assert client.search("beekeeping", user_id="wanda")["results"][0]["id"] == memory_id
            with MemoryClient(api_key=other_key, host=host) as outsider:
                assert outsider.get(memory_id) is None
            for wrong in (revoked_key, ""):  # a revoked key, no key
                with MemoryClient(api_key=wrong, host=host, retries=0) as refused_client, pytest.raises(AuthError):
                    refused_client.get(memory_id)
        with MemoryClient(api_key=key, host=host) as client:
            assert client.delete_all(user_id="wanda")["deleted"] == 1
    finally:
        stop_server(server)
    assert worker_pids(server.pid) == []


def test_workers_are_refused_on_the_embedded_store(tmp_path: Path) -> None:
    path = tmp_path / "graphmem.db"
    store = EmbeddedStore(path, DIM)
    try:
        Keys(key_table(store)).create("acme")
    finally:
        store.close()
    said = refused(["--store", str(path), "--workers", "2"]).stderr
    assert "embedded store is served by one process" in said
    assert "one writer" in said


def test_workers_keep_the_loopback_rule_of_insecure_local(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    config = neo4j_config(neo4j_server, tmp_path / "graphmem.yaml")
    said = refused(["--config", str(config), "--workers", "2", "--insecure-local", "--host", "0.0.0.0"]).stderr
    assert "binds loopback only" in said
    assert "expected a positive number of processes" in refused(["--config", str(config), "--workers", "0"]).stderr
