"""Adapters for the frameworks agent builders arrive through, each in an optional extra:

* ``graphmem.integrations.langchain`` (``graphmem[langchain]``): ``GraphmemRetriever`` and ``memory_tools``;
* ``graphmem.integrations.langgraph`` (``graphmem[langgraph]``): ``GraphmemStore``, a LangGraph ``BaseStore``;
* ``graphmem.integrations.autogen`` (``graphmem[autogen]``): ``GraphmemMemory``, an AutoGen ``Memory``.

Each takes a ``Memory`` (or a ``MemoryClient``: the same methods over HTTP) and a scope, and only calls its public
methods, so an adapter reads and writes exactly what the library and the service would.
"""
