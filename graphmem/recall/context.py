"""``Memory.context``: a search's answer as a block of text to put in a prompt, within a token budget.

Every agent that uses a memory builds this by hand: the best memories, dated, with who said them, and the relations
between the things they name, with the memories they came from. Memories are numbered by rank (``[1]`` is the best;
a number is skipped when its memory did not fit) and each relation cites the numbers of its memories, so a model
(or an auditor reading the prompt) can tell where a link came from; a relation whose memories are not in the block
cites its episode instead.

The budget is spent in rank order: memories first, keeping up to a third of it for relations when there are any
(unless the best memory needs it), then relations, then any memories that fit in what the relations left. A line
that does not fit is left out and counted, and a later, shorter line may still fit. Each line is priced with its
newline, so the block, headings included, stays within ``max_tokens``. Tokens are counted with ``count_tokens``
when given (e.g. a tiktoken encoder's ``lambda s: len(enc.encode(s))``), else estimated as one per four
characters, the usual rule of thumb for English with GPT-style tokenizers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

TokenCounter = Callable[[str], int]

MEMORIES_HEADING = "Memories (best first):"
RELATIONS_HEADING = "Relations ([n]: its memory):"


def estimate_tokens(text: str) -> int:
    """About one token per four characters (the default when no tokenizer is given)."""
    return math.ceil(len(text) / 4)


def build_context(
    found: Mapping[str, Any], max_tokens: int, count_tokens: TokenCounter | None = None
) -> dict[str, Any]:
    """The prompt block for one ``search`` answer: ``context`` (the text), the ``memories`` and ``relations`` it
    shows (as ``search`` returned them), ``tokens`` (the block's count) and ``left_out`` (what did not fit)."""
    count = _per_line(count_tokens or estimate_tokens)
    memories: Sequence[Mapping[str, Any]] = found.get("results", [])
    relations: Sequence[Mapping[str, Any]] = found.get("relations", [])
    costs = [count(_memory_line(i + 1, m)) for i, m in enumerate(memories)]
    heads = count(MEMORIES_HEADING), count(RELATIONS_HEADING)
    every = list(range(len(memories)))
    wanted = heads[1] + sum(_relation_costs(relations, memories, every, count))
    reserve = min(wanted, max_tokens // 3) if relations else 0
    if costs and heads[0] + costs[0] > max_tokens - reserve:
        reserve = 0  # the best memory outranks every relation

    kept = _fit(costs, max_tokens - reserve - heads[0])
    shown = _fit(
        _relation_costs(relations, memories, kept, count), max_tokens - _spent(costs, kept, heads[0]) - heads[1]
    )
    for i in range(len(memories)):  # what the relations left goes to memories that did not fit, in rank order
        if i in kept:
            continue
        trial = sorted([*kept, i])
        linked = _relation_costs(relations, memories, trial, count)  # they may now cite this memory
        if _spent(costs, trial, heads[0]) + _spent(linked, shown, heads[1]) <= max_tokens:
            kept = trial
    return _block(memories, relations, kept, shown, count_tokens or estimate_tokens)


def _per_line(count: TokenCounter) -> TokenCounter:
    """A line's cost with the newline that joins it to the next, so the lines' costs bound the whole block's."""
    return lambda line: count(line + "\n")


def _fit(costs: Sequence[int], budget: int) -> list[int]:
    """Indexes of the lines kept in order while their total stays within ``budget``."""
    kept, total = [], 0
    for i, cost in enumerate(costs):
        if total + cost <= budget:
            kept.append(i)
            total += cost
    return kept


def _spent(costs: Sequence[int], chosen: Sequence[int], heading: int) -> int:
    return sum(costs[i] for i in chosen) + (heading if chosen else 0)


def _numbers(memories: Sequence[Mapping[str, Any]], kept: Sequence[int]) -> dict[str, int]:
    """Memory id -> its number in the block (its rank), for the memories kept."""
    return {memories[i]["id"]: i + 1 for i in kept}


def _relation_costs(
    relations: Sequence[Mapping[str, Any]],
    memories: Sequence[Mapping[str, Any]],
    kept: Sequence[int],
    count: TokenCounter,
) -> list[int]:
    numbers = _numbers(memories, kept)
    return [count(_relation_line(r, numbers)) for r in relations]


def _block(
    memories: Sequence[Mapping[str, Any]],
    relations: Sequence[Mapping[str, Any]],
    kept: list[int],
    shown: list[int],
    count: TokenCounter,
) -> dict[str, Any]:
    numbers = _numbers(memories, kept)
    lines: list[str] = []
    if kept:
        lines += [MEMORIES_HEADING, *(_memory_line(i + 1, memories[i]) for i in kept)]
    if shown:
        lines += [RELATIONS_HEADING, *(_relation_line(relations[i], numbers) for i in shown)]
    text = "\n".join(lines)
    return {
        "context": text,
        "memories": [dict(memories[i]) for i in kept],
        "relations": [dict(relations[i]) for i in shown],
        "tokens": count(text) if text else 0,
        "left_out": {"memories": len(memories) - len(kept), "relations": len(relations) - len(shown)},
    }


def _memory_line(number: int, memory: Mapping[str, Any]) -> str:
    """``[1] 2025-05-01: Alex moved to Berlin (said by alex; source: chat)``: the date it was stored (or last
    updated), the text on one line, who said it and the ``source`` metadata when there is one."""
    updated = memory.get("updated_at")
    when = _day(updated or memory.get("created_at"))
    dated = f"{when} (updated)" if updated and when else when
    text = " ".join(str(memory.get("memory", "")).split())
    notes = []
    if memory.get("actor_id"):
        notes.append(f"said by {memory['actor_id']}")
    source = (memory.get("metadata") or {}).get("source")
    if isinstance(source, str | int | float) and not isinstance(source, bool):
        notes.append(f"source: {source}")
    tail = f" ({'; '.join(notes)})" if notes else ""
    return f"[{number}] {dated + ': ' if dated else ''}{text}{tail}"


def _relation_line(relation: Mapping[str, Any], numbers: Mapping[str, int]) -> str:
    """``- Alex -LIVES_IN-> Berlin (since 2025-05-01) [1]``; the cited memories' numbers in the block, else the
    first episode the relation came from."""
    span = []
    if relation.get("valid_at"):
        span.append(f"since {_day(relation['valid_at'])}")
    if relation.get("invalid_at"):
        span.append(f"until {_day(relation['invalid_at'])}")
    provenance = relation.get("provenance") or {}
    cited = sorted({numbers[m] for m in provenance.get("memory_ids", []) if m in numbers})
    if cited:
        source = " " + "".join(f"[{n}]" for n in cited)
    elif provenance.get("episode_ids"):
        source = f" (episode {str(provenance['episode_ids'][0])[:8]})"
    else:
        source = ""
    when = f" ({', '.join(span)})" if span else ""
    return f"- {relation['source']} -{relation['relationship']}-> {relation['destination']}{when}{source}"


def _day(value: Any) -> str:
    """The date part of an ISO-8601 time (``2025-05-01``), or '' when there is none."""
    return str(value)[:10] if value else ""
