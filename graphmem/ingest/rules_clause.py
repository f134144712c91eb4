"""Clauses, statements and the phrase-level helpers the offline extractor's handlers share.

A ``Clause`` is one independent clause with its speaker and stated time; a handler turns it into a ``Statement``:
``Triple``s plus fact sentences. The helpers here resolve subjects ('I', 'my sister Anna'), split coordinated objects
('basketball and gaming'), type entities, and build the common subject-verb-object statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from graphmem.ingest.rules_text import (
    ACTIVITY,
    ADVERBS,
    LOCATION,
    NAME,
    PERSON,
    PET,
    SKILL,
    TEAM,
    THING,
    DateHit,
    clean_phrase,
    cut_object,
    guess_type,
    is_empty_tail,
    is_name,
    leading_name,
    rewrite_first_person,
    split_list,
    verb_phrase,
    when_phrase,
    words,
)


@dataclass(frozen=True)
class Triple:
    """One relation with its endpoints' entity types, which ``ExtractedRelation`` does not carry."""

    source: str
    source_type: str
    type: str
    target: str
    target_type: str
    fact: str
    valid_at: datetime | None = None
    invalid_at: datetime | None = None


@dataclass
class Statement:
    """What one clause said. ``facts`` stand for the clause only when ``complete``; otherwise the caller stores the
    whole clause as the fact, so words the rules did not understand are never lost."""

    triples: list[Triple] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    complete: bool = True
    speaker_name: str | None = None
    mentions: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Clause:
    """One independent clause and its context: who said it and when it says it happened."""

    text: str  # as matched: no end punctuation, greeting or leading date phrase
    full: str  # as restated: greeting and end punctuation gone, date phrases kept
    speaker: str
    speaker_type: str
    role: str  # "user" or "assistant"
    named: bool  # the message names its speaker (name / actor_id) rather than falling back to the role's default
    label: str  # who the message says is speaking, before any self-introduction
    first: bool  # the first clause of its message
    when: DateHit | None
    reference_time: datetime | None

    @property
    def valid_at(self) -> datetime | None:
        return self.when.when if self.when else None

    def suffix(self) -> str:
        return f" {when_phrase(self.when.text)}" if self.when else ""

    def restate(self, built: str) -> str:
        """The clause in the speaker's own words with first person resolved; ``built`` when that is not safe."""
        return rewrite_first_person(self.full, self.speaker) or built


Handler = Callable[[re.Match[str], Clause], "Statement | None"]


@dataclass(frozen=True)
class Subject:
    """A resolved subject; ``triples`` carry what an appositive said ('my sister Anna' -> Anna SISTER_OF me)."""

    name: str
    type: str
    first_person: bool
    shown: str  # how facts name the subject: "Alex's sister Anna" keeps what the speaker said about Anna
    triples: tuple[Triple, ...] = ()


# ---- regex building blocks and vocabularies -------------------------------------------------------------------------

KIN = (
    r"(?:best\s+friend|friend|wife|husband|spouse|partner|girlfriend|boyfriend|fianc[ée]e?|step(?:mother|father|son|"
    r"daughter)|grand(?:mother|father|ma|pa|son|daughter)|sister|brother|sibling|mother|mom|mum|father|dad|son|"
    r"daughter|child|kid|aunt|uncle|cousin|niece|nephew|boss|manager|colleague|co-?worker|roommate|neighbou?r|"
    r"mentor)\b"
)
OWNER = rf"(?:(?P<my>(?i:my))|(?P<owner>{NAME})'s)"
BE = r"(?P<be>\s+(?:am|is|are|was|were)|'m|'s|'re)"
ADV = rf"(?:\s+(?:{ADVERBS}))*"
SP = r"(?:\s+|(?='))"  # before a verb: a space, or nothing before "'m" / "'ve"
PET_WORDS = words("dog cat puppy kitten hamster parrot rabbit horse fish bird turtle snake pony")
PETS = "(?:" + "|".join(sorted(PET_WORDS)) + ")"
_ONE_SUBJECT = rf"(?:(?:(?i:my)|{NAME}'s)\s+(?:{KIN}|{PETS})\s+)?{NAME}"  # "I", "Bob", "my sister Anna", "my dog Rex"
_APPOSITIVE_RE = re.compile(rf"{OWNER}\s+(?P<kin>{KIN}|{PETS})\s+(?P<name>{NAME})")
_SUBJECT_LIST_RE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def subject_group(group: str = "subj") -> str:
    """One subject in a named group."""
    return rf"(?P<{group}>{_ONE_SUBJECT})"


# One subject, or a list ending in "and": "Alice and Bob", "Alice, Bob and I".
S = rf"(?P<subj>{_ONE_SUBJECT}(?:(?:\s*,\s*{_ONE_SUBJECT})*,?\s+and\s+{_ONE_SUBJECT})?)"

_KIN_CANON = {"mom": "mother", "mum": "mother", "dad": "father", "grandma": "grandmother", "grandpa": "grandfather"}
_KIN_CANON |= {"kid": "child", "co-worker": "coworker", "neighbour": "neighbor", "fiancé": "fiance"}
_KIN_CANON |= {"fiancée": "fiancee"}
_SPORTS = words("basketball football soccer tennis golf chess yoga baseball hockey volleyball cricket rugby badminton")
_NOT_ACTIVITIES = words(
    "thing something nothing everything anything morning evening spring string wedding building ceiling"
)
_SKILLS = words(
    """python java javascript typescript rust c++ c# sql kotlin swift ruby php scala haskell english spanish french
    german italian chinese mandarin japanese portuguese russian arabic hindi korean dutch"""
)
_TEAMS = words("team group department division unit squad")


# ---- shared helpers -------------------------------------------------------------------------------------------------


def join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") and not name.endswith("ss") else f"{name}'s"


def is_past(verb: str) -> bool:
    return bool(re.match(r"(?:was|were|used|had)\b|[a-z]+ed\b|(?:have|'ve|has)\s+[a-z]+ed\b", verb.strip()))


def kin_triple(person: str, kin: str, owner: str, owner_type: str, clause: Clause) -> Triple:
    """'Anna is Alex's sister' -> Anna SISTER_OF Alex; spouses are MARRIED_TO; a boss is whom the owner REPORTS_TO."""
    word = " ".join(kin.lower().split())
    fact = f"{person} is {possessive(owner)} {word}"
    word = _KIN_CANON.get(word, word)
    if word in {"wife", "husband", "spouse"}:
        return Triple(person, PERSON, "MARRIED_TO", owner, owner_type, fact, clause.valid_at)
    if word in {"boss", "manager"}:
        return Triple(owner, owner_type, "REPORTS_TO", person, PERSON, fact, clause.valid_at)
    rel = re.sub(r"[^A-Za-z]+", "_", word).upper() + "_OF"
    return Triple(person, PERSON, rel, owner, owner_type, fact, clause.valid_at)


def owner_of(match: re.Match[str], clause: Clause) -> tuple[str, str] | None:
    """The (name, type) behind 'my ...' or 'Alice's ...'."""
    if match.group("my"):
        return clause.speaker, clause.speaker_type
    owner = match.group("owner")
    return (owner, PERSON) if owner and is_name(owner) else None


def _one_subject(raw: str, clause: Clause) -> Subject | None:
    if raw == "I":
        return Subject(clause.speaker, clause.speaker_type, True, clause.speaker)
    appositive = _APPOSITIVE_RE.fullmatch(raw)
    if appositive:
        owner = owner_of(appositive, clause)
        name = appositive.group("name")
        if owner is None or not is_name(name):
            return None
        kin = " ".join(appositive.group("kin").lower().split())
        shown = f"{possessive(owner[0])} {kin} {name}"
        if re.fullmatch(PETS, kin):
            pet = Triple(owner[0], owner[1], "OWNS", name, PET, f"{owner[0]} has a {kin} named {name}")
            return Subject(name, PET, False, shown, (pet,))
        return Subject(name, PERSON, False, shown, (kin_triple(name, kin, *owner, clause),))
    return Subject(raw, guess_type(raw, PERSON), False, raw) if is_name(raw) else None


def subjects(match: re.Match[str], clause: Clause, group: str = "subj") -> list[Subject] | None:
    """Resolve 'I' to the speaker, check that names are names, unpack 'my sister Anna' into Anna + SISTER_OF.

    None unless every listed subject resolves: one bad item means the match was not a list of subjects at all.
    """
    found = [_one_subject(raw, clause) for raw in _SUBJECT_LIST_RE.split(match.group(group).strip())]
    resolved = [one for one in found if one is not None]
    if len(resolved) != len(found) or len({one.name for one in resolved}) != len(resolved):
        return None
    return resolved


def subject(match: re.Match[str], clause: Clause, group: str = "subj") -> Subject | None:
    """The subject of a pattern that takes exactly one."""
    found = subjects(match, clause, group)
    return found[0] if found and len(found) == 1 else None


def conjugate(raw_verb: str, subj: Subject, group_size: int) -> str:
    """The verb as it reads after one subject: 'I love' -> 'loves', 'Alice and Bob work' -> 'works' for each."""
    return verb_phrase(raw_verb, subj.first_person or group_size > 1)


def objects(text: str, clause: Clause, *, proper: bool) -> tuple[list[tuple[str, str]], bool]:
    """The coordinated items of an object phrase as (entity name, words as written), and whether the phrase was
    understood in full. ``proper`` keeps only names (organizations, places, people); otherwise common nouns count.
    """
    head, tail = cut_object(text)
    complete = is_empty_tail(tail)
    items: list[tuple[str, str]] = []
    for part in (part.strip(" ,.;:!?") for part in split_list(head)):
        if part.lower() == "me":
            items.append((clause.speaker, clause.speaker))
            continue
        named = leading_name(part)
        if named is not None:
            items.append((named[0], part[: len(part) - len(named[1])].strip()))
            complete = complete and is_empty_tail(named[1])
            continue
        phrase = None if proper else clean_phrase(part)
        if phrase is None:
            complete = False
        else:
            items.append((phrase, part))
    return items, complete


def names(text: str, clause: Clause) -> tuple[list[str], bool]:
    """Only the names of a coordinated list of names: 'Alice and me' -> ['Alice', <speaker>]."""
    items, complete = objects(text, clause, proper=True)
    return [name for name, _shown in items], complete


def typed(item: str, clause: Clause, name_default: str, *, activities: bool = False) -> str:
    """An object's entity type: the speaker keeps theirs, names are guessed by shape, common nouns are Things."""
    lower = item.lower()
    first = lower.split()[0]
    if item == clause.speaker:
        return clause.speaker_type
    if item[:1].isupper() and lower in _SKILLS:
        return SKILL
    if is_name(item):
        return guess_type(item, name_default)
    if activities and (lower in _SPORTS or (first.endswith("ing") and len(first) > 4 and first not in _NOT_ACTIVITIES)):
        return ACTIVITY
    return TEAM if lower.split()[-1] in _TEAMS else THING


def relate(
    match: re.Match[str],
    clause: Clause,
    rel: str,
    prep: str,
    *,
    proper: bool,
    name_type: str,
    group: list[Subject] | None = None,
    obj: str | None = None,
    verb: str | None = None,
    tail: str = "",
    activities: bool = False,
) -> Statement | None:
    """The common shape: subjects, verb, coordinated objects -> one triple and one atomic fact per pair.

    ``verb`` is the raw verb to conjugate (group ``v`` by default); ``prep`` follows it in facts ('works *at* Acme').
    """
    group = group or subjects(match, clause)
    items, complete = objects(match.group("obj") if obj is None else obj, clause, proper=proper)
    if not group or not items:
        return None
    statement = Statement(complete=complete)
    for subj in group:
        statement.triples += subj.triples
        verb_text = conjugate(match.group("v") if verb is None else verb, subj, len(group))
        for item, shown in items:
            fact = join(subj.shown, verb_text, prep, shown) + tail + clause.suffix()
            kind = typed(item, clause, name_type, activities=activities)
            statement.triples.append(Triple(subj.name, subj.type, rel, item, kind, fact, clause.valid_at))
            statement.facts.append(fact)
    return statement


@dataclass(frozen=True)
class Place:
    name: str
    country: str | None  # "Berlin, Germany": the place is in this one
    shown: str  # as written: "the US"


def find_places(text: str) -> tuple[list[Place], bool]:
    """'Berlin, Germany' -> Berlin in Germany; 'Paris and Rome' -> two places. Names only; bool: fully understood."""
    head, tail = cut_object(text)
    complete = is_empty_tail(tail)
    listed = re.search(r"\s(?:and|or)\s", head) is not None
    places: list[Place] = []
    for part in (part.strip() for part in (split_list(head) if listed else [head])):
        pair = re.fullmatch(rf"(?:the\s+)?({NAME}),\s*({NAME})", part)
        named = None if pair else leading_name(part)
        if pair and is_name(pair.group(1)) and is_name(pair.group(2)):
            places.append(Place(pair.group(1), pair.group(2), part))
        elif named is not None:
            places.append(Place(named[0], None, part[: len(part) - len(named[1])].strip()))
            complete = complete and is_empty_tail(named[1])
        else:
            complete = False
    return places, complete


def place_statement(
    group: list[Subject], rel: str, verb: str, prep: str, text: str, clause: Clause, valid_at: datetime | None
) -> Statement | None:
    """Subjects related to places ('lives in', 'is from'); 'City, Country' also gives City LOCATED_IN Country."""
    places, complete = find_places(text)
    if not places:
        return None
    statement = Statement(complete=complete)
    for subj in group:
        statement.triples += subj.triples
        for place in places:
            fact = f"{join(subj.shown, conjugate(verb, subj, len(group)), prep)} {place.shown}{clause.suffix()}"
            statement.triples.append(Triple(subj.name, subj.type, rel, place.name, LOCATION, fact, valid_at))
            statement.facts.append(fact)
    for place in places:
        if place.country:
            fact = f"{place.name} is in {place.country}"
            statement.triples.append(Triple(place.name, LOCATION, "LOCATED_IN", place.country, LOCATION, fact))
    return statement
