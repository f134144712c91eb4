"""Bad input over HTTP: a 422 naming the field (bad JSON, wrong types, unknown fields, the library's own checks), a
413 naming the body when it is too large, a 404 for unknown ids; never a stack trace in an answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from graphmem import MemoryClient, ValidationError
from tests.service.conftest import MAX_BODY_BYTES, Served


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.host, headers={"Authorization": f"Token {served.keys['acme']}"}) as client:
        yield client


def refused(answer: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert "Traceback" not in answer.text and 'File "' not in answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/search", {"query": "q", "user_id": "a", "limit": "ten"}, "limit"),
        ("/search", {"query": 42, "user_id": "a"}, "query"),
        ("/search", {"query": "q", "user_id": ["a"]}, "user_id"),
        ("/search", {"query": "q", "user_id": "a", "rerank": "yes"}, "rerank"),
        ("/search", {"query": "q", "usr_id": "a"}, "usr_id"),  # a misspelt scope is refused, not ignored
        ("/search", {"user_id": "a"}, "query"),
        ("/search", {"query": "q"}, "user_id"),  # the library's check: a scope is required
        ("/search", {"query": "q", "user_id": "a", "limit": 0}, "limit"),
        ("/search", {"query": "q", "user_id": "a", "filters": {"created_at": {"gt": "not a date"}}}, "filters"),
        ("/memories", {"messages": "hi", "user_id": "a", "metadata": ["not", "a", "dict"]}, "metadata"),
        ("/memories", {"messages": "hi", "user_id": "a\x00b"}, "user_id"),
        ("/triples", {"triples": "Alice WORKS_AT Acme", "user_id": "a"}, "triples"),
        ("/paths", {"source": "A", "target": "B", "user_id": "a", "max_hops": 0}, "max_hops"),
    ],
)
def test_bad_input_is_422_naming_the_field(http: httpx.Client, path: str, body: Any, field: str) -> None:
    answer = refused(http.post(path, json=body))
    assert answer["field"].split(".")[0] == field, answer
    assert answer["detail"]


def test_bad_json_and_a_body_of_the_wrong_shape_name_the_body(http: httpx.Client) -> None:
    headers = {"Content-Type": "application/json"}
    assert refused(http.post("/search", content=b'{"query": "q", "user_id": ', headers=headers))["field"] == "body"
    assert refused(http.post("/search", content=b'["query"]', headers=headers))["field"] == "body"


def test_bad_query_parameters_name_the_parameter(http: httpx.Client) -> None:
    assert refused(http.get("/memories", params={"user_id": "a", "limit": "x"}))["field"] == "limit"
    assert refused(http.get("/memories", params={"user_id": "a", "filters": "{not json"}))["field"] == "filters"
    assert refused(http.get("/entities/Alice/neighbors", params={"user_id": "a", "hops": 0}))["field"] == "hops"


def test_an_oversized_body_is_413_naming_the_body(http: httpx.Client) -> None:
    big = {"messages": "x" * (MAX_BODY_BYTES + 1), "user_id": "a"}
    assert refused(http.post("/memories", json=big), 413)["field"] == "body"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts what arrives
        yield b'{"messages": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'", "user_id": "a"}'

    answer = http.post("/memories", content=chunks(), headers={"Content-Type": "application/json"})
    assert refused(answer, 413)["field"] == "body"
    assert http.post("/memories", json={"messages": "small enough", "user_id": "a", "infer": False}).status_code == 200


def test_unknown_ids_are_404(http: httpx.Client) -> None:
    answer = refused(http.get("/memories/no-such-id"), 404)
    assert answer["kind"] == "memory" and answer["id"] == "no-such-id"
    refused(http.put("/memories/no-such-id", json={"data": "x"}), 404)
    refused(http.delete("/memories/no-such-id"), 404)


def test_the_client_raises_the_librarys_errors(served: Served) -> None:
    client = MemoryClient(api_key=served.keys["acme"], host=served.host)
    with pytest.raises(ValidationError) as bad:
        client.search("q", user_id="a", limit="ten")  # type: ignore[arg-type]
    assert bad.value.field == "limit"
    with pytest.raises(ValidationError) as big:
        client.add("x" * (MAX_BODY_BYTES + 1), user_id="a")
    assert big.value.field == "body"
