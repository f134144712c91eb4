"""API keys over HTTP: every route but /health needs a valid, unrevoked key; a key's tenant fences what it reaches
(another tenant's id is a 404, whatever scope is sent); reset needs an admin key; keys are never stored in clear."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import httpx
import pytest

from graphmem import AuthError, MemoryClient, NotFoundError
from tests.service.conftest import Served


def test_health_needs_no_key_and_every_other_route_does(served: Served) -> None:
    assert httpx.get(f"{served.host}/health").status_code == 200
    for method, path in (("GET", "/memories?user_id=a"), ("POST", "/search"), ("GET", "/export?user_id=a"),
                         ("POST", "/reset"), ("GET", "/memories/x"), ("DELETE", "/memories?user_id=a")):  # fmt: skip
        answer = httpx.request(method, served.host + path, json={"query": "q", "user_id": "a"})
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header",
    ["Token gm_0123456789abcdef_not-the-secret", "Token not-a-key", "Basic abc", "Token", "Bearer"],
)
def test_a_wrong_or_malformed_key_is_401(served: Served, header: str) -> None:
    answer = httpx.get(f"{served.host}/memories", params={"user_id": "a"}, headers={"Authorization": header})
    assert answer.status_code == 401 and "Traceback" not in answer.text


def test_a_valid_key_works_as_token_and_as_bearer(served: Served) -> None:
    for scheme in ("Token", "Bearer", "token"):
        headers = {"Authorization": f"{scheme} {served.keys['acme']}"}
        assert httpx.get(f"{served.host}/memories", params={"user_id": "a"}, headers=headers).status_code == 200


def test_a_revoked_key_is_401(served: Served) -> None:
    with MemoryClient(api_key=served.keys["revoked"], host=served.host) as client, pytest.raises(AuthError) as no:
        client.get_all(user_id="a")
    assert no.value.status == 401 and "revoked" in str(no.value)


def test_another_tenants_data_is_not_found_whatever_is_sent(served: Served, unique: Callable[[str], str]) -> None:
    user = unique("shared-name")  # both tenants use the same user_id: the tenant still tells them apart
    acme = MemoryClient(api_key=served.keys["acme"], host=served.host)
    globex = MemoryClient(api_key=served.keys["globex"], host=served.host)
    memory_id = acme.add("Acme's secret plan is to buy Initech", user_id=user, infer=False)["results"][0]["id"]
    acme.add_triples([("Acme", "ACQUIRES", "Initech")], user_id=user)

    assert globex.get(memory_id) is None
    assert globex.get(memory_id, user_id=user) is None
    for call in (lambda: globex.update(memory_id, "overwritten"), lambda: globex.delete(memory_id)):
        with pytest.raises(NotFoundError):
            call()
    assert globex.history(memory_id) == []
    assert globex.get_all(user_id=user)["results"] == []
    assert globex.search("secret plan", user_id=user)["results"] == []
    assert globex.search("secret plan", filters={"AND": [{"user_id": user}]})["results"] == []
    with pytest.raises(NotFoundError):
        globex.neighbors("Acme", user_id=user)  # the entity exists, in acme's tenant only
    assert globex.export(user_id=user) == []
    assert globex.delete_all(user_id=user)["deleted"] == 0

    raw = httpx.get(f"{served.host}/memories/{memory_id}", headers={"Authorization": f"Token {served.keys['globex']}"})
    assert raw.status_code == 404  # not 403: another tenant's id is indistinguishable from an unknown one
    still = acme.get(memory_id)
    assert still is not None and still["memory"] == "Acme's secret plan is to buy Initech"
    assert [r["relationship"] for r in acme.neighbors("Acme", user_id=user)["relations"]] == ["ACQUIRES"]


def test_reset_needs_an_admin_key(served: Served, unique: Callable[[str], str]) -> None:
    user = unique("reset")
    client = MemoryClient(api_key=served.keys["acme"], host=served.host)
    client.add("Carol plays chess", user_id=user, infer=False)
    globex = MemoryClient(api_key=served.keys["globex"], host=served.host)
    globex.add("Carol plays chess", user_id=user, infer=False)  # the same user id and text, another tenant
    with pytest.raises(AuthError) as refused:
        client.reset()
    assert refused.value.status == 403
    assert len(client.get_all(user_id=user)["results"]) == 1

    MemoryClient(api_key=served.keys["acme_admin"], host=served.host).reset()
    assert client.get_all(user_id=user)["results"] == []
    assert [m["memory"] for m in globex.get_all(user_id=user)["results"]] == ["Carol plays chess"]  # its tenant only
    assert httpx.get(f"{served.host}/memories", params={"user_id": "a"},
                     headers={"Authorization": f"Token {served.keys['acme']}"}).status_code == 200  # fmt: skip


def test_the_key_table_holds_no_key_in_clear(served: Served) -> None:
    with sqlite3.connect(served.store) as conn:
        rows = conn.execute("SELECT * FROM api_keys").fetchall()
    assert len(rows) == len(served.keys)
    stored = repr(rows)
    secrets = [key.split("_", 2)[2] for key in served.keys.values()]  # gm_<id>_<secret>
    assert not any(secret in stored for secret in secrets)
    files = b"".join(p.read_bytes() for p in served.store.parent.glob(f"{served.store.name}*"))  # WAL included
    assert not any(secret.encode() in files for secret in secrets)
