"""What differs between Cypher engines behind one store (``CypherStore``): a dialect is a folder chain of query
files (``cypher/<folder>/``, each folder holding only what differs from the next; the shared rules are fragments
there, see ``files.py``) plus this small object for what cannot be a query file. A new engine subclasses it; see
``docs/backends.md``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from neo4j import Session

from graphmem.models import Scope
from graphmem.stores.cypher.files import QueryFiles

TextKind = Literal["memory", "entity"]


def plan_operators(plan: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Every operator of an EXPLAIN plan (the driver's ``ResultSummary.plan``) as (operator, database), read
    without recursion: ``"LoadCSV@neo4j"`` is ``("LoadCSV", "neo4j")``. What ``check_read_only`` decides on."""
    found: list[tuple[str, str]] = []
    stack = [plan] if plan else []
    while stack:
        node = stack.pop()
        operator, _, database = str(node.get("operatorType", "")).partition("@")
        found.append((operator, database))
        stack.extend(node.get("children") or ())
    return found


class CypherDialect(ABC):
    """One Cypher engine (or one release line of it), spoken over Bolt.

    ``product`` names the engine in error messages; ``folders`` is the query folder chain, most specific first.
    """

    def __init__(self, product: str, folders: tuple[str, ...]) -> None:
        self.product = product
        self.folders = folders
        self.files = QueryFiles(folders)

    @property
    def name(self) -> str:
        return self.folders[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def query(self, name: str) -> str:
        """A query's text, fragments expanded: names are fixed words in our code, never input."""
        return self.files.query(name)

    def for_server(self, agent: str) -> CypherDialect:
        """The dialect for the server that answered (its Bolt agent, "Neo4j/5.26.30"): a release line whose queries
        differ returns its own dialect. By default, this one."""
        return self

    def await_schema(self, session: Session) -> None:
        """Block until the schema just created (``schema/``) is usable; by default it is at once."""
        return None

    @abstractmethod
    def check_read_only(self, session: Session, text: str, params: dict[str, Any]) -> None:
        """Raise ``ValidationError("query", ...)`` unless ``text`` only reads (``Memory.cypher``); the store then
        runs it in a read transaction as well."""

    @abstractmethod
    def fulltext_query(self, kind: TextKind, terms: Sequence[str], scope: Scope) -> str:
        """The ``$query`` parameter of ``<kind>_fulltext``: any of the word terms, within (a superset of) the scope.
        Only called with at least one term that ``fulltext.quoted_or_query`` keeps."""
