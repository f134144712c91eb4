"""The checked-in OpenAPI document is what the routes generate (regenerate: `python -m graphmem.service.openapi`),
and it documents the library's own result models and the key the routes need."""

from __future__ import annotations

import json

from graphmem.service.openapi import DEFAULT, openapi_text


def test_checked_in_openapi_matches_the_routes() -> None:
    assert DEFAULT.read_text(encoding="utf-8") == openapi_text(), (
        f"{DEFAULT} is stale: run `python -m graphmem.service.openapi`"
    )


def test_openapi_names_the_library_models_and_the_routes_of_mem0() -> None:
    document = json.loads(openapi_text())
    assert {"AddResult", "SearchResult", "UpdateResult", "HistoryEntry", "SearchBody"} <= set(
        document["components"]["schemas"]
    )
    paths = document["paths"]
    assert set(paths["/memories"]) == {"get", "post", "delete"}
    assert set(paths["/memories/{memory_id}"]) == {"get", "put", "delete"}
    for path in ("/memories/{memory_id}/history", "/search", "/reset", "/triples", "/entities/{entity}/neighbors",
                 "/paths", "/export", "/import", "/retry", "/health"):  # fmt: skip
        assert path in paths, path
    assert document["components"]["securitySchemes"]
    assert "security" not in paths["/health"]["get"] and "security" in paths["/search"]["post"]
