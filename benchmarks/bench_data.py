"""Loaders for the development data sets (LoCoMo, MetaQA, HotpotQA). The data is never shipped with graphmem.

Each loader reads the folder layout described in the data README (``locomo-dev/``, ``metaqa-dev/``,
``hotpotqa-dev/``) and returns plain dataclasses, so the harness never touches raw JSON shapes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

_DIA_ID = re.compile(r"^D\d+:\d+$")


@dataclass
class Turn:
    dia_id: str
    speaker: str
    text: str
    session: int
    date_time: str


@dataclass
class LocomoQuestion:
    question: str
    category: int
    evidence: list[str]  # well-formed dia_ids only


@dataclass
class LocomoConversation:
    sample_id: str
    turns: list[Turn]
    questions: list[LocomoQuestion]
    skipped_malformed_ids: int = 0  # evidence ids like "D8:6; D9:17" or "D"
    skipped_no_evidence: int = 0  # questions left with no well-formed evidence id
    skipped_category5: int = 0


def load_locomo(root: Path) -> list[LocomoConversation]:
    samples = json.loads((root / "locomo-dev" / "locomo_dev.json").read_text())
    out: list[LocomoConversation] = []
    for sample in samples:
        conv = sample["conversation"]
        turns: list[Turn] = []
        n = 1
        while f"session_{n}" in conv:
            when = str(conv.get(f"session_{n}_date_time", ""))
            for t in conv[f"session_{n}"]:
                text = str(t.get("text", ""))
                caption = t.get("blip_caption")
                if caption:  # image turns: the caption is part of what was said
                    text = f"{text} [shared an image: {caption}]"
                turns.append(Turn(str(t["dia_id"]), str(t["speaker"]), text, n, when))
            n += 1
        item = LocomoConversation(str(sample.get("sample_id", len(out))), turns, [])
        for qa in sample["qa"]:
            category = int(qa["category"])
            if category == 5:
                item.skipped_category5 += 1
                continue
            good = [e for e in qa.get("evidence", []) if _DIA_ID.match(str(e).strip())]
            item.skipped_malformed_ids += len(qa.get("evidence", [])) - len(good)
            if not good:
                item.skipped_no_evidence += 1
                continue
            item.questions.append(LocomoQuestion(str(qa["question"]), category, [e.strip() for e in good]))
        out.append(item)
    return out


@dataclass
class MetaQAQuestion:
    id: str
    hop: int
    question: str  # brackets removed, entity text kept
    topic_entity: str
    answers: list[str]
    qtype: str


def load_triples(path: Path) -> list[tuple[str, str, str]]:
    """``subject|relation|object`` lines (the MetaQA KB's format); lines without three non-empty parts skipped."""
    triples: list[tuple[str, str, str]] = []
    for line in path.read_text().splitlines():
        parts = line.split("|")
        if len(parts) == 3 and all(p.strip() for p in parts):
            triples.append((parts[0], parts[1], parts[2]))
    return triples


def load_metaqa_kb(root: Path) -> list[tuple[str, str, str]]:
    return load_triples(root / "metaqa-dev" / "kb.txt")


def read_metaqa_questions(path: Path, hop: int, limit: int | None = None) -> tuple[list[MetaQAQuestion], int]:
    """The first ``limit`` kb_consistent questions of one MetaQA jsonl file, and how many kb_consistent ones it has."""
    questions: list[MetaQAQuestion] = []
    total = 0
    with path.open() as f:
        for line in f:
            q = json.loads(line)
            if not q.get("kb_consistent"):
                continue
            total += 1
            if limit is None or len(questions) < limit:
                text = str(q["question"]).replace("[", "").replace("]", "")
                questions.append(
                    MetaQAQuestion(str(q["id"]), hop, text, str(q["topic_entity"]), list(q["answers"]), q["qtype"])
                )
    return questions, total


def load_metaqa_questions(root: Path, hop: int, limit: int | None) -> tuple[list[MetaQAQuestion], int]:
    """The first ``limit`` kb_consistent questions of a hop, and how many kb_consistent questions there are."""
    return read_metaqa_questions(root / "metaqa-dev" / f"metaqa_{hop}hop_dev.jsonl", hop, limit)


@dataclass
class HotpotQuestion:
    question: str
    supporting: list[str]  # titles


@dataclass
class HotpotData:
    passages: dict[str, str] = field(default_factory=dict)  # title -> text
    questions: list[HotpotQuestion] = field(default_factory=list)


def load_hotpotqa(root: Path) -> HotpotData:
    corpus = json.loads((root / "hotpotqa-dev" / "hotpotqa_train_corpus.json").read_text())
    data = HotpotData()
    for title, sentences in corpus.items():
        data.passages[str(title)] = "".join(sentences) if isinstance(sentences, list) else str(sentences)
    for q in json.loads((root / "hotpotqa-dev" / "hotpotqa_train.json").read_text()):
        titles = list(dict.fromkeys(str(t) for t, _ in q["supporting_facts"]))
        data.questions.append(HotpotQuestion(str(q["question"]), titles))
    return data
