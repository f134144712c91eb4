"""Extraction with a chat model: ONE structured-output call per episode (DESIGN §3 step 2)."""

from __future__ import annotations

from typing import Any

from graphmem.ingest import prompts
from graphmem.ingest.clean import capped, shown
from graphmem.ingest.extract import ExtractionContext
from graphmem.models import Extraction, Message, utcnow
from graphmem.providers.llm import ChatModel


class LlmExtractor:
    """Facts, entities and typed relations from a chat model, in the same ``Extraction`` shape as the rules."""

    def __init__(self, chat: ChatModel, custom_prompt: str | None = None) -> None:
        self.chat = chat
        self.custom_prompt = custom_prompt
        self.name = f"llm:{chat.name}"

    def extract(self, messages: list[Message], context: ExtractionContext) -> Extraction:
        steer = context.prompt or self.custom_prompt
        system = prompts.EXTRACTION.format(
            speaker=context.speaker,
            now=(context.reference_time or utcnow()).isoformat(),
            custom=f"\nWhat to extract, in the user's words: {steer}" if steer else "",
        )
        conversation = [_render(i, m, self.chat.vision) for i, m in enumerate(messages) if m.role != "system"]
        result, usage = self.chat.structured([{"role": "system", "content": system}, *conversation], Extraction,
                                             "extraction")  # fmt: skip
        context.usage += usage
        context.images_read = self.chat.vision and any(m.images for m in messages)
        context.dropped.extend({**d, "item": shown(d["item"])} for d in result.dropped)  # of the wrong shape
        if context.max_items is not None:
            result, cut = capped(result, context.max_items)
            context.dropped.extend(cut)
        return result


def _render(index: int, m: Message, vision: bool) -> dict[str, Any]:
    """One conversation message for the model, numbered so facts can say which message stated them."""
    who = m.name or m.actor_id
    text = f"[{index}] {who + ': ' if who else ''}{m.content}"
    role = "assistant" if m.role == "assistant" else "user"
    if not (vision and m.images):
        return {"role": role, "content": text}
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    parts.extend({"type": "image_url", "image_url": {"url": url}} for url in m.images)
    return {"role": "user", "content": parts}
