"""`graphmem serve` over Neo4j: keys as ``:ApiKey`` nodes, the round trip and the tenant fence on that store."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from graphmem import AuthError, MemoryClient
from graphmem.service.keys import Keys, key_table
from tests.conftest import open_neo4j
from tests.neo4j_server import Neo4jServer
from tests.service.conftest import DIM, free_port, start_server


def test_serve_over_neo4j(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    tenant, other = f"t-{secrets.token_hex(4)}", f"o-{secrets.token_hex(4)}"
    store = open_neo4j(neo4j_server, DIM)
    try:
        keys = Keys(key_table(store))
        key, other_key = keys.create(tenant)[1], keys.create(other)[1]
        revoked, revoked_key = keys.create(tenant)
        keys.revoke(revoked.id)
        rows = store._driver.execute_query("MATCH (k:ApiKey) RETURN properties(k) AS p").records
        assert not any(k.split("_", 2)[2] in json.dumps(r["p"]) for r in rows for k in (key, other_key))
    finally:
        store.close()

    config = tmp_path / "graphmem.yaml"  # JSON is YAML
    settings = {"url": neo4j_server.uri, "username": neo4j_server.username, "password": neo4j_server.password}
    config.write_text(json.dumps({"graph_store": {"provider": "neo4j", "config": settings}}), encoding="utf-8")
    port = free_port()
    server = start_server(["--config", str(config)], tmp_path / "server.log", port)
    host = f"http://127.0.0.1:{port}"
    try:
        client = MemoryClient(api_key=key, host=host)
        memory_id = client.add("Erin runs marathons", user_id="erin", infer=False)["results"][0]["id"]
        assert client.search("marathon running", user_id="erin")["results"][0]["id"] == memory_id
        assert client.get(memory_id) is not None
        outsider = MemoryClient(api_key=other_key, host=host)
        assert outsider.get(memory_id) is None
        assert outsider.search("marathon running", user_id="erin")["results"] == []
        with pytest.raises(AuthError):
            MemoryClient(api_key=revoked_key, host=host).get(memory_id)
        assert client.delete_all(user_id="erin")["deleted"] == 1
    finally:
        server.terminate()
        server.wait(timeout=20)
