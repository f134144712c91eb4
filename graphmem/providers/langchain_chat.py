"""``ChatModel`` over any LangChain ``BaseChatModel``, for providers graphmem does not speak to directly.

The model's own structured output (``with_structured_output(..., include_raw=True)``) is used where it exists;
otherwise the schema goes into the system prompt and the JSON is parsed from the text. Either way the reply is
validated with pydantic, repaired once, and failures leave as ``LlmError`` subclasses, exactly like ``OpenAIChat``.
langchain-core is imported only when this module is, so it stays an optional dependency.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage, SystemMessage

from graphmem.providers.llm import LlmBadOutput, LlmError, LlmRefused, M, Usage
from graphmem.providers.openai_chat import (
    BadReply,
    has_images,
    parse_reply,
    repair_turn,
    schema_instruction,
    with_schema_prompt,
)
from graphmem.providers.retry import RetryPolicy, call_with_retries

__all__ = ["LangChainChat", "to_langchain_messages"]

log = logging.getLogger(__name__)


def _image_block(part: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI ``image_url`` part as a LangChain image block (the ``source_type`` form, read by 0.3 and 1.x)."""
    ref = part.get("image_url", part.get("url"))
    url = str(ref.get("url", "")) if isinstance(ref, dict) else str(ref or "")
    if url.startswith("data:") and ";base64," in url:
        header, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source_type": "base64", "data": data, "mime_type": header or "image/png"}
    return {"type": "image", "source_type": "url", "url": url}


def _content(content: Any) -> Any:
    if not isinstance(content, list):
        return "" if content is None else str(content)
    blocks: list[Any] = []
    for part in content:
        if isinstance(part, str):
            blocks.append({"type": "text", "text": part})
        elif isinstance(part, dict) and part.get("type") == "text":
            blocks.append({"type": "text", "text": str(part.get("text", ""))})
        elif isinstance(part, dict) and part.get("type") in ("image_url", "image"):
            blocks.append(_image_block(part) if part.get("type") == "image_url" else part)
        else:
            blocks.append(part)
    return blocks


def to_langchain_messages(messages: list[dict[str, Any]]) -> list[BaseMessage]:
    """OpenAI-format messages (system/user/assistant; text or text+image parts) as LangChain messages."""
    out: list[BaseMessage] = []
    for m in messages:
        role, content = m.get("role"), _content(m.get("content"))
        name = {"name": m["name"]} if isinstance(m.get("name"), str) else {}
        if role == "system":
            out.append(SystemMessage(content=content))
        elif role == "user":
            out.append(HumanMessage(content=content, **name))
        elif role == "assistant":
            out.append(AIMessage(content=content, **name))
        else:
            out.append(ChatMessage(role=str(role), content=content))
    return out


def _text(message: Any) -> str | None:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return None
    texts = [p if isinstance(p, str) else str(p.get("text", "")) for p in content if _is_text_part(p)]
    return "".join(texts)


def _is_text_part(part: Any) -> bool:
    return isinstance(part, str) or (isinstance(part, dict) and part.get("type") == "text")


def _count(usage: Usage, message: Any) -> None:
    usage.calls += 1
    meta = getattr(message, "usage_metadata", None)
    if isinstance(meta, dict):
        usage.prompt_tokens += int(meta.get("input_tokens") or 0)
        usage.completion_tokens += int(meta.get("output_tokens") or 0)


def _refusal(message: Any) -> str | None:
    extra = getattr(message, "additional_kwargs", None)
    refusal = extra.get("refusal") if isinstance(extra, dict) else None
    return str(refusal) if refusal else None


class LangChainChat:
    """A ``ChatModel`` that delegates the request to a LangChain chat model.

    LangChain clients retry on their own, so ours default to none (``max_retries=0``).
    """

    def __init__(self, model: Any, *, vision: bool = False, max_retries: int = 0, backoff: float = 0.5) -> None:
        if not callable(getattr(model, "invoke", None)):
            raise TypeError(f"expected a LangChain BaseChatModel instance, got {type(model).__name__}")
        self.model = model
        self.vision = vision
        self.policy = RetryPolicy(max_retries, backoff)
        model_name = getattr(model, "model_name", None) or getattr(model, "model", None)
        self.name = f"langchain:{type(model).__name__}" + (f":{model_name}" if isinstance(model_name, str) else "")
        self._target = f"LangChain model {self.name.removeprefix('langchain:')}"
        self._native: bool | None = None  # unknown until with_structured_output is tried
        self._runnables: dict[type[Any], Any] = {}

    def structured(
        self, messages: list[dict[str, Any]], output: type[M], schema_name: str, repair: bool = True
    ) -> tuple[M, Usage]:
        usage = Usage()
        if has_images(messages) and not self.vision:
            raise LlmError(f"{self.name} is not configured for images (vision=False) but the messages contain some")
        runnable = self._structured_runnable(output)
        if runnable is None:
            messages = with_schema_prompt(messages, schema_instruction(output.model_json_schema(), schema_name))
        convo = to_langchain_messages(messages)
        try:
            try:
                return self._attempt(runnable, convo, output, usage), usage
            except BadReply as bad:
                if not repair:
                    raise LlmBadOutput(f"{self.name} gave no valid `{schema_name}`: {bad.error}") from None
                log.info("%s: repairing a bad %s reply: %s", self.name, schema_name, bad.error)
                convo += to_langchain_messages(repair_turn(bad, schema_name))
            try:
                return self._attempt(runnable, convo, output, usage), usage
            except BadReply as bad:
                raise LlmBadOutput(
                    f"{self.name} gave no valid `{schema_name}` even after one repair: {bad.error}"
                ) from None
        except LlmError as exc:
            exc.usage = usage
            raise

    def _structured_runnable(self, output: type[M]) -> Any | None:
        """``with_structured_output`` for this schema, or None where the model does not implement it."""
        if self._native is False or not hasattr(self.model, "with_structured_output"):
            return None
        if output not in self._runnables:
            try:
                self._runnables[output] = self.model.with_structured_output(output, include_raw=True)
            except (NotImplementedError, TypeError, ValueError) as exc:
                log.info("%s has no usable structured output (%s); parsing JSON from text", self.name, exc)
                self._native = False
                return None
            self._native = True
        return self._runnables[output]

    def _attempt(self, runnable: Any | None, convo: list[BaseMessage], output: type[M], usage: Usage) -> M:
        if runnable is None:
            raw = call_with_retries(lambda: self.model.invoke(convo), self.policy, self._target)
            parsed: Any = None
        else:
            result = call_with_retries(lambda: runnable.invoke(convo), self.policy, self._target)
            raw = result.get("raw") if isinstance(result, dict) else result
            parsed = result.get("parsed") if isinstance(result, dict) else None
        _count(usage, raw)
        refusal = _refusal(raw)
        if refusal:
            raise LlmRefused(f"{self.name} refused: {refusal}")
        if isinstance(parsed, output):
            return parsed
        tool_calls = getattr(raw, "tool_calls", None) or []
        if parsed is not None:
            text: str | None = json.dumps(parsed, default=str)
        elif tool_calls and isinstance(tool_calls[0], dict):
            text = json.dumps(tool_calls[0].get("args", {}), default=str)
        else:
            text = _text(raw)
        return parse_reply(text, output)
