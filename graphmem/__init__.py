"""graphmem: graph-first knowledge memory for AI agents, with a mem0-shaped API."""

from graphmem.config import MemoryConfig
from graphmem.errors import ConfigError, GraphmemError, NotFoundError, StoreError, ValidationError
from graphmem.memory import AsyncMemory, Memory

__all__ = [
    "AsyncMemory",
    "ConfigError",
    "GraphmemError",
    "Memory",
    "MemoryConfig",
    "NotFoundError",
    "StoreError",
    "ValidationError",
]
__version__ = "0.1.0"
