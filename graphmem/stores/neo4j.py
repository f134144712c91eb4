"""Neo4j: the Cypher store (``stores/cypher/``) with the Neo4j dialect, queries from ``cypher/neo4j/``.

Two release lines, one store: 5.26 LTS (``neo4j``) and the calendar releases (2025.x, 2026.x: ``neo4j_calendar``,
whose folder ``cypher/neo4j_calendar/`` would hold only the queries that differ; today none do, both run Cypher 5
by default). The server's version picks the dialect when the store connects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from neo4j import Session
from neo4j.exceptions import ClientError

from graphmem.errors import ValidationError
from graphmem.models import Scope
from graphmem.stores.cypher.dialect import CypherDialect, TextKind, plan_operators
from graphmem.stores.cypher.store import CypherStore, TracedRead
from graphmem.stores.fulltext import quoted_or_query

__all__ = ["NEO4J", "NEO4J_CALENDAR", "Neo4jDialect", "Neo4jStore", "TracedRead"]

# Plan operators Neo4j types as reads that reach outside the graph: files and URLs, procedures (which may read,
# call out or administer), batched transactions; and the commands (SHOW, TERMINATE, ...: any operator so named).
_OUTSIDE = frozenset(
    {
        "LoadCSV",
        "ProcedureCall",
        "SystemProcedureCall",
        "TransactionApply",
        "TransactionForeach",
        "AdministrationCommand",
    }
)
_COMMANDS = ("Show", "Terminate", "Create", "Drop", "Alter", "Start", "Stop", "Grant", "Deny", "Revoke", "Enable")

# The full-text indexes' text fields (schema/17_memory_text, 18_entity_names); each also indexes the scope fields.
_TEXT_FIELDS = {"memory": ("text",), "entity": ("name", "aliases_text")}


class Neo4jDialect(CypherDialect):
    """What is Neo4j's own: waiting for indexes to come online, EXPLAIN's query type as the read-only check, and
    Lucene query syntax for the full-text indexes."""

    def for_server(self, agent: str) -> CypherDialect:
        """The Bolt agent "Neo4j/5.26.30" -> 5.26; "Neo4j/2026.08.1" (a year as major version) -> the calendar line."""
        major = agent.rpartition("/")[2].split(".", 1)[0]
        return NEO4J_CALENDAR if major.isdigit() and int(major) >= 2025 else NEO4J

    def await_schema(self, session: Session) -> None:
        session.run("CALL db.awaitIndexes(300)").consume()

    def check_read_only(self, session: Session, text: str, params: dict[str, Any]) -> None:
        """EXPLAIN plans without running. Its query type is "r" only for a query that cannot write, but Neo4j types
        as reads some things that leave the graph: LOAD CSV (a file of the server, or a request it sends), every
        procedure, SHOW / TERMINATE commands, ``CALL {} IN TRANSACTIONS``. So the plan is walked too: an operator
        of ``_OUTSIDE``, or one that runs on another database than the query's (``AdministrationCommand@system``),
        is refused. A clause the session cannot run at all (``USE system ...``) fails EXPLAIN and is refused."""
        try:
            summary = session.run("EXPLAIN " + text, params).consume()
        except ClientError as exc:
            raise ValidationError("query", exc.message or str(exc)) from None
        if summary.query_type != "r":
            raise ValidationError("query", f"only read queries are allowed here (this one is {summary.query_type!r})")
        home = summary.database
        for operator, database in plan_operators(summary.plan):
            elsewhere = bool(home and database and database != home)
            if operator in _OUTSIDE or operator.startswith(_COMMANDS) or elsewhere:
                raise ValidationError(
                    "query", f"only reads of the graph are allowed here; the plan has {operator} ({database})"
                )

    def fulltext_query(self, kind: TextKind, terms: Sequence[str], scope: Scope) -> str:
        """The quoted word terms over the text fields, AND one zero-boost phrase per set scope field, so Lucene
        keeps only (a superset of) the scope's rows and the scores stay the text's. Scope values are escaped inside
        a quoted phrase, where only backslash and double quote are special; a value the analyzer reduces to nothing
        drops its clause (a wider superset), and the Cypher checks the scope exactly anyway."""
        words = quoted_or_query(terms)
        text = " OR ".join(f"{field}:({words})" for field in _TEXT_FIELDS[kind])
        clauses = [f"({text})"]
        for field, value in scope.as_dict().items():
            if value is not None:
                escaped = value.replace("\\", "\\\\").replace('"', '\\"')
                clauses.append(f'{field}:"{escaped}"^0')
        return " AND ".join(clauses)


NEO4J = Neo4jDialect("Neo4j", ("neo4j",))
NEO4J_CALENDAR = Neo4jDialect("Neo4j", ("neo4j_calendar", "neo4j"))


class Neo4jStore(CypherStore):
    """The Cypher store on Neo4j (5.26 or a calendar release, told apart once connected)."""

    def __init__(
        self,
        url: str,
        username: str | None,
        password: str | None,
        database: str | None,
        dim: int,
        exact_limit: int = 50_000,
        max_retry_time: float = 30.0,
    ) -> None:
        super().__init__(url, username, password, database, dim, NEO4J, exact_limit, max_retry_time)
