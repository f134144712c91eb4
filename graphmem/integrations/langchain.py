"""LangChain: a retriever over a scope's memories and the tools an agent uses to add, search and trace them.

``GraphmemRetriever`` is a ``BaseRetriever``: ``retriever.invoke(query)`` returns ``Document``s whose text is the
memory and whose metadata holds its id, score, similarity, lanes, scope, times, the caller's metadata and the
relations that memory supports (so a chain can cite them). ``memory_tools(memory, user_id=...)`` returns three
``StructuredTool``s with argument schemas for tool-calling models: ``add_memory``, ``search_memory`` (a prompt-ready
block, ``Memory.context``) and ``find_paths`` (how two things are linked, each hop with its source).
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ConfigDict, Field

from graphmem.errors import NotFoundError
from graphmem.integrations import supported_relations

__all__ = ["GraphmemRetriever", "memory_tools", "to_document"]


class GraphmemRetriever(BaseRetriever):
    """Memories of one scope for a query, best first, as ``Document``s (``Memory.search`` underneath)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: Any = Field(description="a graphmem Memory or MemoryClient")
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    limit: int = Field(default=5, ge=1)
    filters: dict[str, Any] | None = None
    threshold: float | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        found = self.memory.search(query, user_id=self.user_id, agent_id=self.agent_id, run_id=self.run_id,
                                   limit=self.limit, filters=self.filters, threshold=self.threshold)  # fmt: skip
        return [to_document(result, found["relations"]) for result in found["results"]]


def to_document(result: dict[str, Any], relations: list[dict[str, Any]]) -> Document:
    """One search result as a ``Document``: the memory's text, and as metadata its id, ``score``, ``similarity``,
    ``lanes``, scope ids, times, ``metadata`` (the caller's) and ``relations`` (those of the answer it supports)."""
    keys = ("id", "score", "similarity", "lanes", "user_id", "agent_id", "run_id", "created_at", "updated_at",
            "categories", "metadata", "episode_ids")  # fmt: skip
    meta = {k: result[k] for k in keys if result.get(k) is not None}
    meta["relations"] = supported_relations(result, relations)
    return Document(id=result["id"], page_content=result["memory"], metadata=meta)


class _AddArgs(BaseModel):
    text: str = Field(description="What to remember, in plain words (a fact, a preference, an event)")
    metadata: dict[str, Any] | None = Field(default=None, description="Optional labels, e.g. {'source': 'chat'}")


class _SearchArgs(BaseModel):
    query: str = Field(description="What to look for, as a question or keywords")
    limit: int = Field(default=5, ge=1, le=50, description="How many memories at most")


class _PathsArgs(BaseModel):
    source: str = Field(description="The first entity's name (a person, company, place, ...)")
    target: str = Field(description="The second entity's name")
    max_hops: int = Field(default=3, ge=1, le=6, description="The longest chain of relations to follow")


def memory_tools(
    memory: Any,
    *,
    user_id: str | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    max_tokens: int = 800,
) -> list[BaseTool]:
    """``add_memory``, ``search_memory`` and ``find_paths`` bound to one scope (the model never chooses whose
    memory it reads or writes). Each answers in text a model can read; ``search_memory`` within ``max_tokens``."""
    scope = {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}

    def add_memory(text: str, metadata: dict[str, Any] | None = None) -> str:
        done = memory.add(text, **scope, metadata=metadata)
        stored = [f"{r['event']} {r['memory']}" for r in done["results"]]
        links = [f"{r['source']} -{r['relationship']}-> {r['destination']}" for r in done["relations"]["added"]]
        return "\n".join(stored + links) or "nothing new to remember"

    def search_memory(query: str, limit: int = 5) -> str:
        block = memory.context(query, **scope, limit=limit, max_tokens=max_tokens)
        return block["context"] or "no memories found"

    def find_paths(source: str, target: str, max_hops: int = 3) -> str:
        try:
            found = memory.paths(source, target, **scope, max_hops=max_hops, limit=5)
        except NotFoundError as exc:  # an answer the model can act on (ask, or try another name), not a crash
            return f"{exc}: nothing is remembered under that name"
        if not found:
            return f"no link between {source} and {target} within {max_hops} hops"
        return "\n".join(_path_line(path, _start(path, source)) for path in found)

    return [
        StructuredTool.from_function(add_memory, name="add_memory", args_schema=_AddArgs,
                                     description="Remember something about the user or the conversation."),
        StructuredTool.from_function(search_memory, name="search_memory", args_schema=_SearchArgs,
                                     description="Look up what is remembered: the best memories and the relations "
                                                 "between what they name, each with its date and source."),
        StructuredTool.from_function(find_paths, name="find_paths", args_schema=_PathsArgs,
                                     description="How two things are linked: chains of relations, each hop with "
                                                 "the record it came from."),
    ]  # fmt: skip


def _path_line(path: dict[str, Any], start: str) -> str:
    """``Jane -WORKS_AT-> Acme <-SIGNED- Bob (from: "Jane joined Acme ..."; "...")``: the hops in the order walked,
    each arrow the way its relation points, then the episodes the hops came from (their first 80 characters)."""
    chain, here = start, start
    for hop in path["hops"]:
        if hop["source"] == here:
            chain, here = f"{chain} -{hop['relationship']}-> {hop['destination']}", hop["destination"]
        else:
            chain, here = f"{chain} <-{hop['relationship']}- {hop['source']}", hop["source"]
    excerpts = dict.fromkeys(e["excerpt"][:80] for h in path["hops"] for e in h.get("episodes", []) if e.get("excerpt"))
    return chain + (f" (from: {'; '.join(repr(x) for x in excerpts)})" if excerpts else "")


def _start(path: dict[str, Any], given: str) -> str:
    """The entity the path starts from, as stored (the caller may have named it by an alias or in other case): the
    end of the first hop that the second does not touch; on a one-hop path, the end named ``given``."""
    first, rest = path["hops"][0], path["hops"][1:]
    if rest:
        touched = {rest[0]["source"], rest[0]["destination"]}
        return str(first["source"] if first["destination"] in touched else first["destination"])
    named = first["destination"].casefold() == given.casefold() != first["source"].casefold()
    return str(first["destination"] if named else first["source"])
