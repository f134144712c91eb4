"""Exploring the graph directly: neighbourhoods, evidence paths between two entities, a networkx view.

Paths are for compliance work ("how are A and B linked, and who said so?"): every hop carries its relation fact,
validity times and the episodes it came from, with a short excerpt of each episode's text.

Both are bounded (issue 11): ``hops`` / ``max_hops`` above ``limits.max_graph_hops`` are refused, and both read
at most ``limits.path_budget`` edges (counted as ``_PATH_FANOUT`` per entity expanded, decided before each hop), then
answer what they found and say so (``truncated``). A path search also meets in the middle (breadth-first from both
ends, the smaller frontier first) and stops after ``limit`` paths. Enumerating every simple path from one side, as
it used to, never finished on a dense graph: 40 entities all linked have tens of millions of paths of six hops; and
a neighbourhood of hubs grows by the fanout at every hop (200 entities of 200 relations each is 40,000 at hop two).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphmem.config import LimitsConfig
from graphmem.errors import NotFoundError, ValidationError
from graphmem.models import EntityRecord, Episode, RelationRecord, Scope, normalize_name
from graphmem.recall.walk import Hop, walk
from graphmem.results import RelationView
from graphmem.stores.base import Store

if TYPE_CHECKING:  # networkx is imported where a graph is built: `import graphmem` and the CLI stay quick
    import networkx as nx

log = logging.getLogger(__name__)

_PATH_FANOUT = 200  # edges read per entity per hop while searching paths
_EXCERPT = 200


def _entities(store: Store, scope: Scope, name: str) -> list[EntityRecord]:
    found = store.entities_named(scope, [normalize_name(name)])
    if not found:
        raise NotFoundError("entity", name)
    return found


def graph_hops(field: str, hops: int, limits: LimitsConfig) -> int:
    """``hops`` within ``limits.max_graph_hops``: each hop may multiply the work by the fanout."""
    if hops > limits.max_graph_hops:
        raise ValidationError(field, f"at most {limits.max_graph_hops} (limits.max_graph_hops), got {hops}")
    return hops


def relation_view(r: RelationRecord, hops: int | None = None) -> dict[str, Any]:
    """A stored relation as ``neighbors``/``paths``/``to_networkx`` show it: ``RelationView.stored``, dumped here
    because these views are extended as dicts (a path hop gains its ``episodes``)."""
    return RelationView.stored(r, hops).api()


def neighbors(
    store: Store, scope: Scope, entity: str, hops: int, limit: int, limits: LimitsConfig | None = None
) -> dict[str, Any]:
    """Current relations within ``hops`` of ``entity``, nearest first, at most ``limit``. ``truncated`` is True when
    a hop could not expand every entity it reached within ``limits.path_budget`` (as ``Paths.truncated``): the
    relations given are real, but those of the entities left out are missing."""
    limits = limits or LimitsConfig()
    hops = graph_hops("hops", hops, limits)
    start = _entities(store, scope, entity)
    frontier, truncated = _within_budget([e.id for e in start], limits.path_budget, 0)
    met, read = set(frontier), 0
    out: dict[str, dict[str, Any]] = {}
    for step in walk(store, scope, frontier, hops, _PATH_FANOUT):
        read += len(step.edges)
        reached: list[str] = []
        for edge in step.edges:
            if edge.id not in out:
                out[edge.id] = relation_view(edge, step.depth)
            for end in (edge.source_id, edge.target_id):
                if end not in met:
                    met.add(end)
                    reached.append(end)
        if step.depth == hops:
            break
        frontier, cut = _within_budget(reached, limits.path_budget, read)
        truncated = truncated or cut
        step.follow(frontier)
    if truncated:
        log.warning("neighbors %r stopped at limits.path_budget (%d; %d edges read)", entity, limits.path_budget, read)
    ranked = sorted(out.values(), key=lambda v: (v["hops"], v["source"], v["relationship"], v["destination"]))
    return {"entity": start[0].name, "relations": ranked[:limit], "truncated": truncated}


def _within_budget(frontier: list[str], budget: int, read: int) -> tuple[list[str], bool]:
    """The part of ``frontier`` one hop may expand with ``read`` of ``budget`` edges spent (each entity may bring
    ``_PATH_FANOUT``), and whether some was left out: the one budget rule of ``neighbors`` and ``paths``."""
    room = max(0, (budget - read) // _PATH_FANOUT)
    return frontier[:room], len(frontier) > room


class Paths(list[dict[str, Any]]):
    """What ``paths`` answers: a plain list of paths (shortest first, so existing callers see no change) that also
    says whether the search was cut short. ``truncated`` is True when the search stopped at
    ``limits.path_budget`` (edges read, or steps of the path enumeration) before it was done: the paths given are
    real, but shorter or more paths may exist. A warning is logged as well, for callers that only see the list."""

    truncated: bool = False


@dataclass
class _Side:
    """One end of the bidirectional search: a steered ``walk`` from that end's entities."""

    frontier: list[str]  # the entities to expand at the next hop
    met: set[str] = field(default_factory=set)
    depth: int = 0  # hops taken
    hops: Iterator[Hop[RelationRecord]] | None = None
    last: Hop[RelationRecord] | None = None


@dataclass
class _Explored:
    """The part of the graph the search has read: enough to hold every path of at most ``reach`` edges."""

    graph: nx.MultiGraph
    relations: dict[str, RelationRecord] = field(default_factory=dict)
    edges_read: int = 0
    truncated: bool = False


def paths(
    store: Store,
    scope: Scope,
    source: str,
    target: str,
    max_hops: int,
    limit: int,
    limits: LimitsConfig | None = None,
) -> Paths:
    """Simple paths (no entity twice) of at most ``max_hops`` edges, either direction, shortest first (ties by
    relation ids), at most ``limit``; see ``Paths`` for what a search cut short by the budget answers."""
    limits = limits or LimitsConfig()
    max_hops = graph_hops("max_hops", max_hops, limits)
    starts = sorted({e.id for e in _entities(store, scope, source)})
    goals = sorted({e.id for e in _entities(store, scope, target)})
    explored, found = _search(store, scope, starts, goals, max_hops, limit, limits.path_budget)
    out = Paths()
    out.truncated = explored.truncated
    if explored.truncated:
        log.warning(
            "paths %r -> %r stopped at limits.path_budget (%d; %d edges read): the answer may miss paths",
            source, target, limits.path_budget, explored.edges_read,
        )  # fmt: skip
    relations = explored.relations
    episodes = _episode_excerpts(store, {e for p in found for r in p for e in relations[r].provenance.episode_ids})
    for path in found:
        hops = []
        for relation_id in path:
            view = relation_view(relations[relation_id])
            view["episodes"] = [episodes[e] for e in relations[relation_id].provenance.episode_ids if e in episodes]
            hops.append(view)
        out.append({"length": len(path), "hops": hops})
    return out


def _search(
    store: Store, scope: Scope, starts: list[str], goals: list[str], max_hops: int, limit: int, budget: int
) -> tuple[_Explored, list[list[str]]]:
    """Breadth-first from both ends, one hop (one ``store.edges`` call) at a time on the side with the smaller
    frontier. After hops ``a`` from the sources and ``b`` from the targets, every path of at most ``a + b`` edges
    lies in what was read (its first ``a`` edges leave entities the source side expanded, the rest entities the
    target side did), so once that holds ``limit`` paths the answer is final. The search stops there, at
    ``max_hops``, when a side has nothing left to expand, or before a hop could read past ``budget`` edges."""
    import networkx as nx

    explored = _Explored(nx.MultiGraph())
    explored.graph.add_nodes_from([*starts, *goals])
    sides = [_Side(list(starts), set(starts)), _Side(list(goals), set(goals))]
    while sides[0].depth + sides[1].depth < max_hops and all(s.frontier for s in sides):
        side = min(sides, key=lambda s: len(s.frontier))
        side.frontier, explored.truncated = _within_budget(side.frontier, budget, explored.edges_read)
        if side.frontier:  # read what the budget allows of this hop; stop after it if that was not all
            _advance(store, scope, side, max_hops, explored)
        if explored.truncated:
            break
        if sides[0].met & sides[1].met:
            reach = sides[0].depth + sides[1].depth
            found = _enumerate(explored, starts, set(goals), reach, limit, budget)
            if len(found) >= limit:
                return explored, found
    return explored, _enumerate(explored, starts, set(goals), max_hops, limit, budget)


def _advance(store: Store, scope: Scope, side: _Side, max_hops: int, explored: _Explored) -> None:
    """One hop of ``side``'s walk over its frontier; what it reads joins ``explored`` and names the next frontier."""
    if side.hops is None:
        side.hops = walk(store, scope, side.frontier, max_hops, _PATH_FANOUT)
    else:
        assert side.last is not None
        side.last.follow(side.frontier)
    hop = side.last = next(side.hops)
    side.depth += 1
    explored.edges_read += len(hop.edges)
    fresh: list[str] = []
    for edge in hop.edges:
        explored.relations[edge.id] = edge
        explored.graph.add_edge(edge.source_id, edge.target_id, key=edge.id)
        for end in (edge.source_id, edge.target_id):
            if end not in side.met:
                side.met.add(end)
                fresh.append(end)
    side.frontier = fresh


def _enumerate(
    explored: _Explored, starts: Sequence[str], goals: set[str], reach: int, limit: int, budget: int
) -> list[list[str]]:
    """The first ``limit`` simple paths (as relation ids) of at most ``reach`` edges in what was read, ordered by
    length, then relation ids. Depth-first per length with neighbours in relation-id order, so each length's paths
    come out in order; a branch is followed only if the targets are near enough to end it in time. Stops (and marks
    the search truncated) after ``budget`` steps: simple-path dead ends are rare but not impossible."""
    graph = explored.graph
    to_goal = _distances(graph, goals)
    adjacency = {
        node: sorted((key, other) for other, keys in graph.adj[node].items() if other != node for key in keys)
        for node in graph.nodes
    }
    steps = 0
    found: list[list[str]] = []

    def extend(node: str, length: int, path: list[str], seen: set[str], out: list[list[str]]) -> None:
        nonlocal steps
        if len(path) == length:
            if node in goals:
                out.append(list(path))
            return
        for key, other in adjacency[node]:
            if len(out) >= limit or steps >= budget:
                return
            steps += 1
            if other in seen or to_goal.get(other, reach + 1) > length - len(path) - 1:
                continue
            path.append(key)
            seen.add(other)
            extend(other, length, path, seen, out)
            seen.discard(other)
            path.pop()

    for length in range(1, reach + 1):
        for start in starts:
            if to_goal.get(start, reach + 1) <= length:
                per_start: list[list[str]] = []
                extend(start, length, [], {start}, per_start)
                found.extend(per_start)
        if steps >= budget:
            explored.truncated = True
        if len(found) >= limit or explored.truncated:
            break
    found.sort(key=lambda p: (len(p), p))
    return found[:limit]


def _distances(graph: nx.MultiGraph, ends: set[str]) -> dict[str, int]:
    """Hops from each entity of ``graph`` to the nearest of ``ends``."""
    import networkx as nx

    present = [e for e in ends if e in graph]
    return dict(nx.multi_source_dijkstra_path_length(graph, present)) if present else {}


def _episode_excerpts(store: Store, ids: set[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for episode_id in sorted(ids):
        episode = store.get_episode(episode_id)
        if episode is None:
            continue
        out[episode_id] = {
            "id": episode.id,
            "created_at": episode.created_at.isoformat(),
            "source": episode.source,
            "actors": sorted({a for m in episode.conversation() for a in (m.actor_id or m.name,) if a}),
            "excerpt": _excerpt(episode)[:_EXCERPT],
        }
    return out


def _excerpt(episode: Episode) -> str:
    """What a person reads as the episode's source: its messages, or a bulk load's triples as ``A -R-> B``."""
    triples = episode.triples()
    if triples is None:
        return " ".join(m.content for m in episode.conversation())
    rows = [(t["source"], t["relationship"], t["destination"]) if isinstance(t, dict) else tuple(t) for t in triples]
    return "; ".join(f"{s} -{r}-> {o}" for s, r, o, *_ in rows)


def to_networkx(store: Store, scope: Scope, include_expired: bool) -> nx.MultiDiGraph:
    import networkx as nx

    graph = nx.MultiDiGraph()
    for e in store.list_entities(scope):
        graph.add_node(e.id, name=e.name, type=e.type, aliases=list(e.aliases), **e.scope.as_dict())
    for r in store.list_relations(scope, include_expired=include_expired):
        view = relation_view(r)
        view.pop("id")
        graph.add_edge(r.source_id, r.target_id, key=r.id, type=r.type, **view)
    return graph
