"""Handlers of the offline extractor's rule table: what each statement shape means as triples and facts.

Each takes the pattern's match and the clause and returns a ``Statement``, or None when the match turns out not to
be what its pattern is for. Relation types are UPPER_SNAKE and chosen so a reader can guess them: WORKS_AT,
LIVES_IN, CEO_OF, SISTER_OF. Tense shows in the type only where it changes the meaning (WORKED_AT, LIVED_IN).
"""

from __future__ import annotations

import re

from graphmem.ingest.rules_clause import (
    KIN,
    PET_WORDS,
    Clause,
    Handler,
    Statement,
    Subject,
    Triple,
    conjugate,
    find_places,
    is_past,
    join,
    kin_triple,
    names,
    objects,
    owner_of,
    place_statement,
    possessive,
    relate,
    subject,
    subjects,
    typed,
)
from graphmem.ingest.rules_text import (
    DOCUMENT,
    ENTITY,
    EVENT,
    LOCATION,
    NAME,
    NOT_PERSON_NAMES,
    ORGANIZATION,
    PERSON,
    PET,
    ROLE,
    THING,
    TOPIC,
    clean_phrase,
    cut_object,
    gerund,
    guess_type,
    is_empty_tail,
    is_filler,
    is_name,
    leading_name,
    mentioned_names,
    strip_dates,
    verb_phrase,
    words,
)
from graphmem.models import normalize_name

_JOBS = words(
    """president chair chairman chairwoman head lead chief founder co-founder cofounder owner principal partner
    nurse doctor lawyer teacher professor dean editor captain coach mayor governor leader boss secretary treasurer
    intern scientist analyst chef pilot surgeon clerk architect"""
)
_NOT_JOBS = words("customer member user visitor guest passenger buyer shopper subscriber patient client")
_STUDENTS = words("student pupil undergraduate undergrad postdoc")
_PREFERENCES = {"like": "LIKES", "love": "LOVES", "adore": "LOVES", "enjoy": "ENJOYS", "prefer": "PREFERS"}
_PREFERENCES |= {"hate": "HATES", "dislike": "DISLIKES"}


def _document_shown(document: str) -> str:
    """'the lease' for a common noun; a name ('Paris Agreement') stands alone."""
    return document if document[:1].isupper() else f"the {document}"


# ---- handlers: who people are ---------------------------------------------------------------------------------------


def intro(match: re.Match[str], clause: Clause) -> Statement | None:
    """'I'm Alex', 'My name is Alex', 'Call me Alex': names the speaker for the rest of the episode."""
    lead = " ".join(match.group("lead").lower().split())
    name = match.group("name").rstrip(".")
    rest = match.group("rest")
    if lead in {"this is", "it's", "it is"} and not clause.first:
        return None  # "This is Paris" mid-message is about a photo, not the speaker
    if name.lower() in NOT_PERSON_NAMES or len(name.split()) > 4 or not is_name(name) or rest.startswith("'"):
        return None
    if guess_type(name, PERSON) != PERSON:
        return None
    # No edge for the name itself: the caller makes the speaker's label an alias of the named entity instead, so the
    # graph keeps one node per person.
    owner = possessive(clause.label) if clause.named else f"The {clause.role}'s"
    statement = Statement([], [f"{owner} name is {name}"], speaker_name=name, mentions=[(name, clause.speaker_type)])
    origin = re.fullmatch(r"\s*,?\s+from\s+(?P<obj>.+)", rest)
    described = re.fullmatch(r"\s*,\s*(?P<desc>(?:a|an|the)\s+.+)", rest)
    if origin:
        speaker = Subject(name, clause.speaker_type, False, name)
        origin_statement = place_statement([speaker], "FROM", "is", "from", origin.group("obj"), clause, None)
        if origin_statement is not None:
            statement.triples += origin_statement.triples
            statement.facts += origin_statement.facts
        statement.complete = origin_statement is not None and origin_statement.complete
    elif described:
        statement.facts.append(f"{name} is {described.group('desc')}")
        statement.mentions += [(other, ENTITY) for other in mentioned_names(described.group("desc"))]
    elif not re.fullmatch(r"\s*,?\s*(?:here|speaking)?", rest) and not is_filler(rest):
        statement.facts.append(f"{name} said: {clause.full}")
    return statement


def kin_is(match: re.Match[str], clause: Clause) -> Statement | None:
    """'My sister is Anna', 'Alice's husband is Bob'."""
    owner = owner_of(match, clause)
    person = leading_name(match.group("obj"))
    if owner is None or person is None or normalize_name(person[0]) == normalize_name(owner[0]):
        return None
    triple = kin_triple(person[0], match.group("kin"), *owner, clause)
    return Statement([triple], [triple.fact], is_empty_tail(person[1]))


def is_kin(match: re.Match[str], clause: Clause) -> Statement | None:
    """'Anna is my sister', 'I'm Bob's friend'."""
    owner = owner_of(match, clause)
    person = subject(match, clause)
    if owner is None or person is None or normalize_name(person.name) == normalize_name(owner[0]):
        return None
    triple = kin_triple(person.name, match.group("kin"), *owner, clause)
    return Statement([*person.triples, triple], [triple.fact], is_empty_tail(match.group("rest")))


def married(match: re.Match[str], clause: Clause) -> Statement | None:
    """'X is married/engaged to Y', 'X married Y', 'X and Y are married'."""
    first = subject(match, clause)
    groups = match.groupdict()
    if groups.get("subj2"):
        second = subject(match, clause, "subj2")
        people, complete = ([second.name] if second else []), is_empty_tail(groups["rest"])
    else:
        people, complete = names(groups["obj"], clause)
    if first is None or len(people) != 1 or people[0] == first.name:
        return None
    other, state = people[0], (groups.get("rel") or "married").lower()
    if groups.get("subj2"):
        fact = f"{first.shown} and {other} {verb_phrase(groups['be'], False)} {state}"
    elif groups.get("be"):
        fact = f"{first.shown} {verb_phrase(groups['be'], first.first_person)} {state} to {other}"
    else:
        fact = f"{first.shown} married {other}"
    other_type = clause.speaker_type if other == clause.speaker else PERSON
    rel = "ENGAGED_TO" if state == "engaged" else "MARRIED_TO"
    triple = Triple(first.name, first.type, rel, other, other_type, fact + clause.suffix(), clause.valid_at)
    return Statement([*first.triples, triple], [triple.fact], complete)


def favorite(match: re.Match[str], clause: Clause) -> Statement | None:
    """'My favorite color is blue' -> FAVORITE_COLOR: the category is the relation, so it stays queryable."""
    owner = owner_of(match, clause)
    category = " ".join(match.group("cat").split())
    items, complete = objects(match.group("obj"), clause, proper=False)
    if owner is None or not items:
        return None
    rel = "FAVORITE_" + re.sub(r"[^A-Za-z0-9]+", "_", category).upper()
    triples = []
    for item, shown in items:
        fact = f"{possessive(owner[0])} favorite {category} {match.group('be')} {shown}"
        triples.append(Triple(owner[0], owner[1], rel, item, typed(item, clause, ENTITY), fact))
    return Statement(triples, [t.fact for t in triples], complete)


def role_of(match: re.Match[str], clause: Clause) -> Statement | None:
    """'Jane is the CEO of Acme' -> CEO_OF; 'Bob is an engineer at Globex' -> WORKS_AT and WORKS_AS."""
    subj = subject(match, clause)
    if subj is None:
        return None
    head, tail = cut_object(match.group("rest"))
    word = r"(?:[a-z][a-z-]*|[A-Z]{2,5})"
    at = re.fullmatch(
        rf"(?P<art>(?:the|a|an)\s+)?(?P<role>{word}(?:\s+(?:{word}|[A-Z][a-z]+)){{0,5}})"
        rf"\s+(?P<prep>at|for|with)\s+(?P<the>the\s+)?(?P<org>{NAME})",
        head,
    )
    of = re.fullmatch(
        rf"(?P<art>(?:the|a|an)\s+)?(?P<role>{word}(?:\s+{word}){{0,3}})\s+of\s+(?P<the>the\s+)?(?P<org>{NAME})", head
    )
    found = at or of
    if found is None or not is_name(found.group("org")):
        return None
    role, org = found.group("role"), found.group("org")
    lowered = {w.lower() for w in role.split()}
    if lowered & {"not", "no", "the", "a", "an", "my", "your", "his", "her", "their", "our", "its"}:
        return None
    job = not lowered & _NOT_JOBS and any(
        w in _JOBS or w.upper() == w or re.search(r"(?:er|or|ist|yst|ian|ant)$", w) for w in role.split()
    )
    be = verb_phrase(match.group("be"), subj.first_person)
    phrase = join(subj.shown, be, (found.group("art") or "").strip(), role)
    complete = is_empty_tail(tail)
    if at:
        past = be in {"was", "were"}
        if lowered & _STUDENTS:
            rel = "STUDIED_AT" if past else "STUDIES_AT"
        elif job:
            rel = "WORKED_AT" if past else "WORKS_AT"
        else:
            return None
        fact = f"{phrase} {at.group('prep')} {at.group('the') or ''}{org}{clause.suffix()}"
        triples = [
            *subj.triples,
            Triple(subj.name, subj.type, rel, org, guess_type(org, ORGANIZATION), fact, clause.valid_at),
        ]
        if rel in {"WORKS_AT", "WORKED_AT"}:
            role_fact = (
                f"{subj.shown} {'worked' if past else 'works'} as {join((found.group('art') or '').strip(), role)}"
            )
            triples.append(
                Triple(subj.name, subj.type, rel.replace("_AT", "_AS"), role, ROLE, role_fact, clause.valid_at)
            )
        return Statement(triples, [fact], complete)
    if re.fullmatch(KIN, role.lower()):
        triple = kin_triple(subj.name, role, org, PERSON, clause)
        return Statement([*subj.triples, triple], [triple.fact], complete)
    subj_type = subj.type if job or subj.first_person else ENTITY
    rel = re.sub(r"[^A-Za-z0-9]+", "_", role).upper() + "_OF"
    fact = f"{phrase} of {found.group('the') or ''}{org}{clause.suffix()}"
    org_type = guess_type(org, ORGANIZATION) if job else ENTITY
    return Statement(
        [*subj.triples, Triple(subj.name, subj_type, rel, org, org_type, fact, clause.valid_at)], [fact], complete
    )


def comes_from(match: re.Match[str], clause: Clause) -> Statement | None:
    """'I'm from Lyon, France', 'Bob comes from Oslo' -> FROM."""
    group = subjects(match, clause)
    verb = match.group("be") or match.group("v")
    return place_statement(group, "FROM", verb, "from", match.group("obj"), clause, clause.valid_at) if group else None


def lives(match: re.Match[str], clause: Clause) -> Statement | None:
    """'I live in Paris', 'I moved to Berlin' -> LIVES_IN; a move with no stated date is dated by the reference
    time, since that is when the speaker reported it."""
    group = subjects(match, clause)
    if group is None:
        return None
    raw_verb = match.group("v")
    moved = re.search(r"moved|relocated", raw_verb) is not None
    rel = "LIVED_IN" if re.match(r"lived|used", raw_verb) else "LIVES_IN"
    if "based" in raw_verb and not any(subj.first_person for subj in group):  # "Acme is based in Berlin"
        rel = "LOCATED_IN"
        group = [Subject(s.name, guess_type(s.name, ORGANIZATION), False, s.shown, s.triples) for s in group]
    valid_at = clause.valid_at or (clause.reference_time if moved else None)
    head, tail = cut_object(match.group("obj"))
    destination, _, origin = head.partition(" from ")
    prep = " ".join(match.group("prep").split())
    statement = place_statement(group, rel, raw_verb, prep, f"{destination} {tail}", clause, valid_at)
    if statement is None:
        return None
    if origin:  # "moved to Berlin from Paris": lived in Paris until the move
        places, complete = find_places(origin)
        statement.complete = statement.complete and complete
        for subj in group:
            for place in places:
                fact = f"{subj.shown} lived in {place.shown}"
                statement.triples.append(
                    Triple(subj.name, subj.type, "LIVED_IN", place.name, LOCATION, fact, None, valid_at)
                )
                statement.facts.append(fact)
    return statement


# ---- handlers: events and documents ---------------------------------------------------------------------------------


def met(match: re.Match[str], clause: Clause) -> Statement | None:
    """'Alice met Bob at GraphConf 2025 in San Francisco' -> MET, plus ATTENDED when the venue is an event and
    LOCATED_IN for the venue's city."""
    first = subject(match, clause, "a")
    if match.group("b0"):
        partner = subject(match, clause, "b0")
        other = partner.name if partner and not match.group("b") else None
    else:
        raw = (match.group("b") or "").strip()
        other = clause.speaker if raw == "me" else raw if is_name(raw) else None
    if first is None or other is None or other == first.name:
        return None
    other_type = clause.speaker_type if other == clause.speaker else PERSON
    where = re.fullmatch(
        rf"(?:(?:at|during)\s+(?P<at>.+?))?(?:\s*,?\s*in\s+(?P<in>{NAME}))?", strip_dates(match.group("rest"))
    )
    at_text = (where.group("at") or "") if where else ""
    city = where.group("in") if where and where.group("in") and is_name(where.group("in")) else None
    venue = leading_name(at_text) if at_text else None
    venue_name = venue[0] if venue and not venue[1] else None
    people = f"{first.shown} and {other} met" if match.group("b0") else f"{first.shown} met {other}"
    built = join(people, f"at {at_text}" if at_text else "", f"in {city}" if city else "") + clause.suffix()
    complete = where is not None and (venue_name is not None or len(at_text.split()) <= 5)
    triples = [*first.triples, Triple(first.name, first.type, "MET", other, other_type, built, clause.valid_at)]
    statement = Statement(triples, [clause.restate(built) if complete else built], complete)
    venue_type = guess_type(venue_name, LOCATION) if venue_name else LOCATION
    if venue_name and venue_type == EVENT:
        for person, kind in ((first.name, first.type), (other, other_type)):
            fact = f"{person} attended {venue_name}{clause.suffix()}"
            triples.append(Triple(person, kind, "ATTENDED", venue_name, EVENT, fact, clause.valid_at))
    if venue_name and city:
        fact = f"{venue_name} took place in {city}" if venue_type == EVENT else f"{venue_name} is in {city}"
        triples.append(Triple(venue_name, venue_type, "LOCATED_IN", city, LOCATION, fact))
    statement.mentions += [(venue_name, venue_type)] if venue_name else []
    statement.mentions += [(city, LOCATION)] if city else []
    return statement


def _document(text: str) -> tuple[str, list[str], bool] | None:
    """'the contract between Acme and Globex' -> ('contract between Acme and Globex', ['Acme', 'Globex'], True)."""
    head, tail = cut_object(text)
    body = re.sub(r"^(?i:the|a|an|our|their|this|that)\s+", "", head.strip())
    between = re.fullmatch(rf"[a-z][\w\s-]*?\s+between\s+(?P<a>{NAME})\s+and\s+(?P<b>{NAME})", body)
    with_party = re.fullmatch(rf"[a-z][\w\s-]*?\s+with\s+(?P<a>{NAME})", body)
    if between:
        parties = [between.group("a"), between.group("b")]
    elif with_party:
        parties = [with_party.group("a")]
    elif is_name(body) or re.fullmatch(r"[a-z][\w-]*(?:\s+[a-z][\w-]*){0,4}", body):
        parties = []
    else:
        return None
    if not all(is_name(party) for party in parties):
        return None
    return body, parties, is_empty_tail(tail)


def _signed(
    document: str, parties: list[str], signers: list[str], clause: Clause, built: str, complete: bool
) -> Statement:
    triples: list[Triple] = []
    for signer in signers:
        kind = clause.speaker_type if signer == clause.speaker else guess_type(signer, PERSON)
        fact = f"{signer} signed {_document_shown(document)}{clause.suffix()}"
        triples.append(Triple(signer, kind, "SIGNED", document, DOCUMENT, fact, clause.valid_at))
    for party in parties:
        fact = f"{party} is a party to {_document_shown(document)}"
        kind = guess_type(party, ORGANIZATION)
        triples.append(Triple(document, DOCUMENT, "HAS_PARTY", party, kind, fact, clause.valid_at))
    return Statement(triples, [clause.restate(built) if complete else built], complete)


def signed_by(match: re.Match[str], clause: Clause) -> Statement | None:
    """'The contract between A and B was signed by Jane': the passive is how contracts are usually reported."""
    document = _document(match.group("doc"))
    signers, complete = names(match.group("rest"), clause)
    if document is None or not signers:
        return None
    name, parties, doc_complete = document
    shown = _document_shown(name)
    built = f"{shown[:1].upper()}{shown[1:]} was signed by {' and '.join(signers)}{clause.suffix()}"
    return _signed(name, parties, signers, clause, built, complete and doc_complete)


def signs(match: re.Match[str], clause: Clause) -> Statement | None:
    """'Jane signed the lease', 'Bob signed with the Lakers' (SIGNED_WITH)."""
    group = subjects(match, clause)
    obj = match.group("obj")
    if obj.lower().startswith("with "):  # "Bob signed with the Lakers"
        return relate(match, clause, "SIGNED_WITH", "with", proper=True, name_type=ORGANIZATION, obj=obj[5:])
    document = _document(obj)
    if group is None or document is None:
        return None
    name, parties, complete = document
    who = " and ".join(subj.shown for subj in group)
    built = f"{who} {verb_phrase(match.group('v'), group[0].first_person)} {_document_shown(name)}{clause.suffix()}"
    statement = _signed(name, parties, [subj.name for subj in group], clause, built, complete)
    statement.triples[:0] = [triple for subj in group for triple in subj.triples]
    return statement


def founded_by(match: re.Match[str], clause: Clause) -> Statement | None:
    """'Acme was founded by Alice and Bob in 2010'."""
    org = match.group("obj")
    founders, complete = names(match.group("rest"), clause)
    if not is_name(org) or not founders:
        return None
    org_type = guess_type(org, ORGANIZATION)
    triples = []
    for founder in founders:
        kind = clause.speaker_type if founder == clause.speaker else PERSON
        fact = f"{founder} founded {org}{clause.suffix()}"
        triples.append(Triple(founder, kind, "FOUNDED", org, org_type, fact, clause.valid_at))
    built = f"{org} was founded by {' and '.join(founders)}{clause.suffix()}"
    return Statement(triples, [clause.restate(built) if complete else built], complete)


# ---- handlers: the subject-verb-object family -----------------------------------------------------------------------


def works(match: re.Match[str], clause: Clause) -> Statement | None:
    """'I work at Acme', 'Alice and Bob work for Globex', 'I work as a nurse (at St. Mary's)'."""
    group = subjects(match, clause)
    role_raw, org_text = (match.group("role") or "").strip(), match.group("obj")
    if group is None or not (role_raw or org_text):
        return None
    past = is_past(match.group("v"))
    role_head, role_tail = cut_object(role_raw)
    role = clean_phrase(role_head) if role_raw else None
    orgs, complete = names(org_text, clause) if org_text else ([], True)
    if org_text and not orgs:
        return None
    statement = Statement(complete=complete and is_empty_tail(role_tail) and (role is not None or not role_raw))
    for subj in group:
        statement.triples += subj.triples
        verb = conjugate(match.group("v"), subj, len(group))
        for org in orgs:
            fact = join(subj.shown, verb, f"as {role_raw}" if role_raw else "", match.group("prep"), org)
            fact += clause.suffix()
            rel, kind = ("WORKED_AT" if past else "WORKS_AT"), guess_type(org, ORGANIZATION)
            statement.triples.append(Triple(subj.name, subj.type, rel, org, kind, fact, clause.valid_at))
            statement.facts.append(fact)
        if role:
            fact = join(subj.shown, verb, "as", role_raw) + clause.suffix()
            rel = "WORKED_AS" if past else "WORKS_AS"
            statement.triples.append(Triple(subj.name, subj.type, rel, role, ROLE, fact, clause.valid_at))
            statement.facts += [] if orgs else [fact]
    return statement


def studies(match: re.Match[str], clause: Clause) -> Statement | None:
    """'I study physics at MIT' -> STUDIES_AT MIT and STUDIES physics."""
    group = subjects(match, clause)
    past = is_past(match.group("v"))
    topic = " ".join((match.group("topic") or "").split())
    rel = "STUDIED_AT" if past else "STUDIES_AT"
    statement = relate(match, clause, rel, join(topic, "at"), proper=True, name_type=ORGANIZATION, group=group)
    if statement is None or group is None or not topic:
        return statement
    for subj in group:
        fact = join(subj.shown, conjugate(match.group("v"), subj, len(group)), topic)
        statement.triples.append(Triple(subj.name, subj.type, "STUDIED" if past else "STUDIES", topic, TOPIC, fact))
    return statement


def owns_named(match: re.Match[str], clause: Clause) -> Statement | None:
    """'I have a dog named Rex' -> OWNS Rex (a Pet); 'I have a sister called Mia' is family, not property."""
    subj = subject(match, clause)
    pets, complete = names(match.group("obj"), clause)
    if subj is None or not pets:
        return None
    kind_raw = " ".join(match.group("kind").split())
    last = kind_raw.split()[-1]
    kind = re.sub(r"ies$", "y", last) if last.endswith("ies") else re.sub(r"(?<=[^s])s$", "", last)
    verb = verb_phrase(match.group("v"), subj.first_person)
    how = match.group("how")
    built = join(subj.shown, verb, match.group("det"), kind_raw, how, " and ".join(pets)) + clause.suffix()
    if re.fullmatch(KIN, kind):  # "I have a sister named Anna"
        triples = [kin_triple(pet, kind, subj.name, subj.type, clause) for pet in pets]
    else:
        rel = "OWNED" if is_past(match.group("v")) else "OWNS"
        kind_type = PET if kind in PET_WORDS else THING
        triples = [
            Triple(
                subj.name, subj.type, rel, pet, kind_type, f"{subj.shown} {verb} a {kind} {how} {pet}", clause.valid_at
            )
            for pet in pets
        ]
    return Statement([*subj.triples, *triples], [clause.restate(built)], complete)


def prefers(match: re.Match[str], clause: Clause) -> Statement | None:
    """likes / loves / enjoys / prefers / hates / dislikes, one relation per coordinated object."""
    verb = match.group("v").lower()
    rel = _PREFERENCES[verb[:-1] if verb.endswith("s") else verb]
    obj, tail = match.group("obj"), ""
    compared = re.fullmatch(r"(?P<x>.+?)\s+(?P<conn>over|rather\s+than|instead\s+of|to)\s+(?P<y>.+)", obj)
    if rel == "PREFERS" and compared and not obj.startswith("to "):  # "I prefer tea over coffee"
        obj, tail = compared.group("x"), f" {compared.group('conn')} {compared.group('y')}"
    infinitive = re.fullmatch(r"to\s+(?P<verb>[a-z]+)(?P<rest>(?:\s.*)?)", obj)
    if infinitive:  # "I love to cook" -> cooking
        obj = gerund(infinitive.group("verb")) + infinitive.group("rest")
    return relate(match, clause, rel, "", proper=False, name_type=ENTITY, obj=obj, tail=tail, activities=True)


def simple(
    rel: str, past_rel: str, prep: str, *, proper: bool, name_type: str, past_type: str | None = None
) -> Handler:
    """A handler for a plain subject-verb-object pattern whose relation type only depends on tense."""

    def handler(match: re.Match[str], clause: Clause) -> Statement | None:
        past = is_past(match.group("v"))
        kind = past_type if past and past_type else name_type
        return relate(match, clause, past_rel if past else rel, prep, proper=proper, name_type=kind)

    return handler


def be_phrase(rel: str, phrase: str) -> Handler:
    """A handler for 'X is <phrase> Y' patterns: 'is allergic to', 'is a fan of'."""

    def handler(match: re.Match[str], clause: Clause) -> Statement | None:
        return relate(match, clause, rel, phrase, proper=False, name_type=ENTITY, verb=match.group("be"))

    return handler
