"""Starting the server: the checks ``graphmem serve`` makes before it listens, then uvicorn.

A server that could answer without keys must not be reachable from elsewhere by accident, so it refuses to start
when its store holds no active key, unless ``insecure_local`` asks for key-less serving, which binds loopback only.
"""

from __future__ import annotations

from graphmem.errors import GraphmemError, ValidationError
from graphmem.memory import Memory
from graphmem.service.app import MAX_BODY_BYTES, create_app
from graphmem.service.keys import Keys, key_table

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def serve(
    memory: Memory,
    host: str,
    port: int,
    *,
    insecure_local: bool = False,
    max_body_bytes: int = MAX_BODY_BYTES,
    log_level: str = "info",
) -> None:
    import uvicorn

    if insecure_local:
        if host not in LOOPBACK:
            raise ValidationError(
                "host", f"--insecure-local serves without API keys, so it binds loopback only (127.0.0.1, ::1 or "
                f"localhost), not {host!r}; create a key (graphmem keys create --tenant NAME) to serve elsewhere"
            )  # fmt: skip
        keys = None
    else:
        keys = Keys(key_table(memory.store))
        if not keys.any_active():
            raise GraphmemError(
                "this store holds no active API key, so every request would be refused: create one with "
                "`graphmem keys create --tenant NAME` (same --store/--config), or serve this machine alone with "
                "--insecure-local"
            )
    if max_body_bytes < 1:
        raise ValidationError("max_body_bytes", f"expected a positive number of bytes, got {max_body_bytes}")
    app = create_app(memory, keys, max_body_bytes=max_body_bytes)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
