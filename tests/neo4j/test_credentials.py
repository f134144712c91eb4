"""Bad credentials give one clear error naming the server, against a real Neo4j with auth switched on."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem import Memory, StoreError
from tests.neo4j_server import LAUNCHER

PORT = "17689"


@pytest.fixture(scope="module")
def secured_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("java") is None or not LAUNCHER.exists():
        reason = "needs scripts/neo4j-local and java to start a Neo4j with auth on"
        if os.environ.get("GRAPHMEM_REQUIRE_NEO4J") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    data: Path = tmp_path_factory.mktemp("secured")
    env = {**os.environ, "GRAPHMEM_NEO4J_PORT": PORT, "GRAPHMEM_NEO4J_DATA": str(data),
           "GRAPHMEM_NEO4J_VERSION": "5.26", "GRAPHMEM_NEO4J_CONF": "dbms.security.auth_enabled=true"}  # fmt: skip
    started = subprocess.run([str(LAUNCHER), "start"], env=env, capture_output=True, text=True, timeout=600)
    assert started.returncode == 0, started.stderr[-2000:]
    yield started.stdout.strip().splitlines()[-1]
    subprocess.run([str(LAUNCHER), "stop"], env=env, capture_output=True, timeout=120)


def test_wrong_password_names_the_uri_and_the_user(secured_uri: str) -> None:
    config = {
        "graph_store": {
            "provider": "neo4j",
            "config": {"url": secured_uri, "username": "neo4j", "password": "not-the-password"},
        }
    }
    with pytest.raises(StoreError) as info:
        Memory.from_config(config)
    message = str(info.value)
    assert message == f"Neo4j at {secured_uri} refused the credentials for user 'neo4j'"
    assert info.value.__cause__ is None and info.value.__suppress_context__
