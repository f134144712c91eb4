"""``add(messages, triples=..., facts=...)``: the caller's own extraction of a text, stored without a model call.

Batch LLM jobs, OpenIE output and passage collections with pre-extracted triples arrive this way. The text is the
episode, as with any ``add``; ``facts`` become its memories (default: the text itself, one memory per message, as
``infer=False`` stores it) and ``triples`` its relations, each relation citing the memories it came from, so the
graph lane finds the passage or fact behind an edge:

* a fact given as a dict may name its ``entities``; otherwise it names the triple ends its text mentions (ignoring
  case), and when there is one fact (a passage), every triple is its own;
* a relation cites the facts naming both its ends, else the fact whose text is the relation's fact, else the first
  fact naming one end (``plan._supporting_memories``, as for a model's extraction); one whose ends no fact names
  cites no memory, and its provenance is the episode alone.

What was given is kept in the episode (one trailing message of role ``GIVEN_ROLE``), so an export replays the same
call. Triples follow ``add_triples``'s rules (``ingest.triples``): a triple of the wrong shape is a
``ValidationError``; one whose content cannot be stored is left out and reported in ``dropped``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from graphmem import validate
from graphmem.config import LimitsConfig
from graphmem.errors import ValidationError
from graphmem.ingest.clean import name_problem
from graphmem.ingest.triples import triples_extraction
from graphmem.models import GIVEN_ROLE, Episode, ExtractedFact, Extraction, Message

_FACT_KEYS = frozenset({"text", "entities", "categories"})


def verbatim(messages: list[Message]) -> list[ExtractedFact]:
    """Each non-system message as one fact, exactly as said (``infer=False``, and ``facts`` not given)."""
    return [ExtractedFact(text=m.content, message_index=i) for i, m in enumerate(messages)
            if m.role != "system" and m.content.strip()]  # fmt: skip


def given(messages: list[Message], triples: Any, facts: Any, limits: LimitsConfig) -> tuple[Extraction, Message]:
    """The extraction ``add`` stores for the given ``triples`` and ``facts`` (either may be None), and the message
    the episode keeps of them: the triples in ``add_triples``'s shape and the facts as given (None: the text was
    the fact), which replay to the same extraction."""
    extraction = triples_extraction(triples, limits) if triples is not None else Extraction()
    records = None if facts is None else _fact_records(facts, limits)
    chosen = verbatim(messages) if records is None else [ExtractedFact(**r) for r in records]
    if not chosen:
        raise ValidationError("facts" if facts is not None else "messages", "no fact to store: give a non-empty text")
    ends = list(dict.fromkeys(name for r in extraction.relations for name in (r.source, r.target)))
    for i, fact in enumerate(chosen):
        if records is not None and "entities" in records[i]:
            continue
        said = fact.text.casefold()
        fact.entities = ends if len(chosen) == 1 else [name for name in ends if name.casefold() in said]
    rows = Episode.triple_rows(extraction) if triples is not None else None
    kept = Message(role=GIVEN_ROLE, content=json.dumps({"triples": rows, "facts": records}, ensure_ascii=False))
    extraction.facts = chosen
    return extraction, kept


def _fact_records(facts: Any, limits: LimitsConfig) -> list[dict[str, Any]]:
    """The given facts, checked, as dicts of ``text`` and, where given, ``entities`` and ``categories``."""
    if isinstance(facts, str | bytes | Mapping) or not isinstance(facts, Iterable):
        raise ValidationError("facts", "expected a list of facts: strings, or dicts with text, entities, categories")
    out: list[dict[str, Any]] = []
    for i, fact in enumerate(facts):
        at = f"facts[{i}]"
        if i >= limits.max_extracted:
            raise ValidationError("facts", f"holds more than {limits.max_extracted} facts (limits.max_extracted)")
        if isinstance(fact, str):
            fact = {"text": fact}
        if not isinstance(fact, Mapping):
            raise ValidationError(at, f"expected a string or a dict with text, got {validate.shown(fact)}")
        unknown = sorted(set(fact) - _FACT_KEYS)
        if unknown:
            raise ValidationError(f"{at}.{unknown[0]}", f"unknown key (a fact takes {', '.join(sorted(_FACT_KEYS))})")
        record: dict[str, Any] = {"text": " ".join(validate.text(f"{at}.text", fact.get("text"), limits).split())}
        for key in ("entities", "categories"):
            if key in fact:
                record[key] = _names(f"{at}.{key}", fact[key], limits)
        out.append(record)
    return out


def _names(field: str, value: Any, limits: LimitsConfig) -> list[str]:
    """A fact's entity names or categories: a list of storable strings."""
    if not isinstance(value, list | tuple):
        raise ValidationError(field, f"expected a list of strings, got {validate.shown(value)}")
    for j, item in enumerate(value):
        if not isinstance(item, str):
            raise ValidationError(f"{field}[{j}]", f"expected a string, got {validate.shown(item)}")
        problem = name_problem(item, limits)
        if problem is not None:
            raise ValidationError(f"{field}[{j}]", problem)
    return list(value)
