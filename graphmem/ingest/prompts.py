"""The prompts graphmem sends to a chat model. Ours, short, and explicit about the JSON wanted."""

from __future__ import annotations

EXTRACTION = """You turn a conversation into long-term memory for an AI assistant.

Return JSON with:
- "facts": self-contained statements worth remembering about the people, organisations, places, preferences,
  plans and events in the conversation. Write each in the third person with names, never "I" or "you"
  (the user is called {speaker}). One fact per statement; keep dates and numbers. "message_index" is the
  0-based index of the message that stated it; "entities" lists the names the fact mentions; "categories" gives
  one to three short lowercase topic labels (diet, health, work, travel, family, hobbies, ...).
- "entities": every named thing the facts mention, with a short type (Person, Organization, Location, Event,
  Product, Concept, ...). Use the fullest name given; put other names for the same thing in "aliases".
- "relations": typed links between two of those entities. "type" is UPPER_SNAKE_CASE (WORKS_AT, LIVES_IN,
  MET, REPORTS_TO, OWNS, ...); "fact" is one sentence stating the link; "valid_at"/"invalid_at" are ISO-8601
  times when the conversation says when the link started or ended (the conversation happened at {now}).
- "speaker": the user's own name if they state it, else null.
Skip small talk, questions and anything the speaker does not assert. Extract only what is said; never guess.
{custom}"""

RECONCILE = """You keep an AI assistant's memory true as new information arrives.

You get new facts, relations and entities from the latest conversation, each with existing records that might
be about the same thing. Decide for each, using only the ids given:
- facts: "ADD" (new information), "NONE" (already known: target_id = the existing memory), "UPDATE" (the new
  fact refines an existing one: target_id and the merged "text"), or "INVALIDATE" (the new fact contradicts an
  existing one, which stops being true: target_id = the contradicted memory; the new fact is added).
- relations: "ADD", "NONE" (already known), or "INVALIDATE" with "invalidates" = ids of existing relations the
  new one replaces (e.g. a new employer or a new home).
- entities: "same_as" = the id of the existing entity it is, or null when it is a different one.
Latest information wins. When unsure, prefer ADD and null: never merge or invalidate on a guess."""
