"""The chat-model seam: a prompt in, one validated pydantic object out, with the calls and tokens it cost.

Implementations (OpenAI-compatible, Azure OpenAI, LangChain) live beside this protocol. Every implementation:
- asks for structured output with the JSON Schema of the requested pydantic model, falling back to JSON mode
  where a server does not support json_schema;
- validates the reply with pydantic and, if it is malformed, makes ONE repair call that shows the model its
  error (so a call costs at most 2 requests that return text);
- retries HTTP 429/5xx and timeouts with bounded exponential backoff (these are not counted as calls: they
  returned no completion);
- raises ``LlmError`` subclasses, never provider exceptions, so callers can record the failure and move on.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, Field

from graphmem.errors import GraphmemError

M = TypeVar("M", bound=BaseModel)


class Usage(BaseModel):
    """What model calls cost: ``calls`` counts requests that returned a completion (repairs included)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __iadd__(self, other: Usage) -> Usage:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        return self

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LlmError(GraphmemError):
    """A model call that produced nothing usable. ``usage`` says what it cost anyway."""

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


class LlmUnavailable(LlmError):
    """Timeouts, connection failures, HTTP 429/5xx after the bounded retries, or bad credentials."""


class LlmRefused(LlmError):
    """The model declined to answer (a refusal message instead of content)."""


class LlmBadOutput(LlmError):
    """The reply was not valid JSON for the schema, even after the one repair call."""


class Reply(BaseModel):
    value: Any
    usage: Usage = Field(default_factory=Usage)


@runtime_checkable
class ChatModel(Protocol):
    name: str
    vision: bool  # True when image parts may be sent in messages

    def structured(
        self, messages: list[dict[str, Any]], output: type[M], schema_name: str, repair: bool = True
    ) -> tuple[M, Usage]:
        """One logical call: ``messages`` in OpenAI chat format (content may be a list of text/image parts).

        ``repair=False`` forbids the repair call, for a caller whose call budget has no room for it.
        """
        ...
