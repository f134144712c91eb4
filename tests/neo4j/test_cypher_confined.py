"""``Memory.cypher`` cannot leave the graph (issue 11, point 3): Neo4j types LOAD CSV, procedures, SHOW and
TERMINATE commands and ``CALL {} IN TRANSACTIONS`` as read queries, so the check walks the EXPLAIN plan as well and
accepts only the operators of reads that stay in the graph (an allow-list). Every refused form is tried on a real
server (5.26, or the calendar line with GRAPHMEM_NEO4J_VERSION=calendar) and refused naming its operator; a broad
set of ordinary reads still runs; an http LOAD CSV must not even reach its listener."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from graphmem import Memory, ValidationError
from graphmem.providers.embed import Embedder
from graphmem.stores.neo4j import NEO4J, Neo4jStore
from tests.neo4j_server import Neo4jServer

# query -> the plan operator the refusal names (None: EXPLAIN itself fails, and the server's error is the answer)
REFUSED_BY: dict[str, str | None] = {
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line": "LoadCSV",
    "LOAD CSV WITH HEADERS FROM 'file:///etc/hostname' AS row RETURN row": "LoadCSV",
    "CALL db.labels()": "ProcedureCall",
    "CALL db.labels() YIELD label RETURN label": "ProcedureCall",
    "CALL dbms.components() YIELD name RETURN name": None,  # typed "s" (schema), refused before the plan is read
    "CALL db.index.fulltext.queryNodes('memory_text_tenant', 'tea') YIELD node RETURN node": "ProcedureCall",
    "CALL db.index.vector.queryNodes('memory_embedding', 3, [0.1]) YIELD node RETURN node": "ProcedureCall",
    "CALL apoc.load.json('file:///etc/passwd')": None,  # no APOC here: "no such procedure"
    "MATCH (m:Memory) CALL db.labels() YIELD label RETURN m, label": "ProcedureCall",
    "SHOW INDEXES": "ShowIndexes",
    "SHOW PROCEDURES": "ShowProcedures",
    "SHOW FUNCTIONS": "ShowFunctions",
    "SHOW CONSTRAINTS": "ShowConstraints",
    "SHOW SETTINGS": "ShowSettings",
    "SHOW TRANSACTIONS": "ShowTransactions",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'": "TerminateTransactions",
    "SHOW DATABASES": None,
    "SHOW CURRENT USER": None,
    "CREATE INDEX probe IF NOT EXISTS FOR (n:Probe) ON (n.x)": None,
    "DROP INDEX memory_scope IF EXISTS": None,
    "ALTER USER neo4j SET PASSWORD 'changed-by-a-test'": None,
    "STOP DATABASE neo4j": None,
    "START DATABASE neo4j": None,
    "USE system SHOW USERS": None,
    "USE system MATCH (n) RETURN n": None,
    "CALL { MATCH (m:Memory) RETURN m } IN TRANSACTIONS RETURN m": "TransactionApply",
    "MATCH (m:Memory) CALL (m) { RETURN m.text AS t } IN TRANSACTIONS OF 10 ROWS RETURN t": "TransactionApply",
}
REFUSED = list(REFUSED_BY)

# Ordinary reads: every clause and function family a caller may use to look at the graph; all must run.
READS = [
    "MATCH (n) RETURN n LIMIT 5",
    "MATCH (a:Entity) WHERE a.user_id = $u AND a.name STARTS WITH 'A' RETURN a.name ORDER BY a.name DESC SKIP 0",
    "MATCH (a:Entity) WHERE a.name CONTAINS 'a' OR a.name ENDS WITH 'e' OR a.name =~ 'A.*' RETURN a.name",
    "MATCH (a:Entity {user_id: $u}) OPTIONAL MATCH (a)-[r]->(b) RETURN a.name, count(r) AS n",
    "MATCH (a:Entity {user_id: $u}) RETURN a.type, count(*), collect(a.name), avg(size(a.name)), min(a.name), sum(1)",
    "MATCH (a:Entity {user_id: $u}) RETURN percentileCont(size(a.name), 0.5), stDev(size(a.name))",
    "MATCH (a:Entity {user_id: $u}) RETURN DISTINCT a.type",
    "MATCH (a:Entity {user_id: $u}) WITH a ORDER BY a.name LIMIT 2 MATCH (a)-[r]-(b) RETURN a, r, b",
    "MATCH (a:Entity {user_id: $u}) WITH a.type AS t, count(*) AS c ORDER BY c DESC RETURN t, c LIMIT 5",
    "UNWIND $names AS n MATCH (e:Entity {name: n}) RETURN e",
    "RETURN 1 AS x UNION RETURN 2 AS x",
    "RETURN 1 AS x UNION ALL RETURN 1 AS x",
    "MATCH p = allShortestPaths((a:Entity {name: 'Ada'})-[*..3]-(b:Entity {name: 'Grace'})) RETURN nodes(p)",
    "MATCH p = (a:Entity {name: 'Ada'})-[*1..3]-(b) RETURN p",
    "MATCH p = ANY SHORTEST (a:Entity {name: 'Ada'})-[]-{1,3}(b:Entity {name: 'Grace'}) RETURN length(p)",
    "MATCH p = SHORTEST 2 (a:Entity {name: 'Ada'})-[]-+(b:Entity {name: 'Grace'}) RETURN length(p)",
    "MATCH (a:Entity {name: 'Ada'}) ((x)-[:RELATES]->(y)){1,3} (b) RETURN b.name",
    "MATCH (a:Entity {user_id: $u}) OPTIONAL MATCH (a)-[:RELATES*1..2]-(b) RETURN DISTINCT b.name",
    "MATCH (a:Entity {user_id: $u}) WHERE EXISTS { (a)-[:RELATES]->() } RETURN a",
    "MATCH (a:Entity {user_id: $u}) WHERE NOT EXISTS { MATCH (a)<-[:RELATES]-() } RETURN a",
    "MATCH (a:Entity {user_id: $u}) RETURN COUNT { (a)--() } AS deg, [(a)-->(b) | b.name] AS outs",
    "MATCH (a:Entity {user_id: $u}) RETURN a { .name, .type }, labels(a), keys(a), properties(a), elementId(a)",
    "MATCH (a:Entity {user_id: $u}) RETURN CASE WHEN a.name = 'Ada' THEN 1 ELSE 0 END, coalesce(a.type, 'x')",
    "MATCH (a:Entity {user_id: $u}) RETURN reduce(s = 0, x IN [1, 2] | s + x), [x IN range(1, 3) WHERE x > 1 | x]",
    "MATCH (a:Entity), (b:Entity) WHERE a.user_id = $u AND b.user_id = $u AND a <> b RETURN a.name, b.name",
    "MATCH (a:Entity)-[r:RELATES]->(b:Entity) WHERE r.type = 'KNOWS' RETURN type(r), startNode(r), endNode(r)",
    "MATCH (a)-[r]->(b) RETURN r LIMIT 3",
    "MATCH ()-[r:RELATES]->() RETURN count(r)",
    "MATCH (n:Entity) RETURN count(n)",
    "MATCH (n) WHERE n:Entity OR n:Memory RETURN count(n)",
    "MATCH (n:Entity&!Memory) RETURN count(n)",
    "MATCH (e:Entity) WHERE elementId(e) = $id RETURN e",
    "MATCH (m:Memory) WHERE m.created_at > datetime('2020-01-01') RETURN m.text ORDER BY m.created_at DESC",
    "MATCH (m:Memory) RETURN vector.similarity.cosine(m.embedding, m.embedding) AS s ORDER BY s DESC LIMIT 3",
    "MATCH (a:Entity {user_id: $u}) WITH collect(a) AS all UNWIND all AS a RETURN a.name",
]


@pytest.fixture
def memory(neo4j_server: Neo4jServer, embedder: Embedder) -> Iterator[Memory]:
    store = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, embedder.dim)
    store.reset()
    m = Memory(store=store, embedder=embedder)
    m.add_triples([("Ada", "KNOWS", "Grace")], user_id="u")
    yield m
    m.close()


@pytest.mark.parametrize("query", REFUSED)
def test_a_query_that_leaves_the_graph_is_refused(memory: Memory, query: str) -> None:
    with pytest.raises(ValidationError) as info:
        memory.cypher(query)
    assert info.value.field == "query"
    operator = REFUSED_BY[query]
    if operator is not None:
        assert f"the plan has {operator} (on neo4j)" in str(info.value)


def test_ordinary_reads_run(memory: Memory) -> None:
    """Every operator these plans use is on the allow-list, on both release lines (their names differ only in the
    mode in parentheses: ``StatefulShortestPath(Into)`` on 5.26, ``StatefulShortestPath(Into, Trail)`` later)."""
    [row] = memory.cypher("MATCH (e:Entity {name: 'Ada'}) RETURN elementId(e) AS id")
    refused = {}
    for query in READS:
        try:
            memory.cypher(query, {"u": "u", "names": ["Ada"], "id": row["id"]})
        except ValidationError as exc:
            refused[query] = str(exc)
    assert refused == {}


class _Plan:
    """What ``check_read_only`` reads of a driver session: ``run(...).consume()`` with a query type and a plan."""

    def __init__(self, *operators: str) -> None:
        self.query_type, self.database = "r", "neo4j"
        self.plan: dict[str, Any] = {"operatorType": "ProduceResults@neo4j", "children": []}
        for operator in operators:
            self.plan = {"operatorType": f"{operator}@neo4j", "children": [self.plan]}

    def run(self, text: str, params: dict[str, Any]) -> _Plan:
        return self

    def consume(self) -> _Plan:
        return self


@pytest.mark.parametrize(
    "operator", ["RunQueryAt", "SubqueryForeach", "Input", "ShowVectorIndexes", "SomeOperatorOfNeo4j2030"]
)
def test_an_operator_not_on_the_allow_list_is_refused_by_name(operator: str) -> None:
    """Not a deny-list: an operator nobody has looked at yet (a later release's, a composite database's) is refused."""
    accepted = _Plan("NodeByLabelScan", "Expand(All)", "Filter")
    NEO4J.check_read_only(accepted, "MATCH ...", {})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=re.escape(f"the plan has {operator} (on neo4j)")):
        NEO4J.check_read_only(_Plan("NodeByLabelScan", operator, "Filter"), "MATCH ...", {})  # type: ignore[arg-type]


class _Listener(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"a,b\n1,2\n")

    def log_message(self, *args: object) -> None:
        return None


def test_load_csv_of_a_url_sends_no_request(memory: Memory) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/probe.csv"
        for query in (f"LOAD CSV FROM '{url}' AS line RETURN line", "LOAD CSV FROM $url AS line RETURN count(*)"):
            with pytest.raises(ValidationError, match="LoadCSV"):
                memory.cypher(query, {"url": url})
    finally:
        server.shutdown()
        server.server_close()
    assert _Listener.requests == []


def test_plain_reads_still_run(memory: Memory) -> None:
    reads = {
        "MATCH (a:Entity {user_id: $u})-[r:RELATES]->(b) RETURN a.name AS a, b.name AS b": [{"a": "Ada", "b": "Grace"}],
        "MATCH (a:Entity {user_id: $u}) CALL (a) { MATCH (a)-[:RELATES]->(b) RETURN b.name AS b } RETURN b": [
            {"b": "Grace"}
        ],
        "MATCH p = shortestPath((a:Entity {name: 'Ada'})-[*..3]-(b:Entity {name: 'Grace'})) RETURN length(p) AS n": [
            {"n": 1}
        ],
        "USE neo4j MATCH (e:Entity {user_id: $u}) RETURN count(e) AS n": [{"n": 2}],
        "UNWIND [1, 2] AS x RETURN x ORDER BY x DESC LIMIT 1": [{"x": 2}],
    }
    for query, expected in reads.items():
        assert memory.cypher(query, {"u": "u"}) == expected, query
