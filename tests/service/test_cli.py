"""`graphmem keys create|list|revoke` and the checks `graphmem serve` makes before it listens."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from graphmem import MemoryClient
from tests.service.conftest import free_port, graphmem_command, quiet_env, start_server


def graphmem(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(graphmem_command(*args), capture_output=True, text=True, env=quiet_env(), timeout=300)
    assert (done.returncode == 0) == ok, (args, done.returncode, done.stdout, done.stderr)
    return done


def test_keys_create_list_and_revoke(tmp_path: Path) -> None:
    store = str(tmp_path / "keys.db")
    made = json.loads(graphmem("keys", "create", "--tenant", "acme", "--admin", "--store", store, "--json").stdout)
    assert made["tenant"] == "acme" and made["admin"] is True and made["key"].startswith(f"gm_{made['id']}_")
    shown = graphmem("keys", "create", "--tenant", "globex", "--store", store).stdout
    assert "shown only now" in shown and "gm_" in shown

    listed = json.loads(graphmem("keys", "list", "--store", store, "--json").stdout)
    assert [(k["tenant"], k["admin"], k["revoked_at"]) for k in listed] == [
        ("acme", True, None),
        ("globex", False, None),
    ]
    assert all(set(k) == {"id", "tenant", "admin", "created_at", "revoked_at"} for k in listed)
    assert made["key"].split("_", 2)[2] not in json.dumps(listed)

    graphmem("keys", "revoke", made["id"], "--store", store)
    after = {k["id"]: k for k in json.loads(graphmem("keys", "list", "--store", store, "--json").stdout)}
    assert after[made["id"]]["revoked_at"] is not None
    assert "not found" in graphmem("keys", "revoke", made["id"], "--store", store, ok=False).stderr
    assert "tenant" in graphmem("keys", "create", "--tenant", " ", "--store", store, ok=False).stderr


def test_serve_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    store = str(tmp_path / "empty.db")
    failed = graphmem("serve", "--store", store, "--port", str(free_port()), ok=False)
    assert "no active API key" in failed.stderr and "--insecure-local" in failed.stderr


def test_insecure_local_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    store = str(tmp_path / "local.db")
    args = ("serve", "--store", store, "--insecure-local", "--port", str(free_port()))
    for host in ("0.0.0.0", "192.168.1.10", "::"):
        failed = graphmem(*args, "--host", host, ok=False)
        assert "host" in failed.stderr and "loopback" in failed.stderr


def test_insecure_local_serves_the_librarys_own_tenant_without_keys(tmp_path: Path) -> None:
    port = free_port()
    server = start_server(["--store", str(tmp_path / "local.db"), "--insecure-local"], tmp_path / "log", port)
    try:
        with MemoryClient(host=f"http://127.0.0.1:{port}") as client:
            client.add("Dana reads poetry", user_id="dana", infer=False)
            assert [m["memory"] for m in client.get_all(user_id="dana")["results"]] == ["Dana reads poetry"]
        assert httpx.post(f"http://127.0.0.1:{port}/reset").status_code == 200  # local mode is the operator
    finally:
        server.terminate()
        server.wait(timeout=20)
