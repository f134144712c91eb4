"""The checked-in JSON Schemas are exactly what the pydantic models generate (regenerate with
`python -m graphmem.schemas`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.schemas import SCHEMAS, schema_text

FOLDER = Path(__file__).resolve().parents[2] / "schemas"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_checked_in_schema_matches_the_model(name: str) -> None:
    path = FOLDER / f"{name}.schema.json"
    assert path.read_text(encoding="utf-8") == schema_text(SCHEMAS[name]), (
        f"{path} is stale: run `python -m graphmem.schemas`"
    )


def test_extraction_schema_names_the_parts_a_model_must_fill() -> None:
    schema = SCHEMAS["extraction"].model_json_schema()
    assert set(schema["properties"]) == {"facts", "entities", "relations", "speaker"}
    relation = schema["$defs"]["ExtractedRelation"]
    assert {"source", "type", "target", "fact"} <= set(relation["required"])
