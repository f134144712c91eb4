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

# The plan operators of reads that stay inside the graph: the only ones ``Memory.cypher`` accepts (an allow-list:
# an operator Neo4j adds later is refused until someone has looked at it). EXPLAIN names them alike on 5.26 and the
# calendar line, as "Expand(All)@neo4j": the mode in parentheses and the database after "@" are not part of the name.
# Left out on purpose: LoadCSV (files, URLs), ProcedureCall / SystemProcedureCall (a procedure may read files, call
# out or administer), TransactionApply / TransactionForeach (CALL {} IN TRANSACTIONS), RunQueryAt (another graph),
# every Show* / Terminate* command and administration operator, and every write.
_GRAPH_READS = frozenset(
    {
        # where rows start: scans, seeks and counts of nodes and relationships
        "AllNodesScan", "NodeByLabelScan", "NodeByIdSeek", "NodeByElementIdSeek",
        "NodeIndexSeek", "NodeUniqueIndexSeek", "MultiNodeIndexSeek", "AssertingMultiNodeIndexSeek",
        "NodeIndexSeekByRange", "NodeUniqueIndexSeekByRange", "NodeIndexContainsScan", "NodeIndexEndsWithScan",
        "NodeIndexScan", "IntersectionNodeByLabelsScan", "SubtractionNodeByLabelsScan", "UnionNodeByLabelsScan",
        "NodeCountFromCountStore", "RelationshipCountFromCountStore",
        "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
        "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan",
        "DirectedUnionRelationshipTypesScan", "UndirectedUnionRelationshipTypesScan",
        "DirectedRelationshipByIdSeek", "UndirectedRelationshipByIdSeek",
        "DirectedRelationshipByElementIdSeek", "UndirectedRelationshipByElementIdSeek",
        "DirectedRelationshipIndexSeek", "UndirectedRelationshipIndexSeek",
        "DirectedRelationshipUniqueIndexSeek", "UndirectedRelationshipUniqueIndexSeek",
        "DirectedRelationshipIndexSeekByRange", "UndirectedRelationshipIndexSeekByRange",
        "DirectedRelationshipUniqueIndexSeekByRange", "UndirectedRelationshipUniqueIndexSeekByRange",
        "DirectedRelationshipIndexScan", "UndirectedRelationshipIndexScan",
        "DirectedRelationshipIndexContainsScan", "UndirectedRelationshipIndexContainsScan",
        "DirectedRelationshipIndexEndsWithScan", "UndirectedRelationshipIndexEndsWithScan",
        "Argument", "ArgumentTracker", "EmptyRow",
        # traversals and path finding
        "Expand", "OptionalExpand", "VarLengthExpand", "BFSPruningVarLengthExpand", "ShortestPath",
        "StatefulShortestPath", "Trail", "Repeat", "NullifyMetadata", "ProjectEndpoints",
        "TriadicSelection", "TriadicBuild", "TriadicFilter", "AssertSameNode", "AssertSameRelationship",
        # combining rows: subqueries, EXISTS / COUNT, OPTIONAL MATCH, joins, UNION
        "Apply", "SemiApply", "AntiSemiApply", "LetSemiApply", "LetAntiSemiApply", "SelectOrSemiApply",
        "SelectOrAntiSemiApply", "LetSelectOrSemiApply", "LetSelectOrAntiSemiApply", "ConditionalApply",
        "AntiConditionalApply", "RollUpApply", "CartesianProduct", "NodeHashJoin", "ValueHashJoin",
        "NodeLeftOuterHashJoin", "NodeRightOuterHashJoin", "Union", "OrderedUnion", "Optional", "Anti",
        # shaping rows: WHERE, WITH, RETURN, aggregation, ORDER BY, SKIP, LIMIT, DISTINCT, UNWIND
        "Filter", "Projection", "Unwind", "EagerAggregation", "OrderedAggregation", "Distinct", "OrderedDistinct",
        "Sort", "PartialSort", "Top", "Top1WithTies", "PartialTop", "Limit", "ExhaustiveLimit", "Skip",
        "Eager", "CacheProperties", "EmptyResult", "ProduceResults",
    }
)  # fmt: skip

# The full-text indexes' text fields (schema/17_memory_text, 18_entity_names); each also indexes the scope fields
# and the tenant.
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
        procedure, SHOW / TERMINATE commands, ``CALL {} IN TRANSACTIONS``. So every operator of the plan must also
        be one of ``_GRAPH_READS`` and run on the query's own database (not ``AdministrationCommand@system``);
        the error names the first that is not. A clause the session cannot run at all (``USE system ...``) fails
        EXPLAIN and is refused."""
        try:
            summary = session.run("EXPLAIN " + text, params).consume()
        except ClientError as exc:
            raise ValidationError("query", exc.message or str(exc)) from None
        if summary.query_type != "r":
            raise ValidationError("query", f"only read queries are allowed here (this one is {summary.query_type!r})")
        home = summary.database
        for operator, database in plan_operators(summary.plan):
            elsewhere = bool(home and database and database != home)
            if operator.partition("(")[0] not in _GRAPH_READS or elsewhere:
                raise ValidationError(
                    "query",
                    f"only reads of the graph are allowed here; the plan has {operator} (on {database or '?'}), "
                    "not one of the read operators Memory.cypher accepts",
                )

    def fulltext_query(self, kind: TextKind, terms: Sequence[str], scope: Scope) -> str:
        """The quoted word terms over the text fields, AND one zero-boost phrase per set scope field, so Lucene
        keeps only (a superset of) the scope's rows and the scores stay the text's. Scope values are escaped inside
        a quoted phrase, where only backslash and double quote are special; a value the analyzer reduces to nothing
        drops its clause (a wider superset), and the Cypher checks the scope exactly anyway. The tenant gets its
        clause too (the indexes hold it), so another tenant's matches under the same user id never fill the pool;
        the library's tenant '' has no word to match and none."""
        words = quoted_or_query(terms)
        text = " OR ".join(f"{field}:({words})" for field in _TEXT_FIELDS[kind])
        clauses = [f"({text})"]
        for field, value in {**scope.as_dict(), "tenant": scope.tenant or None}.items():
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
