"""API keys of ``graphmem serve``: created, listed and revoked by ``graphmem keys``, checked on every request.

A key reads ``gm_<id>_<secret>``: the id finds the stored row (so a check costs one lookup and one hash, not a scan),
the secret is 32 random bytes shown once, at creation. The store keeps only a per-key salt and the PBKDF2-SHA256
digest of the secret, compared in constant time; ``keys list`` shows ids, tenants and dates, never a secret.

The keys live in the memory's own store, beside the data they fence: a table of the embedded store's SQLite file,
``:ApiKey`` nodes in Neo4j. Their queries are files in ``queries/<engine>/`` (one per file, parameters only), run
on the store's own connection or driver. Neither store's ``reset`` touches them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

from graphmem.errors import AuthError, NotFoundError, StoreError
from graphmem.models import utcnow
from graphmem.stores.base import Store

PREFIX = "gm"
# The secret is 256 random bits, so no guessing attack needs slowing down; the stretch is defence in depth for a
# leaked table, kept small because it runs on every request.
ITERATIONS = 10_000
_SECRET_BYTES = 32
_KEY_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class ApiKey:
    """A stored key as ``keys list`` shows it: never the secret, never its hash."""

    id: str
    tenant: str
    admin: bool
    created_at: str
    revoked_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant": self.tenant,
            "admin": self.admin,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: the tenant its key belongs to (``""``: the library's own, ``--insecure-local``)."""

    tenant: str
    admin: bool
    key_id: str | None = None


class KeyTable(Protocol):
    """The five statements a store answers for the keys (rows as dicts with the columns the query files name)."""

    def run(self, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]: ...

    def changed(self, name: str, params: Mapping[str, Any]) -> int: ...


def _query(engine: str, name: str) -> str:
    suffix = "sql" if engine == "sqlite" else "cypher"
    return (resources.files("graphmem.service") / "queries" / engine / f"{name}.{suffix}").read_text(encoding="utf-8")


class SqliteKeys:
    """The keys table in the embedded store's file, through the store's per-thread connection (WAL, busy
    timeout and error translation included)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._conn().executescript(_query("sqlite", "schema"))

    def _conn(self) -> Any:
        return self._store._conn()  # the store's own connection: one file, one set of pragmas

    def run(self, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        return list(self._conn().execute(_query("sqlite", name), dict(params)).fetchall())

    def changed(self, name: str, params: Mapping[str, Any]) -> int:
        return int(self._conn().execute(_query("sqlite", name), dict(params)).rowcount)


class Neo4jKeys:
    """``:ApiKey`` nodes, through the store's driver and database."""

    def __init__(self, store: Any) -> None:
        self._driver = store._driver  # the store's own driver: its pool, credentials and database
        self._database = store.database
        self._execute(_query("neo4j", "schema"), {})

    def _execute(self, text: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        records, _, _ = self._driver.execute_query(text, dict(params), database_=self._database)
        return [record.data() for record in records]

    def run(self, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        return self._execute(_query("neo4j", name), params)

    def changed(self, name: str, params: Mapping[str, Any]) -> int:
        rows = self._execute(_query("neo4j", name), params)
        return int(rows[0]["n"]) if rows else 0


def key_table(store: Store) -> KeyTable:
    """The keys table of the store a memory works on; a store with neither kind of connection has none."""
    from graphmem.stores.cypher.store import CypherStore
    from graphmem.stores.embedded import EmbeddedStore

    if isinstance(store, EmbeddedStore):
        return SqliteKeys(store)
    if isinstance(store, CypherStore):
        return Neo4jKeys(store)
    raise StoreError(f"API keys are kept in the embedded or the neo4j store; {type(store).__name__} cannot hold them")


def _digest(secret: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), ITERATIONS).hex()


def parse(key: str) -> tuple[str, str] | None:
    """``(id, secret)`` of a well-formed key, else None (the id is hex, so the first two underscores split it)."""
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not secret or not _KEY_ID.fullmatch(key_id):
        return None
    return key_id, secret


class Keys:
    """Create, list, revoke and check keys in one store's table."""

    def __init__(self, table: KeyTable) -> None:
        self.table = table

    def create(self, tenant: str, admin: bool = False) -> tuple[ApiKey, str]:
        """The new key's record and the key itself, which is shown this once and never stored."""
        key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(_SECRET_BYTES), secrets.token_hex(16)
        created = utcnow().isoformat()
        self.table.run(
            "insert",
            {"id": key_id, "tenant": tenant, "admin": admin, "salt": salt, "digest": _digest(secret, salt),
             "created_at": created},
        )  # fmt: skip
        return ApiKey(key_id, tenant, admin, created), f"{PREFIX}_{key_id}_{secret}"

    def list_keys(self) -> list[ApiKey]:
        return [_record(row) for row in self.table.run("list", {})]

    def revoke(self, key_id: str) -> None:
        """Revoke a key at once (every later request with it is 401); an unknown or revoked id is ``NotFoundError``."""
        if not self.table.changed("revoke", {"id": key_id, "revoked_at": utcnow().isoformat()}):
            raise NotFoundError("active API key", key_id)

    def any_active(self) -> bool:
        rows = self.table.run("active", {})
        return bool(rows and rows[0]["n"])

    def check(self, key: str) -> Principal:
        """The principal of a valid, unrevoked key; ``AuthError`` (401) otherwise, saying no more than that."""
        parsed = parse(key)
        rows = self.table.run("get", {"id": parsed[0]}) if parsed else []
        if parsed is None or not rows:
            raise AuthError("invalid API key")
        row = rows[0]
        if not hmac.compare_digest(_digest(parsed[1], row["salt"]), row["digest"]):
            raise AuthError("invalid API key")
        if row["revoked_at"] is not None:
            raise AuthError("this API key was revoked")
        return Principal(tenant=row["tenant"], admin=bool(row["admin"]), key_id=row["id"])


def _record(row: Mapping[str, Any]) -> ApiKey:
    return ApiKey(row["id"], row["tenant"], bool(row["admin"]), row["created_at"], row["revoked_at"])
