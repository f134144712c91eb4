"""The service's OpenAPI document, generated from the routes and the library's models.

``python -m graphmem.service.openapi`` rewrites ``schemas/openapi.json``; a test fails when the checked-in file
drifts from the code (as ``graphmem.schemas`` does for the JSON Schemas).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from graphmem.service.app import build_app

DEFAULT = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"


def openapi_text() -> str:
    return json.dumps(build_app().openapi(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    target.write_text(openapi_text(), encoding="utf-8")
    print(target)
