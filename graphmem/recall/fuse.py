"""Weighted reciprocal-rank fusion: lanes agree by rank, not by their incomparable raw scores."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fused:
    id: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # lane -> 1-based rank in that lane


def _by_id(ident: str) -> tuple[Any, ...]:
    return (ident,)


def rrf(
    lanes: Mapping[str, Sequence[str]],
    weights: Mapping[str, float],
    k: int,
    order: Callable[[str], tuple[Any, ...]] = _by_id,
) -> list[Fused]:
    """Fuse ranked id lists: score = sum over lanes of weight / (k + rank). Equal scores go in ``order`` (by
    default the id; search passes a stable key, since its ids are random).

    A lane with weight 0 still reports its ranks (so results say which lanes found them) but adds nothing.
    """
    fused: dict[str, Fused] = {}
    for lane, ids in lanes.items():
        weight = weights.get(lane, 1.0)
        for rank, ident in enumerate(ids, start=1):
            item = fused.setdefault(ident, Fused(ident, 0.0))
            if lane not in item.ranks:
                item.ranks[lane] = rank
                item.score += weight / (k + rank)
    return sorted(fused.values(), key=lambda f: (-f.score, order(f.id)))


def normalized(score: float, weights: Mapping[str, float], k: int) -> float:
    """Scale a fused score to [0, 1]: 1 means ranked first by every weighted lane."""
    best = sum(w for w in weights.values() if w > 0) / (k + 1)
    return score / best if best else 0.0
