"""Exploring the graph directly: neighbourhoods, evidence paths between two entities, a networkx view.

Paths are for compliance work ("how are A and B linked, and who said so?"): every hop carries its relation fact,
validity times and the episodes it came from, with a short excerpt of each episode's text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphmem.errors import NotFoundError
from graphmem.models import EntityRecord, Episode, RelationRecord, Scope, normalize_name
from graphmem.recall.walk import walk
from graphmem.results import RelationView
from graphmem.stores.base import Store

if TYPE_CHECKING:  # networkx is imported where a graph is built: `import graphmem` and the CLI stay quick
    import networkx as nx

_PATH_FANOUT = 200  # edges read per entity per hop while searching paths
_EXCERPT = 200


def _entities(store: Store, scope: Scope, name: str) -> list[EntityRecord]:
    found = store.entities_named(scope, [normalize_name(name)])
    if not found:
        raise NotFoundError("entity", name)
    return found


def relation_view(r: RelationRecord, hops: int | None = None) -> dict[str, Any]:
    """A stored relation as ``neighbors``/``paths``/``to_networkx`` show it: ``RelationView.stored``, dumped here
    because these views are extended as dicts (a path hop gains its ``episodes``)."""
    return RelationView.stored(r, hops).api()


def neighbors(store: Store, scope: Scope, entity: str, hops: int, limit: int) -> dict[str, Any]:
    start = _entities(store, scope, entity)
    out: dict[str, dict[str, Any]] = {}
    for step in walk(store, scope, [e.id for e in start], hops, _PATH_FANOUT):
        for edge in step.edges:
            if edge.id not in out:
                out[edge.id] = relation_view(edge, step.depth)
    ranked = sorted(out.values(), key=lambda v: (v["hops"], v["source"], v["relationship"], v["destination"]))
    return {"entity": start[0].name, "relations": ranked[:limit]}


def paths(store: Store, scope: Scope, source: str, target: str, max_hops: int, limit: int) -> list[dict[str, Any]]:
    """Simple paths (no entity twice) of at most ``max_hops`` edges, either direction, shortest first."""
    import networkx as nx

    starts = {e.id for e in _entities(store, scope, source)}
    goals = {e.id for e in _entities(store, scope, target)}
    graph = nx.MultiGraph()
    relations: dict[str, RelationRecord] = {}
    for step in walk(store, scope, starts, max_hops, _PATH_FANOUT):
        for edge in step.edges:
            relations[edge.id] = edge
            graph.add_edge(edge.source_id, edge.target_id, key=edge.id)
    found: list[list[str]] = []
    for start in starts:
        for goal in goals:
            if start == goal or start not in graph or goal not in graph:
                continue
            for edge_path in nx.all_simple_edge_paths(graph, start, goal, cutoff=max_hops):
                found.append([key for _, _, key in edge_path])
    found.sort(key=lambda p: (len(p), p))
    episodes = _episode_excerpts(
        store, {e for p in found[:limit] for r in p for e in relations[r].provenance.episode_ids}
    )
    out = []
    for path in found[:limit]:
        hops = []
        for relation_id in path:
            view = relation_view(relations[relation_id])
            view["episodes"] = [episodes[e] for e in relations[relation_id].provenance.episode_ids if e in episodes]
            hops.append(view)
        out.append({"length": len(path), "hops": hops})
    return out


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
            "actors": sorted({a for m in episode.messages for a in (m.actor_id or m.name,) if a}),
            "excerpt": _excerpt(episode)[:_EXCERPT],
        }
    return out


def _excerpt(episode: Episode) -> str:
    """What a person reads as the episode's source: its messages, or a bulk load's triples as ``A -R-> B``."""
    triples = episode.triples()
    if triples is None:
        return " ".join(m.content for m in episode.messages)
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
