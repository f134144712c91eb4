"""Load Cypher by name from ``cypher/<dialect>/<name>.cypher``: one query per file, values only as parameters.

Installed, the files ship inside the wheel as ``graphmem.cypher``; in a source checkout they are read from the
repository's ``cypher/`` folder.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)?$")


def _root() -> Traversable:
    try:
        return resources.files("graphmem.cypher")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "cypher"


@lru_cache(maxsize=256)
def query(dialect: str, name: str) -> str:
    """The text of one query. Names are fixed identifiers in our code, never user input."""
    if not _NAME.match(dialect) or not _NAME.match(name):
        raise ValueError(f"bad query name {dialect}/{name}")
    return _root().joinpath(dialect).joinpath(f"{name}.cypher").read_text(encoding="utf-8")


def schema(dialect: str) -> list[tuple[str, str]]:
    """The schema statements of a dialect, in file-name order, as (name, text)."""
    folder = _root().joinpath(dialect).joinpath("schema")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".cypher")), key=lambda f: f.name)
    return [(f.name.removesuffix(".cypher"), f.read_text(encoding="utf-8")) for f in files]
