"""AutoGen: ``GraphmemMemory``, an ``autogen_core.memory.Memory`` over a scope of a graphmem memory.

An AutoGen agent given ``memory=[GraphmemMemory(m, user_id="alex")]`` calls ``update_context`` before each model
call: the last user message becomes the query, and the best memories and the relations between what they name
(``Memory.context``, within ``max_tokens``) are put into the model context as one system message. ``add`` stores a
text (``MemoryContent`` of a text or markdown type; a dict as JSON text, verbatim), ``query`` returns the memories
as ``MemoryContent`` with their id, score, lanes and relations in ``metadata``, and ``clear`` deletes the scope.

Any of ``Memory``, ``AsyncMemory``, ``MemoryClient`` and ``AsyncMemoryClient`` works: coroutine methods are
awaited, plain ones run on a worker thread so the agent's event loop never blocks on the store.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
from typing import Any

from autogen_core import CancellationToken
from autogen_core.memory import Memory, MemoryContent, MemoryMimeType, MemoryQueryResult, UpdateContextResult
from autogen_core.model_context import ChatCompletionContext
from autogen_core.models import SystemMessage, UserMessage

from graphmem.errors import ValidationError
from graphmem.integrations import supported_relations

__all__ = ["GraphmemMemory"]

_TEXT_TYPES = {MemoryMimeType.TEXT.value, MemoryMimeType.MARKDOWN.value}


class GraphmemMemory(Memory):
    """A graphmem scope as an AutoGen memory (see the module docstring)."""

    def __init__(
        self,
        memory: Any,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        name: str = "graphmem",
        limit: int = 5,
        max_tokens: int = 800,
        heading: str = "Relevant memories of earlier conversations:",
    ) -> None:
        if user_id is None and agent_id is None and run_id is None:
            raise ValidationError("user_id", "one of user_id, agent_id or run_id is required: the memory's scope")
        self.memory, self.name, self.limit, self.max_tokens, self.heading = memory, name, limit, max_tokens, heading
        self.scope = {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        fn = getattr(self.memory, method)
        if inspect.iscoroutinefunction(fn):
            return await fn(*args, **kwargs)
        return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))

    async def add(self, content: MemoryContent, cancellation_token: CancellationToken | None = None) -> None:
        """Store a text (inferred: facts and relations are extracted) or a dict (as JSON text, verbatim)."""
        mime = content.mime_type.value if isinstance(content.mime_type, MemoryMimeType) else content.mime_type
        if isinstance(content.content, str) and mime in _TEXT_TYPES:
            text, infer = content.content, True
        elif isinstance(content.content, dict):
            text, infer = json.dumps(content.content, ensure_ascii=False, sort_keys=True), False
        else:
            raise ValidationError(
                "content", f"graphmem stores text and JSON; got {mime} ({type(content.content).__name__})"
            )
        await self._call("add", text, **self.scope, metadata=content.metadata, infer=infer)

    async def query(
        self, query: str | MemoryContent, cancellation_token: CancellationToken | None = None, **kwargs: Any
    ) -> MemoryQueryResult:
        """The best memories for ``query`` (``limit`` by default; ``kwargs`` go to ``search``: ``filters``,
        ``threshold``, ``as_of``, ``limit``)."""
        text = query.content if isinstance(query, MemoryContent) else query
        if not isinstance(text, str):
            raise ValidationError("query", f"expected text, got {type(text).__name__}")
        found = await self._call("search", text, **self.scope, **{"limit": self.limit, **kwargs})
        return MemoryQueryResult(results=[_content(r, found["relations"]) for r in found["results"]])

    async def update_context(self, model_context: ChatCompletionContext) -> UpdateContextResult:
        """Add the memories relevant to the last user message to ``model_context`` as one system message."""
        messages = await model_context.get_messages()
        last = next((m for m in reversed(messages) if isinstance(m, UserMessage)), None)
        if last is None or not isinstance(last.content, str) or not last.content.strip():
            return UpdateContextResult(memories=MemoryQueryResult(results=[]))
        block = await self._call("context", last.content, **self.scope, limit=self.limit, max_tokens=self.max_tokens)
        if block["context"]:
            await model_context.add_message(SystemMessage(content=f"{self.heading}\n{block['context']}"))
        used = [_content(m, block["relations"]) for m in block["memories"]]
        return UpdateContextResult(memories=MemoryQueryResult(results=used))

    async def clear(self) -> None:
        """Delete everything in the scope (memories, entities, relations, episodes)."""
        await self._call("delete_all", **self.scope)

    async def close(self) -> None:
        """Nothing to release: the graphmem memory belongs to the caller, who closes it."""


def _content(result: dict[str, Any], relations: list[dict[str, Any]]) -> MemoryContent:
    meta = {k: result.get(k) for k in ("id", "score", "lanes", "created_at") if result.get(k) is not None}
    meta.update(metadata=result.get("metadata") or {}, relations=supported_relations(result, relations))
    return MemoryContent(content=result["memory"], mime_type=MemoryMimeType.TEXT, metadata=meta)
