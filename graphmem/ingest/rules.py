"""Offline extraction: facts and entity/relation triples from English conversation, with no LLM and no dependencies.

This is the extractor used when no LLM is configured, so it favours being right over being thorough: it understands
a fixed set of common statement shapes (``rules_patterns.PATTERNS``; docs/offline-extractor.md lists them) and keeps
every other sentence as a fact, so nothing a user says is lost. Output is deterministic: sentence order, then
pattern order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from graphmem.errors import ValidationError
from graphmem.ingest.extract import ExtractionContext
from graphmem.ingest.rules_clause import Clause, Statement, Triple
from graphmem.ingest.rules_patterns import PATTERNS
from graphmem.ingest.rules_text import (
    AGENT,
    ENTITY,
    GENERIC_TYPES,
    NAME,
    PERSON,
    as_utc,
    find_dates,
    first_person,
    is_filler,
    is_name,
    mentioned_names,
    rewrite_first_person,
    words,
)
from graphmem.models import (
    ExtractedEntity,
    ExtractedFact,
    ExtractedRelation,
    Extraction,
    Message,
    normalize_entity_type,
    normalize_name,
    normalize_relation_type,
)

# System prompts are instructions, and tool output is machine data: neither is something a participant said.
_SKIPPED_ROLES = words("system developer tool function")
_ASSISTANT_ROLES = words("assistant ai bot model")

# Abbreviations that lead into more words ("Dr. Smith", "the U.S. Army", "No. 5"): their period never ends a sentence.
_ABBREVIATIONS = words("mr mrs ms mx dr prof st mt vs e.g i.e u.s u.k no fig approx dept est")
# Abbreviations that close a name or a list ("Acme Corp.", "Sammy Davis Jr.", "etc."): the period ends the sentence
# too when a capitalized word follows ("... at Acme Corp. Acme Corp signed ..."), not before a lower-case one
# ("Acme Corp. in Berlin").
_CLOSING_ABBREVIATIONS = words("inc corp ltd co llc plc gmbh jr sr etc")
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'\u201d\u2019)\]]*(?=\s|$)")
_BULLET_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_SPLIT_VERBS = (
    r"is|was|are|were|has|had|have|works|worked|lives|lived|moved|loves|likes|enjoys|hates|prefers|dislikes|met|owns|"
    r"owned|signed|founded|reports|manages|managed|knows|studies|studied|graduated|attended|attends|visited|married"
)
# A new clause starts at "and"/"but"/"so" when a subject follows: "I love chess and I work at Acme".
_CLAUSE_SPLIT_RE = re.compile(
    rf"\s*;\s*|,\s+(?=I\b)|(?:,\s*|\s+)(?:and|but|so|while|whereas)\s+"
    rf"(?=I\b|(?i:my)\s|{NAME}\s+(?:{_SPLIT_VERBS})\b|{NAME}'s\s)"
)
# Verbs that show the words before "and" are a clause of their own ("I love chess and ...") rather than the first
# half of a compound subject ("My wife and I moved ...").
_CLAUSE_VERB_RE = re.compile(
    rf"^I\b|^I'|\b(?:{_SPLIT_VERBS}|am|be|been|'m|'s|'re|'ve|love|like|enjoy|hate|prefer|dislike|work|live|study|know|"
    rf"own|manage|report|attend|visit|sign|found|graduate|play|[a-z]+ed|[a-z]+n't)\b|^{NAME}\s+[a-z]+s\b"
)
_GREETING_RE = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|greetings|good\s+(?:morning|afternoon|evening))(?:\s+there)?[\s,!.:-]+"
    r"|(?:well|so|oh|ok|okay|also|btw|by\s+the\s+way|anyway|actually|yes|yeah|yep|no|nope|sure|thanks|thank\s+you|"
    r"oh\s+and|plus|honestly|basically|personally|frankly|seriously|literally|obviously)\s*[,!.:-]+\s*"
    r"|(?:so|and|but|also|plus|oh|well|anyway|then|later|now|recently|lately|currently|nowadays|since\s+then|"
    r"these\s+days|eventually|finally),?\s+(?=I\b|I'|(?i:my)\b))+",
    re.IGNORECASE,
)
# A clause opened by one of these depends on the next one ("If I moved, I'd ..."): never split it off.
_SUBORDINATE_RE = re.compile(
    r"^(?:if|when|whenever|while|although|though|because|since|unless|after|before|once|as|until|whether)\b",
    re.IGNORECASE,
)
_NEGATION_RE = re.compile(r"\b(?:not|never|no|nobody|nothing|neither|nor|cannot|without)\b|n't\b", re.IGNORECASE)
_CONTRAST_RE = re.compile(r"\b(?:but|except|rather\s+than|instead\s+of|than)\b", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of a message, one line at a time; 'Dr. Smith' and 'Acme Inc. is' do not end a sentence, 'Acme Inc.
    He ...' does."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    sentences: list[str] = []
    for line in text.splitlines():
        line = _BULLET_RE.sub("", line)
        start = 0
        for match in _SENTENCE_END_RE.finditer(line):
            before = line[start : match.start()].split()
            word = before[-1].lower() if before else ""
            following = line[match.end() :].lstrip()[:1]
            is_abbreviation = match.group().startswith(".") and (
                word in _ABBREVIATIONS
                or re.fullmatch(r"[a-z]", word)
                or (word in _CLOSING_ABBREVIATIONS and not following.isupper())
            )
            if is_abbreviation or following.islower():
                continue
            sentences.append(line[start : match.end()].strip())
            start = match.end()
        sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


def split_clauses(sentence: str) -> list[str]:
    """Independent clauses of a sentence; the left side must contain a verb-like word ('My wife and I' stays whole)."""
    clauses: list[str] = []
    start = 0
    for match in _CLAUSE_SPLIT_RE.finditer(sentence):
        left = sentence[start : match.start()]
        verb = _CLAUSE_VERB_RE.search(left.strip())
        pairing = re.search(r"\b(?:between|both|either)\s+[^,;]*$", left)  # "between Acme and Globex was ..."
        dependent = _SUBORDINATE_RE.match(sentence[start:].strip()) and ";" not in match.group()
        if (verb and not pairing and not dependent) or (";" in match.group() and left.strip()):
            clauses.append(left.strip())
            start = match.end()
    clauses.append(sentence[start:].strip())
    return [clause for clause in clauses if clause]


def _negated(text: str) -> bool:
    """Negation before any 'but/except' contrast: 'I don't like X' is negated, 'I like X but not Y' is not."""
    return bool(_NEGATION_RE.search(_CONTRAST_RE.split(text, maxsplit=1)[0]))


class _Collector:
    """Accumulates one extraction: entities deduplicated by normalized name, relations by (source, type, target)."""

    def __init__(self) -> None:
        self._entities: dict[str, ExtractedEntity] = {}
        self._relations: list[ExtractedRelation] = []
        self._relation_keys: set[tuple[str, str, str]] = set()
        self._facts: dict[str, tuple[str, int]] = {}  # casefolded text -> (text, index of the message saying it)

    def entity(self, name: str, type_: str) -> str:
        """Register a name and return the spelling first seen; a specific type replaces Entity/Thing."""
        key = normalize_name(name)
        existing = self._entities.get(key)
        kind = normalize_entity_type(type_)
        if existing is None:
            self._entities[key] = ExtractedEntity(name=name, type=kind)
            return name
        if existing.type in GENERIC_TYPES and kind not in GENERIC_TYPES:
            existing.type = kind
        return existing.name

    def alias(self, name: str, alias: str) -> None:
        entity = self._entities.get(normalize_name(name))
        if entity is not None and normalize_name(alias) != normalize_name(name) and alias not in entity.aliases:
            entity.aliases.append(alias)

    def relation(self, triple: Triple) -> None:
        try:
            rel = normalize_relation_type(triple.type)
        except ValidationError:  # a role too long or odd to be an edge type: the fact still keeps it
            return
        source = self.entity(triple.source, triple.source_type)
        target = self.entity(triple.target, triple.target_type)
        key = (normalize_name(source), rel, normalize_name(target))
        if key in self._relation_keys or key[0] == key[2]:
            return
        self._relation_keys.add(key)
        self._relations.append(
            ExtractedRelation(
                source=source,
                type=rel,
                target=target,
                fact=triple.fact,
                valid_at=triple.valid_at,
                invalid_at=triple.invalid_at,
            )
        )

    def fact(self, text: str, message_index: int) -> None:
        text = " ".join(text.split())
        if text:
            self._facts.setdefault(text.casefold(), (text, message_index))

    def build(self, speaker: str | None) -> Extraction:
        """Each fact lists the entities its text names, in order of appearance (``_NameIndex``)."""
        names = sorted((entity.name for entity in self._entities.values()), key=len, reverse=True)
        index = _NameIndex(names)
        facts = [ExtractedFact(text=text, entities=index.mentions(text), message_index=message_index)
                 for text, message_index in self._facts.values()]  # fmt: skip
        entities = list(self._entities.values())
        return Extraction(facts=facts, entities=entities, relations=list(self._relations), speaker=speaker)


_WORD_RUN_RE = re.compile(r"\w+")
_WORD_CHAR_RE = re.compile(r"\w")


class _NameIndex:
    """Which entity names a fact's text mentions, in work linear in the text (issue 11).

    Testing every name against every fact made a long message quadratic (a 50 KB one took 100 s). Here each name is
    filed under its first word and its length, and a fact's words are looked up once each: at a word, each length
    filed under it is one slice and one dict look-up, however many names share the word. A name matches as whole
    words, as written, or in any case when it starts lower-case (common nouns: "basketball" also when a sentence
    capitalizes it). Longer names are taken first, and a proper name hides the shorter names inside it ("Acme Corp"
    is not also "Acme"); a descriptive name does not ("contract between Acme Corp and Globex" names both companies).
    """

    def __init__(self, names: list[str]) -> None:
        self.rank = {name: i for i, name in enumerate(names)}  # longest first: the order names claim text in
        self.blocking = {name: is_name(name) for name in names}
        # first word run (lower-cased for names matched in any case) -> (where that run starts in the name, the
        # name's length) -> the name as it reads there (lower-cased likewise) -> the names reading so
        self.exact: dict[str, dict[tuple[int, int], dict[str, list[str]]]] = {}
        self.folded: dict[str, dict[tuple[int, int], dict[str, list[str]]]] = {}
        self.wordless: list[str] = []  # no word character (a speaker label such as "!!!"): a scan each, rare
        for name in names:
            run = _WORD_RUN_RE.search(name)
            if run is None:
                self.wordless.append(name)
                continue
            fold = name[:1].islower()
            table = (self.folded if fold else self.exact).setdefault(run.group().lower() if fold else run.group(), {})
            reads = name.lower() if fold else name
            table.setdefault((run.start(), len(name)), {}).setdefault(reads, []).append(name)

    def mentions(self, text: str) -> list[str]:
        """The names ``text`` mentions, in order of first appearance."""
        starts: dict[str, list[int]] = {}
        for run in _WORD_RUN_RE.finditer(text):
            word = run.group()
            for table, fold in ((self.exact.get(word), False), (self.folded.get(word.lower()), True)):
                for (offset, length), by_text in (table or {}).items():
                    start = run.start() - offset
                    written = text[start : start + length] if start >= 0 else ""
                    for name in by_text.get(written.lower() if fold else written, ()):
                        if _whole_words(text, start, start + length):
                            starts.setdefault(name, []).append(start)
        for name in self.wordless:
            hits = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
            if hits:
                starts[name] = hits
        taken = bytearray(len(text))  # characters a proper name already claimed
        found: dict[str, int] = {}
        for name in sorted(starts, key=self.rank.__getitem__):
            after = 0  # matches of one name do not overlap each other (as a regex scan finds them)
            for start in sorted(set(starts[name])):
                end = start + len(name)
                if start < after:
                    continue
                after = end
                if taken.find(1, start, end) == -1:
                    found.setdefault(name, start)
                    if self.blocking[name]:
                        taken[start:end] = b"\x01" * (end - start)
        return sorted(found, key=found.__getitem__)


def _whole_words(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is not part of a longer word run on either side."""
    return not (start and _WORD_CHAR_RE.match(text, start - 1)) and not (
        end < len(text) and _WORD_CHAR_RE.match(text, end)
    )


@dataclass(frozen=True)
class _Turn:
    """One clause with where it came from: the message's index, role and speaker label."""

    index: int
    role: str  # "user" or "assistant"
    label: str  # message name, else actor id, else the role's default speaker
    named: bool
    text: str
    first: bool


def _turns(messages: list[Message], context: ExtractionContext) -> list[_Turn]:
    turns: list[_Turn] = []
    for index, message in enumerate(messages):
        role = (message.role or "user").strip().lower()
        if role in _SKIPPED_ROLES:
            continue
        role = "assistant" if role in _ASSISTANT_ROLES else "user"  # "human", "data", ... speak for the user
        explicit = message.name or message.actor_id
        label = explicit or (context.speaker if role == "user" else "Assistant")
        first = True
        for sentence in split_sentences(message.content):
            if len(re.findall(r"[A-Za-z']+", sentence)) < 3 and is_filler(sentence):
                continue  # "Hi!", "Thanks", "ok": no content
            for text in split_clauses(sentence):
                if re.search(r"[^\W_]", text):  # a clause of bare punctuation ("; !") says nothing
                    turns.append(_Turn(index, role, label, bool(explicit), text, first))
                    first = False
    return turns


class RuleExtractor:
    """The offline ``Extractor``: regular expressions over sentences, first person resolved to the speaker."""

    name = "rules"

    def extract(self, messages: list[Message], context: ExtractionContext) -> Extraction:
        reference = as_utc(context.reference_time) if context.reference_time else None
        turns = _turns(messages, context)
        # A first pass finds self-introductions, so "I love chess. I'm Alex." is about Alex from the start.
        names: dict[str, str] = {}
        for turn in turns:
            introduced = self._statement(self._clause(turn, names.get(turn.label, turn.label), reference), intro=True)
            if introduced is not None and introduced.speaker_name and turn.label not in names:
                names[turn.label] = introduced.speaker_name
        collector = _Collector()
        user: str | None = None
        for turn in turns:
            clause = self._clause(turn, names.get(turn.label, turn.label), reference)
            statement = self._statement(clause)
            self._record(collector, clause, statement, turn.index)
            if statement is not None and statement.speaker_name:
                names[turn.label] = statement.speaker_name
                collector.alias(statement.speaker_name, turn.label)
                if turn.role == "user" and not turn.named:
                    user = statement.speaker_name
        return collector.build(user)

    @staticmethod
    def _clause(turn: _Turn, speaker: str, reference: datetime | None) -> Clause:
        body = turn.text.rstrip(" .!…")
        stripped = _GREETING_RE.sub("", body).strip(" ,")
        core = body if not stripped or is_filler(stripped) else stripped
        dates = find_dates(core, reference)
        when = next((hit for hit in dates if hit.when is not None), dates[0] if dates else None)
        matched = core[dates[0].end :].lstrip(" ,") if dates and dates[0].start == 0 else core
        speaker_type = AGENT if turn.role == "assistant" else PERSON
        return Clause(
            text=matched.rstrip(" ?"),
            full=core,
            speaker=speaker,
            speaker_type=speaker_type,
            role=turn.role,
            named=turn.named,
            label=turn.label,
            first=turn.first,
            when=when,
            reference_time=reference,
        )

    @staticmethod
    def _statement(clause: Clause, intro: bool = False) -> Statement | None:
        """The first pattern that understands the clause (only the self-introduction one when ``intro``); none for
        questions, negations and filler."""
        if clause.full.endswith("?") or is_filler(clause.full) or _negated(clause.text):
            return None
        for pattern in PATTERNS[:1] if intro else PATTERNS:
            match = pattern.regex.fullmatch(clause.text)
            statement = pattern.handler(match, clause) if match else None
            if statement is not None:
                return statement
        return None

    @staticmethod
    def _record(collector: _Collector, clause: Clause, statement: Statement | None, message_index: int) -> None:
        """Write a clause's triples and facts; a clause the rules only partly understood is stored whole."""
        facts: list[str] = []
        if statement is not None:
            for triple in statement.triples:
                collector.relation(triple)
            for name, kind in statement.mentions:
                collector.entity(name, kind)
            # An incomplete clause is stored whole below; only a self-introduction's name fact is kept besides.
            facts = statement.facts if statement.complete else statement.facts[: 1 if statement.speaker_name else 0]
        if statement is None or not statement.complete:
            text = _restated(clause)
            facts.append(text)
            if text != clause.full or first_person(clause.full):
                collector.entity(clause.speaker, clause.speaker_type)
            for name in mentioned_names(clause.full):
                collector.entity(name, ENTITY)
        for fact in facts:
            collector.fact(fact, message_index)


def _restated(clause: Clause) -> str:
    """A clause the rules did not fully understand, as a self-contained fact: first person resolved when safe."""
    if clause.full.endswith("?"):
        return f"{clause.speaker} asked: {clause.full}"
    rewritten = rewrite_first_person(clause.full, clause.speaker)
    return rewritten if rewritten is not None else f"{clause.speaker} said: {clause.full}"
