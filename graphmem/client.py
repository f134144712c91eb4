"""``MemoryClient`` and ``AsyncMemoryClient``: ``Memory``'s methods, names and parameters over ``graphmem serve``.

One design, two faces (as httpx's ``Client``/``AsyncClient``): each method is described once, as a function that
turns ``Memory``'s parameters into a ``Call`` (route, query, JSON body, how to read the answer); the two clients
differ only in how they send it. Answers are the dicts and lists ``Memory`` returns, and the server's errors come
back as graphmem's exceptions (``ValidationError`` with ``.field``, ``NotFoundError``, ``AuthError``, ...), so code
written against ``Memory`` runs against a server unchanged.

Connections are pooled (one ``httpx`` client per ``MemoryClient``); a 429 or 5xx answer, or a connection that
could not be made, is retried with exponential backoff (honouring ``Retry-After``); a 4xx is never retried.

What cannot cross the wire is refused here as ``Memory`` refuses it, with a ``ValidationError`` naming the field:
a value JSON has no form for (a set, bytes, NaN, a non-string key; ``json.dumps`` would raise ``TypeError``, or
quietly turn the key ``3`` into ``"3"``), and a lone surrogate in a URL (UTF-8 cannot encode it). Everything else
goes to the server, whose library checks the values with its own limits: lone surrogates in a body travel as
``\\ud800`` escapes, so the server refuses them by field exactly as ``Memory`` does.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import os
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar
from urllib.parse import quote

import httpx

import graphmem
from graphmem.errors import (
    AuthError,
    ExtractionError,
    GraphmemError,
    NotFoundError,
    StoreConflict,
    StoreUnavailable,
    ValidationError,
)
from graphmem.validate import check_chars

__all__ = ["AsyncMemoryClient", "MemoryClient"]

DEFAULT_HOST = "http://127.0.0.1:8000"  # where `graphmem serve` listens by default
DEFAULT_TIMEOUT = 60.0  # seconds; an add with an LLM extractor makes up to two model calls
DEFAULT_RETRIES = 3  # attempts after the first, on 429, 5xx or a refused connection
BACKOFF = 0.25  # seconds before the first retry, doubled each time (capped by MAX_BACKOFF)
MAX_BACKOFF = 8.0
# Nesting the client sends at most: the server's JSON parser stops at 200 levels, and the library's own limits are
# far below (``limits.max_metadata_depth``, 16 by default), so deeper data could only fail later and less clearly.
MAX_DEPTH = 100
_RETRIED_TRANSPORT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.RemoteProtocolError)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request of a method, and how its answer becomes what ``Memory``'s method returns."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    none_if_missing: bool = False  # ``get``: a 404 is None, as ``Memory.get`` answers


def _json(response: httpx.Response) -> Any:
    return response.json()


def _nothing(response: httpx.Response) -> None:
    return None


def _lines(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def _graph(response: httpx.Response) -> Any:
    """``GET /graph``'s nodes and edges as the ``networkx.MultiDiGraph`` ``Memory.to_networkx`` returns."""
    import networkx as nx

    data = response.json()
    graph = nx.MultiDiGraph()
    for node in data["nodes"]:
        graph.add_node(node["id"], **node["attributes"])
    for edge in data["edges"]:
        graph.add_edge(edge["source"], edge["target"], key=edge["key"], **edge["attributes"])
    return graph


def _url_text(field: str, value: Any) -> Any:
    """``value``, unless it is a string a URL cannot carry (a lone surrogate has no UTF-8 form): then ``Memory``'s
    own error for it, naming ``field``."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            check_chars(field, value, free_text=False)  # raises: no identifier may hold a lone surrogate
            raise
    return value


def _scope(user_id: str | None, agent_id: str | None, run_id: str | None) -> dict[str, str]:
    ids = (("user_id", user_id), ("agent_id", agent_id), ("run_id", run_id))
    return {k: _url_text(k, v) for k, v in ids if v is not None}


def _listed(value: Any) -> Any:
    """An iterable argument (a generator of triples) as a JSON list; anything else as given, for the server to
    judge (so a string where a list belongs gets the same ``ValidationError`` as from ``Memory``)."""
    if value is None or isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return list(value)


def _id(value: str) -> str:
    if not isinstance(value, str):
        raise ValidationError("memory_id", f"expected a non-empty string, got {value!r}")
    return quote(_url_text("memory_id", value), safe="")


def _jsonable(value: Any, field: str) -> Any:
    """A JSON-ready copy of one parameter (tuples as lists, datetimes as ISO-8601 strings), or a ``ValidationError``
    naming the first value JSON cannot hold, with the library's paths (``metadata.tags[2]``). Iterative, so data
    nested past any limit is refused by name instead of exhausting Python's recursion."""
    root: list[Any] = [None]
    stack: list[tuple[Any, str, list[Any] | dict[str, Any], int | str, int]] = [(value, field, root, 0, 0)]
    while stack:
        item, where, parent, slot, depth = stack.pop()
        if isinstance(item, dict | list | tuple) and depth >= MAX_DEPTH:
            raise ValidationError(where, f"is nested deeper than {MAX_DEPTH} levels of dicts and lists, more than "
                                         "MemoryClient sends (the server's limits.max_filter_depth and "
                                         "limits.max_metadata_depth are lower)")  # fmt: skip
        if isinstance(item, dict):
            copy: dict[str, Any] = {}
            for key, child in item.items():
                if not isinstance(key, str):
                    raise ValidationError(where, f"keys must be strings, got {type(key).__name__} {key!r}")
                stack.append((child, f"{where}.{key}", copy, key, depth + 1))
            parent[slot] = copy  # type: ignore[index]  # a list slot is an int, a dict slot a str
        elif isinstance(item, list | tuple):
            items: list[Any] = [None] * len(item)
            stack.extend((child, f"{where}[{i}]", items, i, depth + 1) for i, child in enumerate(item))
            parent[slot] = items  # type: ignore[index]
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValidationError(where, f"expected a finite number, got {item!r} (JSON has no NaN or infinity)")
        elif isinstance(item, datetime):
            parent[slot] = item.isoformat()  # type: ignore[index]
        elif item is None or isinstance(item, str | int | float):
            parent[slot] = item  # type: ignore[index]
        else:
            raise ValidationError(where, f"expected JSON (a string, number, bool, None, list or dict), got "
                                         f"{type(item).__name__}")  # fmt: skip
    return root[0]


# -- the calls: Memory's signatures, one function each -----------------------------------------------------------------
class Calls:
    """Memory's methods as requests: each takes the method's parameters and says what to send. Both clients
    are built from these, so their signatures are ``Memory``'s and cannot drift apart."""

    @staticmethod
    def add(
        messages: Any,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        infer: bool = True,
        prompt: str | None = None,
        triples: Iterable[Any] | None = None,
        facts: Iterable[Any] | None = None,
    ) -> Call[dict[str, Any]]:
        body = {"messages": messages, **_scope(user_id, agent_id, run_id), "metadata": metadata, "infer": infer}
        given = {"prompt": prompt, "triples": _listed(triples), "facts": _listed(facts)}
        return Call("POST", "/memories", _json, body={**body, **{k: v for k, v in given.items() if v is not None}})

    @staticmethod
    def search(
        query: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
        filters: dict[str, Any] | None = None,
        threshold: float | None = None,
        rerank: bool = False,
        as_of: datetime | str | None = None,
        recipe: str | Mapping[str, Any] | None = None,
        top_k: int | None = None,
    ) -> Call[dict[str, Any]]:
        """``filters`` may carry the scope (mem0 2.x): ``{"user_id": "alice"}`` or ``{"AND": [{"user_id": ...}]}``."""
        when = as_of.isoformat() if isinstance(as_of, datetime) else as_of
        body = {"query": query, **_scope(user_id, agent_id, run_id), "limit": limit, "top_k": top_k,
                "filters": filters, "threshold": threshold, "rerank": rerank, "as_of": when,
                "recipe": recipe}  # fmt: skip
        return Call("POST", "/search", _json, body=body)

    @staticmethod
    def context(
        query: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        max_tokens: int = 1000,
        limit: int | None = None,
        filters: dict[str, Any] | None = None,
        threshold: float | None = None,
        as_of: datetime | str | None = None,
        top_k: int | None = None,
    ) -> Call[dict[str, Any]]:
        """``Memory.context`` on the server (its token estimate: a ``count_tokens`` function cannot travel)."""
        when = as_of.isoformat() if isinstance(as_of, datetime) else as_of
        body = {"query": query, **_scope(user_id, agent_id, run_id), "max_tokens": max_tokens, "limit": limit,
                "top_k": top_k, "filters": filters, "threshold": threshold, "as_of": when}  # fmt: skip
        return Call("POST", "/context", _json, body=body)

    @staticmethod
    def get(
        memory_id: str, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> Call[dict[str, Any] | None]:
        return Call(
            "GET", f"/memories/{_id(memory_id)}", _json, _scope(user_id, agent_id, run_id), none_if_missing=True
        )

    @staticmethod
    def get_all(
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
        filters: dict[str, Any] | None = None,
        top_k: int | None = None,
    ) -> Call[dict[str, Any]]:
        params: dict[str, Any] = _scope(user_id, agent_id, run_id)
        params.update((k, v) for k, v in (("limit", limit), ("top_k", top_k)) if v is not None)
        if filters is not None:
            params["filters"] = json.dumps(_jsonable(filters, "filters"), allow_nan=False)
        return Call("GET", "/memories", _json, params)

    @staticmethod
    def update(
        memory_id: str,
        data: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> Call[dict[str, Any]]:
        path = f"/memories/{_id(memory_id)}"
        return Call("PUT", path, _json, _scope(user_id, agent_id, run_id), body={"data": data})

    @staticmethod
    def delete(
        memory_id: str, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> Call[dict[str, Any]]:
        return Call("DELETE", f"/memories/{_id(memory_id)}", _json, _scope(user_id, agent_id, run_id))

    @staticmethod
    def delete_all(
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Call[dict[str, Any]]:
        params: dict[str, Any] = _scope(user_id, agent_id, run_id)
        if filters is not None:
            params["filters"] = json.dumps(_jsonable(filters, "filters"), allow_nan=False)
        return Call("DELETE", "/memories", _json, params)

    @staticmethod
    def history(
        memory_id: str, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> Call[list[dict[str, Any]]]:
        return Call("GET", f"/memories/{_id(memory_id)}/history", _json, _scope(user_id, agent_id, run_id))

    @staticmethod
    def reset() -> Call[None]:
        """Needs an admin key."""
        return Call("POST", "/reset", _nothing)

    @staticmethod
    def retry_failed(
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        stale_after: timedelta | None = None,
    ) -> Call[dict[str, Any]]:
        body: dict[str, Any] = dict(_scope(user_id, agent_id, run_id))
        if stale_after is not None:
            body["stale_after_seconds"] = stale_after.total_seconds()
        return Call("POST", "/retry", _json, body=body)

    @staticmethod
    def add_triples(
        triples: Iterable[Any],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Call[dict[str, Any]]:
        body = {"triples": list(triples), **_scope(user_id, agent_id, run_id), "metadata": metadata}
        return Call("POST", "/triples", _json, body=body)

    @staticmethod
    def neighbors(
        entity: str,
        *,
        hops: int = 1,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
    ) -> Call[dict[str, Any]]:
        if not isinstance(entity, str) or not entity.strip():
            raise ValidationError("entity", f"expected an entity name, got {entity!r}")
        params = {**_scope(user_id, agent_id, run_id), "hops": hops, "limit": limit}
        return Call("GET", f"/entities/{quote(_url_text('entity', entity), safe='')}/neighbors", _json, params)

    @staticmethod
    def paths(
        source: str,
        target: str,
        *,
        max_hops: int = 3,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 10,
    ) -> Call[list[dict[str, Any]]]:
        body = {"source": source, "target": target, "max_hops": max_hops, "limit": limit,
                **_scope(user_id, agent_id, run_id)}  # fmt: skip
        return Call("POST", "/paths", _json, body=body)

    @staticmethod
    def to_networkx(
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        include_expired: bool = False,
    ) -> Call[Any]:
        params = {**_scope(user_id, agent_id, run_id), "include_expired": include_expired}
        return Call("GET", "/graph", _graph, params)

    @staticmethod
    def export(
        *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> Call[list[dict[str, Any]]]:
        return Call("GET", "/export", _lines, _scope(user_id, agent_id, run_id))

    @staticmethod
    def import_(
        records: Iterable[dict[str, Any]],
        *,
        progress: bool = False,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> Call[dict[str, Any]]:
        """``progress`` is accepted for ``Memory``'s signature; the server shows none."""
        return Call("POST", "/import", _json, body={"records": list(records), **_scope(user_id, agent_id, run_id)})


# -- answers -----------------------------------------------------------------------------------------------------------
def _retryable(response: httpx.Response) -> bool:
    return response.status_code == 429 or response.status_code >= 500


def _delay(attempt: int, response: httpx.Response | None) -> float:
    after = response.headers.get("Retry-After", "") if response is not None else ""
    if after.replace(".", "", 1).isdigit():
        return min(float(after), MAX_BACKOFF)
    return min(BACKOFF * float(2**attempt), MAX_BACKOFF)


def _answer(call: Call[T], response: httpx.Response) -> T:
    """What the method returns, or the server's error as the exception ``Memory`` would have raised."""
    status = response.status_code
    if status < 400:
        return call.read(response)
    if status == 404 and call.none_if_missing:
        return None  # type: ignore[return-value]  # Call[dict | None]: Memory.get's None
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    detail = str(body.get("detail") or response.reason_phrase or f"HTTP {status}")
    if status in (401, 403):
        raise AuthError(detail, status)
    if status == 404:
        raise NotFoundError(str(body.get("kind") or "resource"), str(body.get("id") or call.path))
    if status in (413, 422):
        name = str(body.get("field") or "body")
        raise ValidationError(name, detail.removeprefix(f"{name}: "))
    if status == 409:
        raise StoreConflict(detail)
    if status == 502:
        raise ExtractionError(detail)
    if status == 503:
        raise StoreUnavailable(detail)
    raise GraphmemError(f"the server answered {status}: {detail}")


class _Base:
    def __init__(
        self,
        api_key: str | None = None,
        host: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        max_connections: int = 100,
        transport: Any = None,
    ) -> None:
        """``api_key`` and ``host`` default to $GRAPHMEM_API_KEY and $GRAPHMEM_HOST (else ``DEFAULT_HOST``); no
        key at all is for a server started with ``--insecure-local``. ``transport``: an httpx transport to use
        instead of the network (e.g. ``httpx.ASGITransport(app)`` for an in-process server, in tests)."""
        self.host = (host or os.environ.get("GRAPHMEM_HOST") or DEFAULT_HOST).rstrip("/")
        key = api_key if api_key is not None else os.environ.get("GRAPHMEM_API_KEY")
        self.retries = retries
        self._options: dict[str, Any] = {
            "base_url": self.host,
            "timeout": httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            "limits": httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            "headers": {
                "User-Agent": f"graphmem-client/{graphmem.__version__}",
                **({"Authorization": f"Token {key}"} if key else {}),
            },
        }
        if transport is not None:
            self._options["transport"] = transport

    @staticmethod
    def _request(call: Call[Any]) -> dict[str, Any]:
        """httpx's arguments for ``call``. The body is encoded here, not by httpx: checked first (``_jsonable``),
        then with every non-ASCII character escaped, so a lone surrogate reaches the library's own check."""
        request: dict[str, Any] = {"method": call.method, "url": call.path, "params": call.params}
        if call.body is not None:
            body = {k: _jsonable(v, k) for k, v in call.body.items() if v is not None}
            request["content"] = json.dumps(body, allow_nan=False).encode("ascii")
            request["headers"] = {"Content-Type": "application/json"}
        return request

    def _unreachable(self, exc: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"cannot reach the graphmem server at {self.host}: {exc}")


def _sync(build: Callable[P, Call[T]]) -> Callable[Concatenate[MemoryClient, P], T]:
    @functools.wraps(build)
    def method(self: MemoryClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._send(build(*args, **kwargs))

    return method


def _async(build: Callable[P, Call[T]]) -> Callable[Concatenate[AsyncMemoryClient, P], Coroutine[Any, Any, T]]:
    @functools.wraps(build)
    async def method(self: AsyncMemoryClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._send(build(*args, **kwargs))

    return method


class MemoryClient(_Base):
    """``Memory`` over HTTP: ``MemoryClient(api_key=..., host=...)``, then ``add``, ``search``, ... as on
    ``Memory``. Use it as a context manager (or call ``close``) to release its pooled connections."""

    def __init__(self, api_key: str | None = None, host: str | None = None, **options: Any) -> None:
        super().__init__(api_key, host, **options)
        self._http = httpx.Client(**self._options)

    def _send(self, call: Call[T]) -> T:
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._http.request(**self._request(call))
            except _RETRIED_TRANSPORT as exc:
                if last:
                    raise self._unreachable(exc) from None
                time.sleep(_delay(attempt, None))
                continue
            except httpx.TransportError as exc:
                raise self._unreachable(exc) from None
            if _retryable(response) and not last:
                time.sleep(_delay(attempt, response))
                continue
            return _answer(call, response)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    add = _sync(Calls.add)
    search = _sync(Calls.search)
    context = _sync(Calls.context)
    get = _sync(Calls.get)
    get_all = _sync(Calls.get_all)
    update = _sync(Calls.update)
    delete = _sync(Calls.delete)
    delete_all = _sync(Calls.delete_all)
    history = _sync(Calls.history)
    reset = _sync(Calls.reset)
    retry_failed = _sync(Calls.retry_failed)
    add_triples = _sync(Calls.add_triples)
    neighbors = _sync(Calls.neighbors)
    paths = _sync(Calls.paths)
    to_networkx = _sync(Calls.to_networkx)
    export = _sync(Calls.export)
    import_ = _sync(Calls.import_)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MemoryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncMemoryClient(_Base):
    """``MemoryClient`` with every method a coroutine; concurrent calls share one connection pool."""

    def __init__(self, api_key: str | None = None, host: str | None = None, **options: Any) -> None:
        super().__init__(api_key, host, **options)
        self._http = httpx.AsyncClient(**self._options)

    async def _send(self, call: Call[T]) -> T:
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = await self._http.request(**self._request(call))
            except _RETRIED_TRANSPORT as exc:
                if last:
                    raise self._unreachable(exc) from None
                await asyncio.sleep(_delay(attempt, None))
                continue
            except httpx.TransportError as exc:
                raise self._unreachable(exc) from None
            if _retryable(response) and not last:
                await asyncio.sleep(_delay(attempt, response))
                continue
            return _answer(call, response)
        raise AssertionError("unreachable")

    add = _async(Calls.add)
    search = _async(Calls.search)
    context = _async(Calls.context)
    get = _async(Calls.get)
    get_all = _async(Calls.get_all)
    update = _async(Calls.update)
    delete = _async(Calls.delete)
    delete_all = _async(Calls.delete_all)
    history = _async(Calls.history)
    reset = _async(Calls.reset)
    retry_failed = _async(Calls.retry_failed)
    add_triples = _async(Calls.add_triples)
    neighbors = _async(Calls.neighbors)
    paths = _async(Calls.paths)
    to_networkx = _async(Calls.to_networkx)
    export = _async(Calls.export)
    import_ = _async(Calls.import_)

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncMemoryClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
