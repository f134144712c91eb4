"""The JSON Schemas of what crosses the API: sent to chat models (extraction, reconciliation, rerank) and answered
by the public methods (``graphmem.results``, which the REST server's OpenAPI reuses), generated from the pydantic
models they are validated or built with.

``python -m graphmem.schemas`` rewrites ``schemas/*.schema.json``; a test fails when the checked-in files
drift from the models, so the schema a reviewer reads is the one the code sends and answers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from graphmem.ingest.reconcile import Reconciliation
from graphmem.models import Extraction
from graphmem.providers.rerank import RerankOrder
from graphmem.results import AddResult, HistoryEntry, RelationView, SearchResult, UpdateResult

SCHEMAS: dict[str, type[BaseModel]] = {
    "extraction": Extraction,
    "reconciliation": Reconciliation,
    "rerank": RerankOrder,
    # what the public methods answer: add/add_triples, update, search, history items, graph views' relations
    "add_result": AddResult,
    "update_result": UpdateResult,
    "search_result": SearchResult,
    "history_entry": HistoryEntry,
    "relation_view": RelationView,
}


def schema_text(model: type[BaseModel]) -> str:
    schema: dict[str, Any] = model.model_json_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "schemas"
    for path in write(target):
        print(path)
