"""Pictures of one scope's entity graph, for people who would rather look than read (notebooks, ``graphmem draw``).

Entities are nodes labelled with their names, current relations are arrows labelled with their types; a path (as
``Memory.paths`` answers it) or an entity's neighbourhood can be picked out in colour. The data comes from the
public ``Memory`` methods (``to_networkx``, ``neighbors``), so a drawing shows exactly what those answer.

matplotlib is an optional extra (``pip install 'graphmem[viz]'``): it is imported when something is drawn, so
``import graphmem.viz`` always works and a missing extra is one ``ImportError`` that names it.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from graphmem.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from graphmem.memory import Memory

__all__ = ["MAX_NODES", "Drawing", "draw"]

# Beyond this many entities a picture is a hairball (and networkx's layout would need scipy): draw a neighbourhood.
MAX_NODES = 200
_NODE_SIZE = 1800  # points²: room for a name of two short lines
_INSTALL_HINT = "pip install 'graphmem[viz]'"
_NODE, _NODE_LIT = "#cfe2f3", "#f6b26b"  # plain and highlighted entities
_EDGE, _EDGE_LIT = "#999999", "#cc0000"  # plain and highlighted relations


@dataclass(frozen=True)
class Drawing:
    """A drawn graph: ``graph`` is what was drawn (``to_networkx``'s nodes and edges, each with a ``highlight``
    flag), ``figure`` the matplotlib figure. Jupyter shows it as a PNG; ``save`` writes that PNG to a file."""

    graph: nx.MultiDiGraph
    figure: Figure

    def save(self, file: str | Path) -> Path:
        """Write the picture as PNG (whatever the file's suffix) and return the path."""
        path = Path(file)
        self.figure.savefig(path, format="png")
        return path

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:  # what IPython/Jupyter display
        return self.png()

    def __repr__(self) -> str:
        return f"<Drawing: {self.graph.number_of_nodes()} entities, {self.graph.number_of_edges()} relations>"


def draw(
    memory: Memory,
    *,
    user_id: str | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    entity: str | None = None,
    depth: int = 1,
    path: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> Drawing:
    """Draw the scope's current entity graph. ``Drawing.graph`` has entity names as nodes (entities of one name in
    several runs of a user are one node on the picture) and relations as edges keyed by their ids.

    ``entity`` (a name or alias) draws only the relations within ``depth`` hops of it (what ``neighbors`` answers:
    the nearest 100), with the entity in colour; otherwise the whole scope is drawn. A drawing holds at most
    ``MAX_NODES`` entities (a ``ValidationError`` says to draw a neighbourhood instead). ``path``, one element of
    what ``paths`` returns, colours its hops and their entities. An unknown ``entity`` raises ``NotFoundError``;
    without the ``viz`` extra, ``ImportError`` names it.
    """
    figure_class = _figure_class()  # before any store work: a missing extra fails fast
    graph = nx.MultiDiGraph()
    if entity is None:
        whole = memory.to_networkx(user_id=user_id, agent_id=agent_id, run_id=run_id)
        graph.add_nodes_from(name for _, name in whole.nodes(data="name"))
        if graph.number_of_nodes() > MAX_NODES:
            raise ValidationError(
                "entity",
                f"the scope holds {graph.number_of_nodes()} entities, more than a drawing can show ({MAX_NODES}): "
                "give an entity (graphmem draw --entity NAME) to draw its neighbourhood",
            )
        relations = [{"id": key, **data} for _, _, key, data in whole.edges(keys=True, data=True)]
        lit_nodes: set[str] = set()
    else:  # neighbors answers at most 100 relations, so at most 201 entities
        near = memory.neighbors(entity, hops=depth, user_id=user_id, agent_id=agent_id, run_id=run_id)
        graph.add_node(near["entity"])
        relations, lit_nodes = near["relations"], {near["entity"]}
    lit_edges = {hop["id"] for hop in path["hops"]} if path is not None else set()
    for r in relations:
        lit = r["id"] in lit_edges
        graph.add_edge(
            r["source"], r["destination"], key=r["id"], type=r["relationship"], fact=r["fact"], highlight=lit
        )
        if lit:
            lit_nodes.update((r["source"], r["destination"]))
    for node, data in graph.nodes(data=True):
        data["highlight"] = node in lit_nodes
    label = ", ".join(f"{k} {v}" for k, v in (("user", user_id), ("agent", agent_id), ("run", run_id)) if v)
    if entity is not None:
        label += f", {depth} hop{'s' if depth != 1 else ''} around {entity}"
    heading = title or f"{label}: {graph.number_of_nodes()} entities, {graph.number_of_edges()} relations"
    return Drawing(graph, _render(graph, figure_class, heading))


def _figure_class() -> type[Figure]:
    try:
        from matplotlib.figure import Figure
    except ModuleNotFoundError as exc:
        raise ImportError(
            f"graphmem.viz needs matplotlib, which the viz extra installs: {_INSTALL_HINT}", name="matplotlib"
        ) from exc
    return Figure


def _render(graph: nx.MultiDiGraph, figure_class: type[Figure], heading: str) -> Figure:
    """Lay the graph out (seeded, so the same graph gives the same picture) and draw it on a figure of its own
    (no pyplot: nothing global is touched, and no window opens)."""
    count = graph.number_of_nodes()
    side = min(16.0, 4.0 + 1.2 * math.sqrt(count))
    figure = figure_class(figsize=(side * 1.25, side), dpi=100, layout="tight")
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_title(heading)
    if count == 0:
        ax.text(0.5, 0.5, "(no entities)", ha="center", va="center", transform=ax.transAxes)
        return figure
    positions = _layout(graph)
    simple = nx.DiGraph(graph)  # one arrow per direction; parallel relations share it and its label
    lit = {(u, v) for u, v, on in graph.edges(data="highlight") if on}
    nx.draw_networkx_edges(
        simple,
        positions,
        ax=ax,
        edge_color=[_EDGE_LIT if e in lit else _EDGE for e in simple.edges],
        width=[2.5 if e in lit else 1.0 for e in simple.edges],
        arrowsize=14,
        node_size=_NODE_SIZE,
    )
    colours = [_NODE_LIT if on else _NODE for _, on in graph.nodes(data="highlight")]
    nx.draw_networkx_nodes(graph, positions, ax=ax, node_color=colours, node_size=_NODE_SIZE, edgecolors="#555555")
    labels = {node: textwrap.fill(node, 12) for node in graph}
    nx.draw_networkx_labels(graph, positions, labels=labels, ax=ax, font_size=8)
    _edge_labels(ax, graph, positions)
    return figure


def _layout(graph: nx.MultiDiGraph) -> dict[Any, tuple[float, float]]:
    """Each connected part laid out on its own (seeded spring layout, its size growing with its entity count), the
    parts packed in rows, largest first: one layout of the whole would push the parts apart and squeeze each."""
    undirected = nx.Graph(graph)
    parts = sorted(nx.connected_components(undirected), key=lambda part: (-len(part), sorted(part)))
    row_width = 2.5 * math.sqrt(graph.number_of_nodes())  # in units where a lone entity's cell is 1 wide
    positions: dict[Any, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for part in parts:
        radius = 0.5 * math.sqrt(len(part))
        if x > 0 and x + 2 * radius > row_width:
            x, y, row_height = 0.0, y - row_height, 0.0
        centre = (x + radius, y - radius)
        if len(part) == 1:
            positions[next(iter(part))] = centre
        else:
            laid = nx.spring_layout(undirected.subgraph(part), seed=7, center=centre, scale=radius, iterations=200)
            positions.update({node: (float(px), float(py)) for node, (px, py) in laid.items()})
        x, row_height = x + 2 * radius + 0.5, max(row_height, 2 * radius + 0.5)
    return positions


def _edge_labels(ax: Axes, graph: nx.MultiDiGraph, positions: Mapping[Any, Any]) -> None:
    """Relation types at the middle of each arrow; those between the same two entities share one label. When
    relations go both ways, each type gets an arrow pointing the way it goes on the picture (the arrows overlap)."""
    pairs: dict[frozenset[Any], list[tuple[Any, Any, str]]] = {}
    for u, v, kind in graph.edges(data="type"):
        pairs.setdefault(frozenset((u, v)), []).append((u, v, kind))
    for edges in pairs.values():
        (x1, y1), (x2, y2) = positions[edges[0][0]], positions[edges[0][1]]
        both_ways = len({u for u, _, _ in edges}) > 1
        lines = {_pointed(kind, positions[u][0] < positions[v][0]) if both_ways else kind for u, v, kind in edges}
        box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}
        ax.text((x1 + x2) / 2, (y1 + y2) / 2, "\n".join(sorted(lines)), fontsize=7, ha="center", va="center", bbox=box)


def _pointed(kind: str, rightwards: bool) -> str:
    return f"{kind} →" if rightwards else f"← {kind}"
