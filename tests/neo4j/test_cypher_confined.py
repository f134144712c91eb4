"""``Memory.cypher`` cannot leave the graph (issue 11, point 3): Neo4j types LOAD CSV, procedures, SHOW and
TERMINATE commands and ``CALL {} IN TRANSACTIONS`` as read queries, so the check walks the EXPLAIN plan as well.
Every form is tried on a real server; an http LOAD CSV must not even reach its listener."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from graphmem import Memory, ValidationError
from graphmem.providers.embed import Embedder
from graphmem.stores.neo4j import Neo4jStore
from tests.neo4j_server import Neo4jServer

REFUSED = [
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "LOAD CSV WITH HEADERS FROM 'file:///etc/hostname' AS row RETURN row",
    "CALL db.labels()",
    "CALL db.labels() YIELD label RETURN label",
    "CALL dbms.components() YIELD name RETURN name",
    "CALL db.index.fulltext.queryNodes('memory_text_scoped', 'tea') YIELD node RETURN node",
    "CALL apoc.load.json('file:///etc/passwd')",
    "MATCH (m:Memory) CALL db.labels() YIELD label RETURN m, label",
    "SHOW INDEXES",
    "SHOW PROCEDURES",
    "SHOW SETTINGS",
    "SHOW TRANSACTIONS",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "SHOW DATABASES",
    "SHOW CURRENT USER",
    "CREATE INDEX probe IF NOT EXISTS FOR (n:Probe) ON (n.x)",
    "DROP INDEX memory_scope IF EXISTS",
    "ALTER USER neo4j SET PASSWORD 'changed-by-a-test'",
    "STOP DATABASE neo4j",
    "START DATABASE neo4j",
    "USE system SHOW USERS",
    "USE system MATCH (n) RETURN n",
    "CALL { MATCH (m:Memory) RETURN m } IN TRANSACTIONS RETURN m",
    "MATCH (m:Memory) CALL (m) { RETURN m.text AS t } IN TRANSACTIONS OF 10 ROWS RETURN t",
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
