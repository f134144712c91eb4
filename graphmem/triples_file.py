"""Loading a file of known triples (``graphmem add-triples``): one triple a line, as CSV or as JSON.

Each line is checked on its own by the validator ``Memory.add_triples`` uses, so a bad line is reported with its
number and reason while the others still load. Good lines go to ``add_triples`` in batches (one episode and one
transaction each): memory use stays bounded and a progress bar moves on large files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError
from tqdm import tqdm

from graphmem.errors import ValidationError
from graphmem.ingest.triples import triples_extraction

if TYPE_CHECKING:
    from graphmem.memory import Memory

# A first CSV row made of these words is a header, not a triple (the keys a JSON object line may use).
_HEADER_WORDS = frozenset({"source", "relationship", "type", "target", "destination"})


def parse_line(line: str) -> Any:
    """One line as a triple: a JSON array or object (``add_triples``'s shapes), else a CSV row ``s,r,o`` (quoted
    fields may hold commas). A line that is neither raises ``ValueError``; the triple is checked by
    ``check_triple``."""
    text = line.strip()
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg}") from None
    row = next(csv.reader([text], skipinitialspace=True))
    if len(row) != 3:
        raise ValueError(f"expected 3 comma-separated fields (source,relationship,target), got {len(row)}")
    return [field.strip() for field in row]


def check_triple(triple: Any) -> Any:
    """``triple`` if ``add_triples`` would accept it, else the library's ``ValidationError`` for this one line."""
    try:
        triples_extraction([triple])
    except ValidationError as exc:
        field = exc.field.removeprefix("triples[0]").lstrip(".") or "triple"
        raise ValidationError(field, str(exc).split(": ", 1)[-1]) from None
    except PydanticValidationError as exc:  # a value the records refuse, such as a valid_at that is not a time
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "triple"
        raise ValidationError(field, f"{first['msg']} (got {first.get('input')!r})") from None
    return triple


def _is_header(line: str) -> bool:
    if line.lstrip().startswith(("[", "{")):
        return False
    row = next(csv.reader([line.strip()], skipinitialspace=True))
    return len(row) == 3 and {field.strip().lower() for field in row} <= _HEADER_WORDS


def load_triples(
    memory: Memory,
    lines: Iterable[str],
    scope: dict[str, Any],
    metadata: dict[str, Any] | None = None,
    *,
    batch_size: int = 1000,
    total: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Load numbered lines through ``add_triples``; blank lines, ``#`` comments and a CSV header row are skipped."""
    summary: dict[str, Any] = {"triples": 0, "relations": 0, "episodes": 0, "failed": 0, "errors": []}
    batch: list[Any] = []

    def flush() -> None:
        result = memory.add_triples(batch, metadata=metadata, **scope)
        summary["episodes"] += 1
        summary["triples"] += len(batch)
        summary["relations"] += len(result["relations"]["added"])
        batch.clear()

    first = True
    for number, line in enumerate(tqdm(lines, total=total, disable=not progress, unit="line"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if first and _is_header(line):
            first = False
            continue
        first = False
        try:
            batch.append(check_triple(parse_line(line)))
        except ValueError as exc:  # ValidationError included
            summary["failed"] += 1
            summary["errors"].append({"line": number, "error": str(exc)})
            continue
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return summary
