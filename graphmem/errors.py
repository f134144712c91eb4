"""Errors graphmem raises on purpose. Each names the field and value that was wrong and what is accepted."""

from __future__ import annotations


class GraphmemError(Exception):
    """Base class: catch this to handle every error graphmem raises deliberately."""


class ValidationError(GraphmemError, ValueError):
    """Bad input from the caller. ``field`` names the parameter or config key at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class ConfigError(ValidationError):
    """An unknown or malformed configuration key."""


class NotFoundError(GraphmemError, KeyError):
    """A memory (or other record) id that does not exist, or is outside the caller's scope."""

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident!r} not found")

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the args
        return f"{self.kind} {self.ident!r} not found"


class StoreError(GraphmemError):
    """The store could not be opened or written (path, permissions, corrupt file, unreachable server)."""


class StoreUnavailable(StoreError):
    """The store cannot serve the call now: server unreachable or connection lost (after the driver's retries),
    the file locked by another writer past the busy timeout, or not writable. Retrying later may succeed; every
    backend raises this same type, so callers handle it once."""


class StoreConflict(StoreError):
    """A write contradicted what is stored (a uniqueness rule of the store), e.g. an update that would make a
    memory a second current copy of another memory's fact. Nothing of the call was written."""


class ExtractionError(GraphmemError):
    """Extraction failed where nothing may be written without it (``update``): nothing changed; retry the call."""


class AuthError(GraphmemError):
    """The service refused the caller's credentials: no API key, an unknown or revoked one (HTTP 401), or a key
    without the right for the call, such as a non-admin key asking for ``reset`` (HTTP 403, ``status``)."""

    def __init__(self, message: str, status: int = 401) -> None:
        self.status = status
        super().__init__(message)
