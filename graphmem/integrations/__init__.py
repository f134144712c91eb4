"""Adapters for the frameworks agent builders arrive through, each in an optional extra:

* ``graphmem.integrations.langchain`` (``graphmem[langchain]``): ``GraphmemRetriever`` and ``memory_tools``;
* ``graphmem.integrations.langgraph`` (``graphmem[langgraph]``): ``GraphmemStore``, a LangGraph ``BaseStore``;
* ``graphmem.integrations.autogen`` (``graphmem[autogen]``): ``GraphmemMemory``, an AutoGen ``Memory``.

Each takes a ``Memory`` (or a ``MemoryClient``: the same methods over HTTP) and a scope, and only calls its public
methods, so an adapter reads and writes exactly what the library and the service would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def supported_relations(result: Mapping[str, Any], relations: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The relations of a search answer that cite ``result`` (a memory of the same answer) as their source."""
    return [r for r in relations if result["id"] in r.get("provenance", {}).get("memory_ids", [])]
