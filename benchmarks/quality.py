"""Retrieval quality of graphmem on LoCoMo, MetaQA and HotpotQA (development splits), through the public API only.

    python benchmarks/quality.py --data ../shared/data [--only locomo,metaqa,hotpotqa] [--limit N] [--json out.json]
        [--rerank mmr,graph_distance,llm,cross_encoder [--cross-encoder DIR] [--rerank-llm MODEL]]

Offline: the default local embedder and the rule extractor. Every data set is scored with fused search and with each
lane alone (``search.weights`` with one lane > 0; results are kept only where that lane found them, because a
zero-weight lane still contributes candidates at score 0 after the others). Each store is built once per data set
and reopened with another search config for every lane configuration. ``--rerank`` adds a ``fusion+<reranker>``
row per reranker on LoCoMo and HotpotQA (fused search, then ``rerank=True``); ``llm`` and ``cross_encoder`` run only
when a model is given. The data is not shipped (licenses).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_data import (  # benchmarks/ is a folder of scripts, not a package
    LocomoConversation,
    load_hotpotqa,
    load_locomo,
    load_metaqa_kb,
    load_metaqa_questions,
)
from report import machine, table

from graphmem import Memory

LANES = ("vector", "bm25", "graph")
CONFIGS: dict[str, dict[str, float] | None] = {
    "fusion": None,  # the shipped default weights (SearchConfig), so the table shows what users get
    "vector": {"vector": 1.0, "bm25": 0.0, "graph": 0.0},
    "bm25": {"vector": 0.0, "bm25": 1.0, "graph": 0.0},
    "graph": {"vector": 0.0, "bm25": 0.0, "graph": 1.0},
}
RERANKERS: dict[str, dict[str, Any]] = {}  # "fusion+<name>" -> the reranker config section (from --rerank)
METAQA_TARGETS = {1: 0.97, 2: 0.90, 3: 0.75}
LOCOMO_KS = (5, 10, 20)
LOCOMO_CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}


# MetaQA asks up to three hops; the other data sets use the default depth.
METAQA_SEARCH: dict[str, Any] = {"max_hops": 3}


def open_memory(path: Path, config: str, search: dict[str, Any] | None = None) -> Memory:
    weights = CONFIGS.get(config)
    overrides = dict(search or {}) | ({"weights": weights} if weights is not None else {})
    return Memory.from_config(
        {
            "graph_store": {"provider": "embedded", "config": {"path": str(path)}},
            "search": overrides,
            "reranker": RERANKERS.get(config),
        }
    )


def lane_results(hits: dict[str, Any], config: str) -> list[dict[str, Any]]:
    """The ranked results a config stands for: all of them for fusion, else only those its one lane found."""
    results: list[dict[str, Any]] = hits["results"]
    if config == "fusion" or config in RERANKERS:
        return results
    return [r for r in results if config in r.get("lanes", [])]


def timed(label: str, timings: dict[str, float], fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = fn()
    timings[label] = round(time.perf_counter() - start, 2)
    return value


def dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


# ----------------------------------------------------------------------------------------------------- LoCoMo


def ingest_locomo(path: Path, conversations: list[LocomoConversation], infer: bool) -> int:
    m = open_memory(path, "fusion")
    n = 0
    for conv in conversations:
        for turn in tqdm(conv.turns, desc=f"locomo {conv.sample_id} infer={infer}", unit="turn", leave=False):
            r = m.add(
                [{"role": "user", "content": turn.text, "name": turn.speaker}],
                user_id=conv.sample_id,
                metadata={"dia_id": turn.dia_id, "session": turn.session, "date_time": turn.date_time},
                infer=infer,
            )
            n += len(r.get("results", []))
    return n


def eval_locomo(path: Path, conversations: list[LocomoConversation], config: str) -> dict[str, Any]:
    m = open_memory(path, config)
    per_cat: dict[int, dict[int, list[float]]] = {c: {k: [] for k in LOCOMO_KS} for c in LOCOMO_CATEGORIES}
    for conv in conversations:
        for q in conv.questions:
            hits = m.search(q.question, user_id=conv.sample_id, limit=2 * max(LOCOMO_KS), rerank=config in RERANKERS)
            ranked = dedupe(str(r.get("metadata", {}).get("dia_id", "")) for r in lane_results(hits, config))
            gold = set(q.evidence)
            for k in LOCOMO_KS:
                per_cat[q.category][k].append(len(gold & set(ranked[:k])) / len(gold))
    out: dict[str, Any] = {"by_category": {}, "overall": {}}
    for c, by_k in per_cat.items():
        out["by_category"][c] = {f"recall@{k}": _mean(v) for k, v in by_k.items()} | {"n": len(by_k[LOCOMO_KS[0]])}
    for k in LOCOMO_KS:
        everything = [x for by_k in per_cat.values() for x in by_k[k]]
        out["overall"][f"recall@{k}"] = _mean(everything)
    out["overall"]["n"] = sum(len(by_k[LOCOMO_KS[0]]) for by_k in per_cat.values())
    return out


def run_locomo(root: Path, workdir: Path, limit: int | None, reuse: bool = False) -> dict[str, Any]:
    conversations = load_locomo(root)
    if limit is not None:
        for conv in conversations:
            conv.questions = conv.questions[:limit]
    result: dict[str, Any] = {
        "conversations": len(conversations),
        "turns": sum(len(c.turns) for c in conversations),
        "questions": sum(len(c.questions) for c in conversations),
        "skipped_category5": sum(c.skipped_category5 for c in conversations),
        "skipped_malformed_evidence_ids": sum(c.skipped_malformed_ids for c in conversations),
        "skipped_no_evidence": sum(c.skipped_no_evidence for c in conversations),
        "stores": {},
    }
    for infer in (False, True):
        name = "infer" if infer else "verbatim"
        path = workdir / f"locomo-{name}.db"
        timings: dict[str, float] = {}
        if reuse and path.exists():  # a store a previous run left in --workdir
            kept = open_memory(path, "fusion")
            memories = sum(len(kept.get_all(user_id=c.sample_id, limit=100_000)["results"]) for c in conversations)
            timings["ingest_s"] = 0.0
        else:
            memories = timed("ingest_s", timings, lambda p=path, i=infer: ingest_locomo(p, conversations, i))
        store: dict[str, Any] = {"memories_written": memories, "timings": timings, "configs": {}}
        for config in [*CONFIGS, *RERANKERS]:
            store["configs"][config] = timed(
                f"search_{config}_s", timings, lambda p=path, c=config: eval_locomo(p, conversations, c)
            )
        result["stores"][name] = store
    return result


def print_locomo(r: dict[str, Any]) -> None:
    print(
        f"\nLoCoMo: {r['conversations']} conversations, {r['turns']} turns, {r['questions']} questions scored "
        f"(skipped: {r['skipped_category5']} category 5, {r['skipped_malformed_evidence_ids']} malformed evidence ids, "
        f"{r['skipped_no_evidence']} questions without a well-formed evidence id)"
    )
    for name, store in r["stores"].items():
        rows = []
        for config, s in store["configs"].items():
            for c, label in LOCOMO_CATEGORIES.items():
                cat = s["by_category"][c]
                rows.append([config, f"{c} {label}", cat["n"], *[cat[f"recall@{k}"] for k in LOCOMO_KS]])
            o = s["overall"]
            rows.append([config, "overall", o["n"], *[o[f"recall@{k}"] for k in LOCOMO_KS]])
        print()
        print(
            table(
                f"LoCoMo evidence recall, store={name} ({store['memories_written']} memories)",
                ["config", "category", "n", *[f"R@{k}" for k in LOCOMO_KS]],
                rows,
            )
        )
        best_single = max(store["configs"][lane]["overall"]["recall@10"] for lane in LANES)
        fused = store["configs"]["fusion"]["overall"]["recall@10"]
        print(_verdict("fusion R@10 vs best single lane", fused, best_single))
        print("timings (s): " + ", ".join(f"{k}={v}" for k, v in store["timings"].items()))


# ----------------------------------------------------------------------------------------------------- MetaQA


def ingest_metaqa(path: Path, root: Path, chunk: int) -> int:
    triples = load_metaqa_kb(root)
    m = open_memory(path, "fusion")
    with tqdm(total=len(triples), desc="metaqa kb", unit="triple") as bar:
        for start in range(0, len(triples), chunk):
            part = triples[start : start + chunk]
            m.add_triples(part, user_id="kb")
            bar.update(len(part))
    return len(triples)


def candidates(hits: dict[str, Any], topic: str, walk_only: bool | None) -> list[str]:
    """Answer entities in rank order from relations (source and destination), topic entity excluded, deduped.

    ``walk_only``: None = every relation; True = relations the graph walk reached (``hops`` set); False = relations
    found only because their fact reads like the query (``hops`` is None).
    """
    out: list[str] = []
    seen = {topic.strip().lower()}
    for rel in hits.get("relations", []):
        if walk_only is not None and (rel.get("hops") is not None) != walk_only:
            continue
        for name in (rel["source"], rel["destination"]):
            key = name.strip().lower()
            if key not in seen:
                seen.add(key)
                out.append(name)
    return out


def run_metaqa(
    root: Path, workdir: Path, limit: int | None, chunk: int, failures: int, reuse: bool = False
) -> dict[str, Any]:
    path = workdir / "metaqa.db"
    timings: dict[str, float] = {}
    if reuse and path.exists():  # a store a previous run left in --workdir
        n_triples = len(load_metaqa_kb(root))
        timings["ingest_s"] = 0.0
    else:
        n_triples = timed("ingest_s", timings, lambda: ingest_metaqa(path, root, chunk))
    result: dict[str, Any] = {"triples": n_triples, "timings": timings, "hops": {}, "weights_change_relations": {}}
    # Relations (what MetaQA scores; add_triples writes no memories) come from the graph walk and from the relation
    # fact vector search; search.weights only fuse memory lanes. Check that claim on a few questions per config.
    memories = {config: open_memory(path, config, METAQA_SEARCH) for config in CONFIGS}
    for hop in (1, 2, 3):
        questions, total = load_metaqa_questions(root, hop, limit)
        rows: dict[str, dict[str, list[float]]] = {
            k: {"h1": [], "h10": []} for k in ("fusion", "vector", "bm25", "graph")
        }
        examples: list[dict[str, Any]] = []
        differing = 0
        start = time.perf_counter()
        for i, q in enumerate(tqdm(questions, desc=f"metaqa {hop}-hop", unit="q", leave=False)):
            hits = memories["fusion"].search(q.question, user_id="kb", limit=10)
            if i < 10:  # the weight check
                for config in ("vector", "bm25", "graph"):
                    other = memories[config].search(q.question, user_id="kb", limit=10)
                    if other["relations"] != hits["relations"]:
                        differing += 1
            gold = {a.strip().lower() for a in q.answers}
            per = {
                "fusion": candidates(hits, q.topic_entity, None),
                "graph": candidates(hits, q.topic_entity, True),
                "vector": candidates(hits, q.topic_entity, False),
                "bm25": [],  # there is no BM25 lane over relations or entities
            }
            for config, cands in per.items():
                rows[config]["h1"].append(float(bool(cands[:1]) and cands[0].strip().lower() in gold))
                rows[config]["h10"].append(float(any(c.strip().lower() in gold for c in cands[:10])))
            if rows["fusion"]["h10"][-1] == 0.0 and len(examples) < failures:
                examples.append(
                    {
                        "question": q.question,
                        "topic": q.topic_entity,
                        "qtype": q.qtype,
                        "answers": q.answers[:5],
                        "relations": [
                            f"{r['source']} -{r['relationship']}-> {r['destination']} (hops={r['hops']}, "
                            f"score={r['score']})"
                            for r in hits["relations"][:10]
                        ],
                    }
                )
        timings[f"search_{hop}hop_s"] = round(time.perf_counter() - start, 2)
        result["hops"][hop] = {
            "evaluated": len(questions),
            "kb_consistent": total,
            "configs": {c: {"hits@1": _mean(v["h1"]), "hits@10": _mean(v["h10"])} for c, v in rows.items()},
            "failures": examples,
        }
        result["weights_change_relations"][hop] = {"checked": min(10, len(questions)) * 3, "differing": differing}
    return result


def print_metaqa(r: dict[str, Any]) -> None:
    print(f"\nMetaQA: {r['triples']} triples loaded with add_triples (user_id 'kb')")
    rows = []
    for hop, h in r["hops"].items():
        for config, s in h["configs"].items():
            target = METAQA_TARGETS[int(hop)] if config == "fusion" else None
            rows.append([f"{hop}-hop", config, h["evaluated"], h["kb_consistent"], s["hits@1"], s["hits@10"], target])
    print(table("MetaQA Hits (answer entities from `relations`)", ["hop", "config", "n", "of", "H@1", "H@10", "target"],
                rows))  # fmt: skip
    print(
        "lanes: vector = relations found by fact-embedding search only (hops=None); graph = relations the walk "
        "reached; bm25 has no relation lane (0 by construction)"
    )
    for hop, h in r["hops"].items():
        fused = h["configs"]["fusion"]["hits@10"]
        best = max(h["configs"][lane]["hits@10"] for lane in LANES)
        print(_verdict(f"{hop}-hop fusion H@10 vs best single lane", fused, best))
        print(_verdict(f"{hop}-hop fusion H@10 vs target", fused, METAQA_TARGETS[int(hop)], strict=False))
    for hop, w in r["weights_change_relations"].items():
        print(f"{hop}-hop: relations differed between weight configs in {w['differing']} of {w['checked']} checks")
    print("timings (s): " + ", ".join(f"{k}={v}" for k, v in r["timings"].items()))
    for hop, h in r["hops"].items():
        for ex in h["failures"][:3]:
            print(f"\n  miss ({hop}-hop, {ex['qtype']}): {ex['question']!r} gold={ex['answers']}")
            for line in ex["relations"]:
                print(f"    {line}")


# ----------------------------------------------------------------------------------------------------- HotpotQA


def run_hotpotqa(root: Path, workdir: Path, limit: int | None, reuse: bool = False) -> dict[str, Any]:
    data = load_hotpotqa(root)
    questions = data.questions[:limit] if limit is not None else data.questions
    path = workdir / "hotpotqa.db"
    timings: dict[str, float] = {}

    def ingest() -> None:
        m = open_memory(path, "fusion")
        for title, text in tqdm(data.passages.items(), desc="hotpotqa passages", unit="doc", leave=False):
            m.add(f"{title}\n{text}", user_id="hotpot", infer=False, metadata={"title": title})

    if reuse and path.exists():
        timings["ingest_s"] = 0.0
    else:
        timed("ingest_s", timings, ingest)
    result: dict[str, Any] = {"passages": len(data.passages), "questions": len(questions), "timings": timings}
    result["configs"] = {}
    for config in [*CONFIGS, *RERANKERS]:

        def evaluate(c: str = config) -> dict[str, float]:
            m = open_memory(path, c)
            r2: list[float] = []
            r5: list[float] = []
            for q in questions:
                hits = m.search(q.question, user_id="hotpot", limit=5, rerank=c in RERANKERS)
                titles = dedupe(str(r.get("metadata", {}).get("title", "")) for r in lane_results(hits, c))
                gold = set(q.supporting)
                r2.append(len(gold & set(titles[:2])) / len(gold))
                r5.append(len(gold & set(titles[:5])) / len(gold))
            return {"recall@2": _mean(r2), "recall@5": _mean(r5)}

        result["configs"][config] = timed(f"search_{config}_s", timings, evaluate)
    return result


def print_hotpotqa(r: dict[str, Any]) -> None:
    print(f"\nHotpotQA: {r['passages']} passages, {r['questions']} questions")
    rows = [[c, s["recall@2"], s["recall@5"]] for c, s in r["configs"].items()]
    print(table("HotpotQA passage recall", ["config", "R@2", "R@5"], rows))
    best = max(r["configs"][lane]["recall@5"] for lane in LANES)
    print(_verdict("fusion R@5 vs best single lane", r["configs"]["fusion"]["recall@5"], best))
    print("timings (s): " + ", ".join(f"{k}={v}" for k, v in r["timings"].items()))


# ----------------------------------------------------------------------------------------------------- main


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _verdict(label: str, measured: float, target: float, strict: bool = True) -> str:
    ok = measured > target if strict else measured >= target
    return f"{label}: {measured:.3f} vs {target:.3f} {'(met)' if ok else '(NOT met)'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder holding locomo-dev/, metaqa-dev/, ...")
    parser.add_argument("--only", default="locomo,metaqa,hotpotqa", help="comma-separated data sets to run")
    parser.add_argument("--limit", type=int, default=None, help="questions per data set (MetaQA: per hop)")
    parser.add_argument("--metaqa-limit", type=int, default=300, help="MetaQA questions per hop when --limit unset")
    parser.add_argument("--chunk", type=int, default=5000, help="triples per add_triples call")
    parser.add_argument("--failures", type=int, default=5, help="MetaQA misses kept per hop for inspection")
    parser.add_argument("--workdir", type=Path, default=None, help="where stores go (default: a temp dir)")
    parser.add_argument("--reuse", action="store_true", help="reuse the stores a previous run left in --workdir")
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")
    parser.add_argument("--rerank", default="", help="rerankers to score as extra rows: mmr,graph_distance,llm,...")
    parser.add_argument("--cross-encoder", default=None, help="cross_encoder: a local cross-encoder model directory")
    parser.add_argument("--rerank-llm", default=None, help="llm: an OpenAI-compatible chat model name")
    parser.add_argument("--rerank-llm-base-url", default=None, help="llm: the server (default: OpenAI)")
    args = parser.parse_args(argv)
    for name in (s.strip() for s in args.rerank.split(",") if s.strip()):
        if name not in ("mmr", "graph_distance", "llm", "cross_encoder"):
            parser.error(f"unknown reranker: {name!r}")
        if name == "llm" and not args.rerank_llm:
            print("skipping the llm reranker: no --rerank-llm model given")
        elif name == "cross_encoder" and not args.cross_encoder:
            print("skipping the cross_encoder reranker: no --cross-encoder directory given")
        else:
            settings: dict[str, Any] = {
                "llm": {"llm": {"provider": "openai", "config": {"model": args.rerank_llm,
                                                                 "base_url": args.rerank_llm_base_url}}},
                "cross_encoder": {"model_path": args.cross_encoder},
            }.get(name, {})  # fmt: skip
            RERANKERS[f"fusion+{name}"] = {"provider": name, "config": settings}
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - {"locomo", "metaqa", "hotpotqa"}
    if unknown:
        parser.error(f"unknown data sets: {sorted(unknown)}")

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['os']}")
    report: dict[str, Any] = {"machine": info, "args": {k: str(v) for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory(prefix="graphmem-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if "locomo" in only:
            report["locomo"] = run_locomo(args.data, workdir, args.limit, args.reuse)
            print_locomo(report["locomo"])
        if "hotpotqa" in only:
            report["hotpotqa"] = run_hotpotqa(args.data, workdir, args.limit, args.reuse)
            print_hotpotqa(report["hotpotqa"])
        if "metaqa" in only:
            limit = args.limit if args.limit is not None else args.metaqa_limit
            report["metaqa"] = run_metaqa(args.data, workdir, limit, args.chunk, args.failures, args.reuse)
            print_metaqa(report["metaqa"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
