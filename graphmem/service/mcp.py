"""The MCP server: ``Memory``'s methods as tools an agent can call, on the official SDK's ``MCPServer``.

One tool per method, with the library's parameter names and answers (structured output: the method's dict, a list
wrapped as ``{"result": [...]}``), so what the README and the docstrings say of ``Memory`` holds for the tools too.
The descriptions are written for the model that reads them: what comes back, and which scope a call needs.

The server does not hold a ``Memory``: each call asks ``memory_for`` for the memory of the request it serves. Over
stdio that is one memory for the process; over HTTP (``mcp_http``) it is the server's memory fenced to the tenant of
the request's API key, so the tenant is never an argument a caller could change.

Every error graphmem raises on purpose comes back as a tool error (``isError``) with the library's own message, which
names the field at fault; anything else is the SDK's generic tool error, logged on the server, never a traceback.
This module needs only the ``mcp`` extra (no FastAPI), so ``graphmem mcp`` runs without the server extra.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field
from typing_extensions import NotRequired, TypedDict

import graphmem
from graphmem.errors import GraphmemError, NotFoundError, ValidationError
from graphmem.memory import Memory

F = TypeVar("F", bound=Callable[..., Any])

MemoryFor = Callable[[Context], Memory]
"""The memory one tool call acts on, from that call's context (its HTTP request, or none over stdio)."""

INSTRUCTIONS = (
    "graphmem is a long-term memory: conversations go in with add_memory, which keeps the text and extracts facts, "
    "entities and relations into a graph; search_memory finds them again. Every memory lives in a scope made of "
    "user_id, agent_id and run_id: give the same ids to find what you stored. Calls that add or list need at least "
    "one of the three; calls on one memory id take them optionally, to refuse a memory outside that scope."
)

_READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
_WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
_DESTROY = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)

UserId = Annotated[str | None, Field(description="Scope: the user the memories are about (e.g. 'alice').")]
AgentId = Annotated[str | None, Field(description="Scope: the agent the memories belong to.")]
RunId = Annotated[str | None, Field(description="Scope: one session or conversation run.")]
MemoryId = Annotated[str, Field(description="A memory's id, as add_memory, search_memory or get_memories gave it.")]
Metadata = Annotated[
    dict[str, Any] | None, Field(description="JSON object stored with the memories (searchable with filters).")
]
Filters = Annotated[
    dict[str, Any] | None,
    Field(
        description='Condition on metadata and fields, e.g. {"category": "food"}, {"AND": [...]}, {"OR": [...]}, '
        '{"created_at": {"gte": "2025-01-01"}}; scope ids may be given here too: {"AND": [{"user_id": "alice"}]}.'
    ),
]
Limit = Annotated[int, Field(description="Most results to return (a positive integer).")]
Recipe = Annotated[
    str | None,
    Field(
        description="Which ranking: 'default' (all lanes), 'keyword' (BM25), 'semantic' (vectors), 'graph' (the "
        "entity walk leads); default: the server's configured recipe."
    ),
]
Triples = Annotated[
    list[list[str] | dict[str, Any]],
    Field(
        description='Known facts as ["source", "RELATIONSHIP", "target"] lists or {"source", "relationship", '
        '"destination"} objects, e.g. ["Alice", "WORKS_AT", "Acme"].'
    ),
]


class ChatMessage(TypedDict):
    """One message of a conversation, in the chat format most models use."""

    role: NotRequired[Literal["user", "assistant", "system", "tool"]]
    content: str | list[dict[str, Any]]
    name: NotRequired[str]


Messages = Annotated[
    str | list[ChatMessage],
    Field(description="What to remember: plain text (said by the user), or a conversation of {role, content}."),
]


@contextmanager
def tool_errors() -> Iterator[None]:
    """graphmem's own errors as tool errors: their message names the field or id, which the model can act on."""
    try:
        yield
    except GraphmemError as exc:
        raise ToolError(str(exc)) from exc


class _Ids(TypedDict, total=False):
    """The scope ids a tool was given (typed, so ``**ids`` cannot land on another parameter)."""

    user_id: str
    agent_id: str
    run_id: str


def _scope(user_id: str | None, agent_id: str | None, run_id: str | None) -> _Ids:
    ids = _Ids()
    if user_id is not None:
        ids["user_id"] = user_id
    if agent_id is not None:
        ids["agent_id"] = agent_id
    if run_id is not None:
        ids["run_id"] = run_id
    return ids


def build_server(memory_for: MemoryFor) -> MCPServer:
    """The MCP server with its twelve tools, each acting on ``memory_for(context)``."""
    server: MCPServer = MCPServer("graphmem", version=graphmem.__version__, instructions=INSTRUCTIONS,
                                  log_level="WARNING")  # fmt: skip
    accepted: dict[str, frozenset[str]] = {}

    def tool(annotations: ToolAnnotations) -> Callable[[F], F]:
        """``server.tool``, also noting the argument names the tool takes (see ``acting``)."""

        def register(fn: F) -> F:
            server.add_tool(fn, annotations=annotations)
            accepted[fn.__name__] = frozenset(inspect.signature(fn).parameters) - {"ctx"}
            return fn

        return register

    def acting(ctx: Context) -> Memory:
        """The memory this call acts on, once its arguments are known to be the tool's own. The SDK drops an unknown
        argument silently; refusing it instead keeps a misspelt scope id from widening a call, as the REST bodies
        do (``delete_memory`` with ``userid=`` would otherwise act outside the scope the caller meant)."""
        params = ctx.request_context.params or {}
        known = accepted[params["name"]]
        unknown = sorted(set(params.get("arguments") or {}) - known)
        if unknown:
            raise ValidationError(unknown[0], f"unknown argument; this tool takes {', '.join(sorted(known))}")
        return memory_for(ctx)

    @tool(_WRITE)
    def add_memory(
        messages: Messages,
        ctx: Context,
        user_id: UserId = None,
        agent_id: AgentId = None,
        run_id: RunId = None,
        metadata: Metadata = None,
        infer: Annotated[
            bool, Field(description="true: extract facts and relations; false: store the text as one memory as is.")
        ] = True,
    ) -> dict[str, Any]:
        """Remember a message or a conversation. Needs at least one of user_id, agent_id, run_id.

        Returns {"results": [{"id", "memory", "event"}], "relations": {"added": [...], "invalidated": [...]},
        "episode_id"}: one event per fact (ADD: new; NONE: already known; INVALIDATE: an older memory it
        contradicts), and the graph edges learned or no longer believed, each {"source", "relationship",
        "destination", "fact"}. An "error" key says the conversation was kept but not processed."""
        with tool_errors():
            where = _scope(user_id, agent_id, run_id)
            return acting(ctx).add(messages, **where, metadata=metadata, infer=infer)

    @tool(_READ)
    def search_memory(
        query: Annotated[str, Field(description="What to look for, in plain words (a question works).")],
        ctx: Context,
        user_id: UserId = None,
        agent_id: AgentId = None,
        run_id: RunId = None,
        limit: Limit = 10,
        filters: Filters = None,
        threshold: Annotated[
            float | None, Field(description="Minimum cosine similarity (-1 to 1) of a memory to the query.")
        ] = None,
        as_of: Annotated[
            str | None,
            Field(description="ISO-8601 time: search what was believed true then (default: what is true now)."),
        ] = None,
        recipe: Recipe = None,
        rerank: Annotated[
            bool, Field(description="Reorder the best results with the reranker the server is configured with.")
        ] = False,
    ) -> dict[str, Any]:
        """Search memories by meaning, keywords and the entity graph. Needs at least one of user_id, agent_id,
        run_id (here or in filters); only that scope's memories are searched.

        Returns {"results": [{"id", "memory", "score", "lanes", "metadata", "created_at", ...}], best first, and
        "relations": [{"source", "relationship", "destination", "fact", "score", "hops"}]}: graph edges related
        to the query."""
        with tool_errors():
            return acting(ctx).search(
                query,
                **_scope(user_id, agent_id, run_id),
                limit=limit,
                filters=filters,
                threshold=threshold,
                rerank=rerank,
                as_of=as_of,
                recipe=recipe,
            )

    @tool(_READ)
    def get_context(
        query: Annotated[str, Field(description="What the model is about to answer, in plain words.")],
        ctx: Context,
        user_id: UserId = None,
        agent_id: AgentId = None,
        run_id: RunId = None,
        max_tokens: Annotated[
            int, Field(description="The block's budget in tokens (estimated at four characters each).")
        ] = 1000,
        limit: Limit = 10,
        filters: Filters = None,
    ) -> dict[str, Any]:
        """The memories relevant to a query as one block of text to put in a prompt: the best memories, numbered,
        dated and with who said them, then the relations between what they name, each citing its memory ([n]).
        Needs at least one of user_id, agent_id, run_id (here or in filters).

        Returns {"context": the text, "memories": [...], "relations": [...] (what the block shows), "tokens",
        "left_out": {"memories", "relations"} (what did not fit in max_tokens)}."""
        with tool_errors():
            where = _scope(user_id, agent_id, run_id)
            return acting(ctx).context(query, **where, max_tokens=max_tokens, limit=limit, filters=filters)

    @tool(_READ)
    def get_memories(
        ctx: Context,
        user_id: UserId = None,
        agent_id: AgentId = None,
        run_id: RunId = None,
        limit: Limit = 100,
        filters: Filters = None,
    ) -> dict[str, Any]:
        """List the current memories of a scope, oldest first. Needs at least one of user_id, agent_id, run_id
        (here or in filters).

        Returns {"results": [{"id", "memory", "metadata", "created_at", "updated_at", "user_id", ...}]}."""
        with tool_errors():
            return acting(ctx).get_all(**_scope(user_id, agent_id, run_id), limit=limit, filters=filters)

    @tool(_READ)
    def get_memory(
        memory_id: MemoryId, ctx: Context, user_id: UserId = None, agent_id: AgentId = None, run_id: RunId = None
    ) -> dict[str, Any]:
        """One memory by id. Scope ids are optional: given, a memory outside that scope is not found.

        Returns {"id", "memory", "metadata", "created_at", "updated_at", "user_id", ...}; an unknown id is an
        error."""
        with tool_errors():
            found = acting(ctx).get(memory_id, **_scope(user_id, agent_id, run_id))
            if found is None:
                raise NotFoundError("memory", memory_id)
            return found

    @tool(_WRITE)
    def update_memory(
        memory_id: MemoryId,
        data: Annotated[str, Field(description="The memory's new text (it replaces the old one).")],
        ctx: Context,
        user_id: UserId = None,
        agent_id: AgentId = None,
        run_id: RunId = None,
    ) -> dict[str, Any]:
        """Replace a memory's text; the graph follows (relations only the old text stated stop being current).
        Scope ids are optional: given, a memory outside that scope is not found.

        Returns {"message", "id", "results": [{"id", "memory", "event": "UPDATE", "previous_memory"}], "relations":
        {"added", "invalidated", "unlinked"}}; an unknown id is an error."""
        with tool_errors():
            return acting(ctx).update(memory_id, data, **_scope(user_id, agent_id, run_id))

    @tool(_DESTROY)
    def delete_memory(
        memory_id: MemoryId, ctx: Context, user_id: UserId = None, agent_id: AgentId = None, run_id: RunId = None
    ) -> dict[str, Any]:
        """Delete one memory (its history keeps the deletion). Scope ids are optional: given, a memory outside
        that scope is not found.

        Returns {"message", "id"}; an unknown id is an error."""
        with tool_errors():
            return acting(ctx).delete(memory_id, **_scope(user_id, agent_id, run_id))

    @tool(_DESTROY)
    def delete_all_memories(
        ctx: Context, user_id: UserId = None, agent_id: AgentId = None, run_id: RunId = None
    ) -> dict[str, Any]:
        """Delete everything in a scope: its memories, entities, relations and conversations. Needs at least one
        of user_id, agent_id, run_id, and deletes only what that scope holds.

        Returns {"message", "deleted": <number of memories>}."""
        with tool_errors():
            return acting(ctx).delete_all(**_scope(user_id, agent_id, run_id))

    @tool(_WRITE)
    def add_triples(
        triples: Triples,
        ctx: Context,
        user_id: UserId = None,
        agent_id: AgentId = None,
        run_id: RunId = None,
        metadata: Metadata = None,
    ) -> dict[str, Any]:
        """Add known relations to the graph directly, without extraction. Needs at least one of user_id,
        agent_id, run_id.

        Returns {"results": [], "relations": {"added": [{"source", "relationship", "destination", "fact"}]}}."""
        with tool_errors():
            return acting(ctx).add_triples(triples, **_scope(user_id, agent_id, run_id), metadata=metadata)

    @tool(_READ)
    def neighbors(
        entity: Annotated[str, Field(description="An entity's name or alias, e.g. 'Alice'.")],
        ctx: Context,
        user_id: UserId = None,
        agent_id: AgentId = None,
        run_id: RunId = None,
        hops: Annotated[int, Field(description="How far to walk from the entity (1: its direct relations).")] = 1,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        """What the graph knows around one entity: its current relations within `hops`, nearest first. Needs at
        least one of user_id, agent_id, run_id.

        Returns {"entity": its name, "relations": [{"source", "relationship", "destination", "fact", "hops",
        ...}], "truncated": true when the walk stopped at its budget}; an unknown entity is an error."""
        with tool_errors():
            return acting(ctx).neighbors(entity, **_scope(user_id, agent_id, run_id), hops=hops, limit=limit)

    @tool(_READ)
    def paths(
        source: Annotated[str, Field(description="The entity to start from.")],
        target: Annotated[str, Field(description="The entity to reach.")],
        ctx: Context,
        user_id: UserId = None,
        agent_id: AgentId = None,
        run_id: RunId = None,
        max_hops: Annotated[int, Field(description="Longest path to consider, in relations.")] = 3,
        limit: Limit = 10,
    ) -> list[dict[str, Any]]:
        """How two entities are connected: evidence paths through the graph, shortest first, each hop with the
        conversation it was learned from. Needs at least one of user_id, agent_id, run_id.

        Returns {"result": [{"length", "hops": [{"source", "relationship", "destination", "fact", "episodes":
        [{"id", "created_at", "excerpt"}]}]}]}; an empty list when they are not connected."""
        with tool_errors():
            where = _scope(user_id, agent_id, run_id)
            return acting(ctx).paths(source, target, **where, max_hops=max_hops, limit=limit)

    @tool(_READ)
    def history(
        memory_id: MemoryId, ctx: Context, user_id: UserId = None, agent_id: AgentId = None, run_id: RunId = None
    ) -> list[dict[str, Any]]:
        """The changes of one memory, oldest first: its ADD, then any UPDATE and DELETE. Scope ids are optional:
        given, a memory that was never in that scope is not found.

        Returns {"result": [{"event", "old_memory", "new_memory", "created_at", ...}]}; an unknown id is an
        error (every memory ever added has its ADD, deleted ones included)."""
        with tool_errors():
            events = acting(ctx).history(memory_id, **_scope(user_id, agent_id, run_id))
            if not events:
                raise NotFoundError("memory", memory_id)
            return events

    return server


def run_stdio(memory: Memory) -> None:
    """Serve ``memory`` over stdin/stdout until the host closes them (``graphmem mcp``). The SDK points the process's
    own stdout at stderr meanwhile, so a stray print cannot corrupt the protocol stream."""
    build_server(lambda _ctx: memory).run("stdio")
