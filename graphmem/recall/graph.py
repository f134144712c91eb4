"""The graph lane: link the query to entities, then walk their relations outward, steered by what the query asks.

Relation-aware expansion. A path from a linked entity is scored by how much of the question it explains. Each
content word of the query is matched against the relation types on the path: the best of the cosine between the
word and the type phrase (``DIRECTED_BY`` -> "directed by") and a shared word stem ("director"/"directed"). A word
explains a type as far as that match stands out above the word's mean match over the types met, and a path's
coverage is the share of all the words' explainable signal that its best matches account for (1: every word's best
type is on the path). Sentence-level similarity barely separates relation types ("who directed the films X starred
in" is about as close to "starred actors" as to "directed by"); single words do. So that question prefers
X -starred-> film -directed-> person (both words covered) over X -starred-> film alone, while "what did X star in"
stops at the first hop (a second one explains nothing more). A relation whose own fact reads like the query
(conversational facts) scores by that cosine when it is higher. Score = seed strength x max(coverage, fact
cosine) ** ``relevance_power`` x ``hop_decay`` per hop beyond the first; each entity keeps its best path, and only
the ``beam`` best entities go on to the next hop.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from graphmem.config import SearchConfig
from graphmem.models import RelationRecord, normalize_name
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.query import SearchQuery
from graphmem.recall.walk import walk_rows
from graphmem.stores.base import Edge, Store
from graphmem.vocab import type_phrase, words

_MIN_STEM = 4  # letters two word forms must share at the start to count as one stem
_PARTIAL_LINK = 0.6  # strength of an entity only some of whose name words are in the query
_CASE_ONLY = 0.5  # a whole name found only when case is ignored ("fall" for the film "Fall"): likely a plain word
_FUZZY_BESIDE_EXACT = 0.5  # partial and embedding links count less once the query names an entity outright
# Whether the walk takes a hub's edges of the types the query asks about first (``Relevance.prefer``) instead of its
# newest. Off: on the MetaQA dev questions (100 per hop, max_hops 3) it changed which of a hub's many equally scored
# edges were read and lost one question at 1 hop and one at 2 hops (H@10 0.99 -> 0.98, 0.85 -> 0.84; 3 hops equal).
# Every store supports it (``Store.edge_rows``, contract-tested); turn it on with a scorer that separates such ties.
PREFER_TYPES_THROUGH_HUBS = False


@dataclass
class Linked:
    seeds: dict[str, float] = field(default_factory=dict)  # entity id -> strength in (0, 1]
    covered: set[str] = field(default_factory=set)  # query words inside the names matched in full


def link(store: Store, q: SearchQuery, cfg: SearchConfig) -> Linked:
    """Seeds for the walk, by name (whole names first: a name inside a longer matched name is not a seed), by
    name-embedding similarity, and the user's own entity for first-person queries. Three store calls (a name
    search, the entities it found, a name-vector search), a fourth for a first-person query."""
    linked = Linked()
    query_words = q.words
    full: list[tuple[str, str, tuple[int, int]]] = []  # entity id, the name found, its span in the query words
    partial: list[tuple[str, float, set[str]]] = []
    for entity in store.get_entities([h[0] for h in store.text_search("entity", q.scope, list(q.terms), 25)]):
        spans = [(name, s) for name in [entity.name, *entity.aliases] for s in _spans(words(name), query_words)]
        if spans:
            name, span = max(spans, key=lambda found: found[1][1] - found[1][0])
            full.append((entity.id, name, span))
            continue
        for name in [entity.name, *entity.aliases]:
            name_words = set(words(name))
            shared = name_words & set(query_words)
            if shared:
                partial.append((entity.id, _PARTIAL_LINK * len(shared) / len(name_words), shared))
    for entity_id, name, (start, end) in full:
        inside_longer = any(s <= start and end <= e and (e - s) > (end - start) for _, _, (s, e) in full)
        if inside_longer:
            continue
        if name in q.text:
            linked.seeds[entity_id] = 1.0
            if end - start > 1 or not name.islower():  # a lone lower-case word ("director") is still a word too
                linked.covered.update(query_words[start:end])
        else:  # probably a plain word that happens to name something: it still counts as a word of the question
            linked.seeds[entity_id] = _CASE_ONLY
    named = bool(linked.seeds)
    fuzzy = _FUZZY_BESIDE_EXACT if named else 1.0
    for entity_id, strength, shared in partial:
        if not shared <= linked.covered:  # a word already explained by a whole name links nothing more
            _offer(linked.seeds, entity_id, fuzzy * strength)
    if not named:  # no name in full: "GraphConf" names GraphConf 2025 and says who, not what, as a whole name would
        linked.covered.update(w for _, _, shared in partial for w in shared)
    for entity_id, similarity in store.vector_search("entity", q.scope, q.vector, 10):
        if similarity >= cfg.entity_link_similarity:
            _offer(linked.seeds, entity_id, fuzzy * similarity)
    if q.scope.user_id and q.mentions_self:
        for entity in store.entities_named(q.scope, [normalize_name(q.scope.user_id)]):
            _offer(linked.seeds, entity.id, 1.0)
    return linked


def _offer(seeds: dict[str, float], entity_id: str, strength: float) -> None:
    if strength > seeds.get(entity_id, 0.0):
        seeds[entity_id] = strength


def _spans(name: Sequence[str], text: Sequence[str]) -> list[tuple[int, int]]:
    n = len(name)
    if n == 0:
        return []
    return [(i, i + n) for i in range(len(text) - n + 1) if list(text[i : i + n]) == list(name)]


class Relevance:
    """Per-search matcher: query words against relation types, and the query against relation facts."""

    def __init__(self, store: Store, q: SearchQuery, query_words: Sequence[str], phrases: PhraseVectors) -> None:
        self.store = store
        self.vector = q.vector
        self.phrases = phrases
        self.query_words = list(query_words)
        self.words = phrases.matrix(self.query_words)
        self._by_type: dict[str, npt.NDArray[np.float32]] = {}
        self._mean = np.zeros(self.n_words, dtype=np.float32)
        self._signal = 0.0

    def explained(self, covers: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """For each path (a row of ``covers``: its best match per query word), the share of what the query's words
        can tell apart that the path accounts for; all paths in one array operation (a walk through hubs meets
        thousands).

        A query that asks nothing beyond the entities it names ("What do you know about me?") is answered by every
        path from them: all of it is explained, and only hop decay and seed strength tell the paths apart."""
        if self.n_words == 0:
            return np.ones(covers.shape[0])
        if self._signal <= 0.0:
            return np.zeros(covers.shape[0])
        # summed in float32 like each path's own sum was, then divided in float64: the same scores as one by one
        shares: npt.NDArray[np.float64] = np.maximum(covers - self._mean, 0.0).sum(axis=1).astype(np.float64)
        return shares / self._signal

    @property
    def n_words(self) -> int:
        return int(self.words.shape[0])

    def facts(self, edges: Sequence[Edge]) -> dict[str, float]:
        return self.store.similarity("relation", [e.id for e in edges], self.vector)

    def prefer(self) -> dict[str, float]:
        """The types the next hop takes first through a hub (``store.edge_rows``): for each query word, the type
        met so far that it matches best, weighted by how far that match stands out (its cosine above the word's
        mean over the types met). Every other edge follows, newest first. So where an entity has more than
        ``fanout`` edges, those of the relation the question asks about are read before its newest others, not
        instead of being read at all. Hop 1 knows no types yet, and a query with no words to steer by (it asks
        only about the entities it names) prefers none: newest first."""
        if self.n_words == 0 or not self._by_type:
            return {}
        types = list(self._by_type)
        lift = np.stack([self._by_type[t] for t in types]) - self._mean  # types x words
        out: dict[str, float] = {}
        for word, best in enumerate(lift.argmax(axis=0)):
            weight = float(lift[best, word])
            if weight > out.get(types[best], 0.0):
                out[types[best]] = weight
        return out

    def type_match(self, edges: Sequence[Edge]) -> dict[str, npt.NDArray[np.float32]]:
        """Relation type -> cosine of each query word with the type phrase (clipped at 0)."""
        new = sorted({e.type for e in edges} - set(self._by_type))
        if new:
            phrases = [type_phrase(t) for t in new]
            sims = np.maximum(self.phrases.matrix(phrases) @ self.words.T, _shared_stems(phrases, self.query_words))
            self._by_type.update({t: row.astype(np.float32) for t, row in zip(new, sims, strict=True)})
            table = np.stack(list(self._by_type.values()))
            # A word explains a relation as far as the type stands out among the types met so far: its cosine
            # above the word's mean over them. A word close to every type alike ("films" in a film graph) has
            # little to explain, so it cannot make a longer path look better.
            self._mean = table.mean(axis=0)
            self._signal = float(np.maximum(table.max(axis=0) - self._mean, 0.0).sum())
        return self._by_type


def _shared_stems(phrases: Sequence[str], query_words: Sequence[str]) -> npt.NDArray[np.float32]:
    """Word-form overlap (phrase x word): the shared prefix over the longer word, when it is at least
    ``_MIN_STEM`` letters ("director"/"directed" 0.75, "genres"/"genre" 0.83). Embeddings of single words miss
    such pairs surprisingly often; a shared stem is plain evidence."""
    out = np.zeros((len(phrases), len(query_words)), dtype=np.float32)
    for i, phrase in enumerate(phrases):
        for j, word in enumerate(query_words):
            for part in phrase.split():
                n = len(os.path.commonprefix([part, word]))  # noqa: RUF071 (letters, not paths)
                if n >= _MIN_STEM:
                    out[i, j] = max(out[i, j], n / max(len(part), len(word)))
    return out


class Reached(NamedTuple):
    """A relation the walk reached and its best path's score (a tuple: a walk through hubs makes thousands)."""

    relation: Edge  # a light row: the search fetches the records of those it reports
    score: float
    hops: int
    fact: float | None = None  # cosine of the relation's fact with the query (None: it has no embedding)


def expand(
    store: Store, q: SearchQuery, seeds: dict[str, float], relevance: Relevance, cfg: SearchConfig
) -> list[Reached]:
    """Walk both directions, ``cfg.max_hops`` deep, ``cfg.fanout`` edges per entity and ``cfg.beam`` entities per
    hop, then score every relation met by the path that reached it (best first). Two store calls per hop: the
    edges (``walk_rows``: light rows, at most ``fanout`` per entity; see ``PREFER_TYPES_THROUGH_HUBS``) and their
    facts' cosines with the query.

    Coverage is measured against every relation type the walk met, which is known only at the end; during the walk
    paths are ranked (for the beam) by their words' plain mean match instead.
    """
    met: dict[str, tuple[float, Edge, float, int, int]] = {}  # id -> best path: score, edge, strength, cover, hop
    # Every path's coverage (its best match per query word) is a row of one of these matrices, named by its row in
    # all of them together: row 0 is a seed's (nothing covered yet).
    covers = [np.zeros((1, relevance.n_words), dtype=np.float32)]
    rows = 1
    best = dict(seeds)  # entity -> best walk score of a path reaching it (a seed: its strength)
    frontier = {entity: (strength, 0) for entity, strength in seeds.items()}  # entity -> (seed strength, cover row)
    facts: dict[str, float] = {}
    for step in walk_rows(store, q.scope, frontier, cfg.max_hops, cfg.fanout, q.as_of):
        hop = step.depth
        edges = sorted(step.edges, key=relation_order)  # ties: stable
        facts.update(relevance.facts([e for e in edges if e.id not in facts]))  # an edge met again keeps its cosine
        types = relevance.type_match(edges)
        type_rows = {t: i for i, t in enumerate(types)}
        decay = cfg.hop_decay ** (hop - 1)
        following: dict[str, tuple[float, str, float, int]] = {}
        # Every (edge, end in the frontier) pair's coverage in one array operation, gathered by row numbers: through
        # hubs a hop meets thousands of edges, and numpy calls per edge were a large part of the walk (issue 13).
        steps = [
            (edge, here, there, name)
            for edge in edges
            for here, there, name in (
                (edge.source_id, edge.target_id, edge.target),
                (edge.target_id, edge.source_id, edge.source),
            )
            if here in frontier
        ]
        seen = np.concatenate(covers) if len(covers) > 1 else covers[0]
        if steps:
            table = np.stack(list(types.values())) if types else np.zeros((0, relevance.n_words), np.float32)
            now = np.maximum(
                seen[[frontier[here][1] for _, here, _, _ in steps]], table[[type_rows[e.type] for e, _, _, _ in steps]]
            )
        else:
            now = np.zeros((0, relevance.n_words), dtype=np.float32)
        means = now.mean(axis=1).tolist() if relevance.n_words else [0.0] * len(steps)
        for row, ((edge, here, there, name), mean) in enumerate(zip(steps, means, strict=True), start=rows):
            strength = frontier[here][0]
            path = strength * max(mean, facts.get(edge.id, 0.0)) * decay
            if edge.id not in met or path > met[edge.id][0]:
                met[edge.id] = (path, edge, strength, row, hop)
            if path > best.get(there, 0.0):
                best[there] = path
                following[there] = (path, name, strength, row)
        covers.append(now)
        rows += len(steps)
        ranked = sorted(following.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))[: cfg.beam]
        frontier = {entity: (strength, row) for entity, (_, _, strength, row) in ranked}
        step.follow(frontier, relevance.prefer() if PREFER_TYPES_THROUGH_HUBS else None)
    paths = list(met.values())
    every_cover = np.concatenate(covers) if len(covers) > 1 else covers[0]
    explained = relevance.explained(every_cover[[row for _, _, _, row, _ in paths]]).tolist()
    power, hop_decay = cfg.relevance_power, cfg.hop_decay
    reached = []
    for (_, edge, strength, _, hop), share in zip(paths, explained, strict=True):
        fact = facts.get(edge.id)
        fit = max(share, fact or 0.0, 0.0)
        reached.append(Reached(edge, strength * fit**power * hop_decay ** (hop - 1), hop, fact))
    # Best first; equal scores by fewer hops, then by what the relation says: three stable sorts, each by a key
    # made in C (one Python key per path was a tenth of a hub-heavy search).
    reached.sort(key=_REACHED_ORDER)
    reached.sort(key=attrgetter("hops"))
    reached.sort(key=attrgetter("score"), reverse=True)
    return reached


# A stable order for relations of equal score: by what they say, not by their random ids (which differ between two
# stores given the same adds, so ordering by them made scores change from run to run). An ``attrgetter``: the walk
# sorts thousands of edges a search by it, and a Python function per edge was a tenth of a hub-heavy search.
relation_order: Callable[[RelationRecord | Edge], tuple[str, str, str, str, str]] = attrgetter(
    "source", "type", "target", "fact", "id"
)
_REACHED_ORDER = attrgetter(*(f"relation.{part}" for part in ("source", "type", "target", "fact", "id")))


def memory_scores(
    store: Store, q: SearchQuery, seeds: dict[str, float], reached: list[Reached], limit: int
) -> dict[str, float]:
    """Memories the walk points at: those cited by reached relations, then (at most ``limit``) those that mention a
    seed entity. The caller ranks them (ties in a stable order: see ``recall.search``)."""
    scores: dict[str, float] = {}
    for r in reached:
        for memory_id in r.relation.memory_ids:
            scores[memory_id] = max(scores.get(memory_id, 0.0), r.score)
    for memory_id, entity_id in store.memories_mentioning(q.scope, list(seeds), limit):
        scores[memory_id] = max(scores.get(memory_id, 0.0), 0.5 * seeds[entity_id])
    return scores
