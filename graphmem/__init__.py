"""graphmem: graph-first knowledge memory for AI agents, with a mem0-shaped API.

``Memory``, ``AsyncMemory`` and ``MemoryConfig`` are imported on first use (PEP 562), so ``import graphmem``, the
errors and ``graphmem --help`` do not pay for numpy, pydantic models and the pipelines until a memory is made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from graphmem.errors import (
    AuthError,
    ConfigError,
    ExtractionError,
    GraphmemError,
    NotFoundError,
    StoreConflict,
    StoreError,
    StoreUnavailable,
    ValidationError,
)

if TYPE_CHECKING:
    from graphmem.client import AsyncMemoryClient, MemoryClient
    from graphmem.config import MemoryConfig
    from graphmem.memory import AsyncMemory, Memory

_LAZY = {
    "AsyncMemory": "graphmem.memory",
    "Memory": "graphmem.memory",
    "MemoryConfig": "graphmem.config",
    "MemoryClient": "graphmem.client",  # needs httpx (the server extra)
    "AsyncMemoryClient": "graphmem.client",
}

__all__ = [
    "AsyncMemory",
    "AsyncMemoryClient",
    "AuthError",
    "ConfigError",
    "ExtractionError",
    "GraphmemError",
    "Memory",
    "MemoryClient",
    "MemoryConfig",
    "NotFoundError",
    "StoreConflict",
    "StoreError",
    "StoreUnavailable",
    "ValidationError",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'graphmem' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
