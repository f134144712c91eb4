"""Who a request acts for, as FastAPI dependencies: the routes never read a header or a tenant themselves.

``tenant_memory`` is the fence: the server's one ``Memory`` seen through ``for_tenant(key's tenant)``, whose every
scope carries the tenant and which the stores match exactly. Nothing in a request (ids, filters) names a tenant.
``principal_of`` and ``fenced`` are the same two steps without FastAPI, for ``/mcp`` (``mcp_http``), so both
doors of the server read a key and fence a tenant alike.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from graphmem.errors import AuthError
from graphmem.memory import Memory
from graphmem.service.keys import Keys, Principal

_SCHEMES = ("token", "bearer")  # mem0's platform sends "Token <key>"; "Bearer <key>" is what most clients send
# Declared so that the OpenAPI document says how to authenticate; the header is parsed below.
_HEADER = APIKeyHeader(name="Authorization", auto_error=False, description="Token <key> or Bearer <key>")


def principal_of(keys: Keys | None, header: str | None) -> Principal:
    """The tenant and rights of the key in an ``Authorization`` header value; ``AuthError`` (401) without a valid,
    unrevoked one. With ``--insecure-local`` (no key table) the library's own tenant, as admin."""
    if keys is None:
        return Principal(tenant="", admin=True)
    if not header:
        raise AuthError("missing API key: send the header 'Authorization: Token <key>'")
    scheme, _, key = header.strip().partition(" ")
    if scheme.lower() not in _SCHEMES or not key.strip():
        raise AuthError("malformed Authorization header: expected 'Token <key>' or 'Bearer <key>'")
    return keys.check(key.strip())


def fenced(memory: Memory, caller: Principal) -> Memory:
    """The server's memory as the caller's tenant sees it (the library's own tenant is the memory itself)."""
    return memory if caller.tenant == "" else memory.for_tenant(caller.tenant)


def principal(request: Request, header: Annotated[str | None, Depends(_HEADER)]) -> Principal:
    """``principal_of`` the request's header, against the app's key table."""
    return principal_of(request.app.state.keys, header)


Caller = Annotated[Principal, Depends(principal)]


def tenant_memory(request: Request, caller: Caller) -> Memory:
    return fenced(request.app.state.memory, caller)


def admin_memory(request: Request, caller: Caller) -> Memory:
    """``tenant_memory`` for calls that need an admin key (403 otherwise)."""
    if not caller.admin:
        raise AuthError("this call needs an admin API key (graphmem keys create --admin)", status=403)
    return tenant_memory(request, caller)


Fenced = Annotated[Memory, Depends(tenant_memory)]
Admin = Annotated[Memory, Depends(admin_memory)]
