"""Backend failures as ``StoreError`` subclasses: the one place each store's raw driver errors are translated.

Each store passes its translator to ``translated`` in its execution helpers (the embedded store's connection, the
Neo4j store's read and write helpers), so callers see ``StoreUnavailable`` / ``StoreConflict`` / ``StoreError``
whichever backend failed, never ``sqlite3.*`` or ``neo4j.exceptions.*``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from graphmem.errors import StoreError

Translator = Callable[[Exception], StoreError | None]  # None: not a backend failure, re-raised as it is


@contextmanager
def translated(translate: Translator) -> Iterator[None]:
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        error = translate(exc)
        if error is None:
            raise
        raise error from exc
