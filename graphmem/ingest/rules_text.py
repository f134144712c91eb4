"""Text helpers for the offline rule extractor: names, dates, object phrases, and first-person rewriting.

They are kept apart from the pattern table (``rules_patterns``) so that each piece is small enough to read and to
test on its own. Everything here is plain ``re`` and deterministic: the same text always gives the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

UTC = timezone.utc

# Entity types the rules emit; all pass ``normalize_entity_type`` unchanged.
PERSON = "Person"
AGENT = "Agent"
ORGANIZATION = "Organization"
LOCATION = "Location"
EVENT = "Event"
ACTIVITY = "Activity"
THING = "Thing"
DOCUMENT = "Document"
PET = "Pet"
ROLE = "Role"
TOPIC = "Topic"
TEAM = "Team"
SKILL = "Skill"
ENTITY = "Entity"
GENERIC_TYPES = frozenset({ENTITY, THING})


def words(text: str) -> frozenset[str]:
    """A vocabulary written as one whitespace-separated string, for readability."""
    return frozenset(text.split())


# ---- names ----------------------------------------------------------------------------------------------------------

_UPPER = "A-ZÀ-ÖØ-Þ"
# "O'Brien", "St. Mary's Hospital", "McDonald's" (a possessive only inside a name or at the very end).
NAME_WORD = (
    rf"(?:(?:St|Mt|Ft|Inc|Corp|Ltd|Co|Jr|Sr)\.|[{_UPPER}][\w&\-]*(?:'[{_UPPER}][\w\-]*)?(?:'s(?=\s+[{_UPPER}]|$))?)"
)
_PARTICLE = r"(?:of|de|da|del|della|di|du|la|le|van|von|der|den|bin|al)(?:\s+the)?"
_NUMBER_PART = r"\d{1,4}\b(?![-/:.]\d)(?!\s+(?:day|week|month|year|time|hour|minute|mile|km|percent)s?\b)"
# A proper name: capitalized words, with name particles ("Bank of America") and numbers ("GraphConf 2025").
NAME = (
    rf"(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof|Sir|Dame)\.?\s+)?{NAME_WORD}"
    rf"(?:(?:\s+{_PARTICLE})?\s+(?:{NAME_WORD}|{_NUMBER_PART}))*"
)
NAME_RE = re.compile(NAME)

# Capitalized words that open sentences but never name an entity on their own.
_NOT_NAME_STARTS = words(
    """the a an this that these those he she it they we you his her its their our your my me him them us there here
    what who whom which when where why how if everyone everybody someone somebody nobody anyone anybody each every
    some many most all both yesterday today tomorrow tonight also and but so or then now just not no yes maybe please
    thanks thank hi hello hey nothing something everything anything none one another other others such let do does did
    is are was were can could will would should may might must have has had well oh ok okay sure great"""
)
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)  # fmt: skip
_CALENDAR_WORDS = frozenset(
    [*_MONTH_NAMES, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)
# Words that look like names after "I'm" but describe the speaker instead ("I'm Italian").
NOT_PERSON_NAMES = words(
    """american british english french german spanish italian chinese japanese indian canadian australian mexican
    russian brazilian dutch irish scottish welsh korean swedish norwegian danish finnish polish greek turkish
    portuguese swiss austrian belgian african european asian jewish muslim catholic buddhist hindu ok okay fine good
    great sorry here back home done ready new"""
)

_ORG_WORDS = words(
    """inc inc. corp corp. corporation ltd ltd. llc gmbh ag sa plc co co. company group labs lab technologies
    technology systems bank university college institute school academy foundation agency hospital studio studios
    partners holdings ventures capital airlines airways motors media industries solutions consulting software
    association society club council ministry department"""
)
_EVENT_WORDS = words(
    """conf conference summit festival fest expo meetup hackathon con olympics cup championship workshop symposium
    forum week fair gala concert marathon party wedding tournament convention congress"""
)
_YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")


def is_name(text: str) -> bool:
    """A proper name by shape, not one of the capitalized function words that start sentences."""
    if not NAME_RE.fullmatch(text):
        return False
    first = text.split()[0].rstrip(".")
    if len(first) > 1 and first.isupper() and first not in {"OK", "IT"}:
        return True  # an acronym: "US" is the country, not "us"
    return first.lower() not in _NOT_NAME_STARTS and first.lower() not in _CALENDAR_WORDS


def guess_type(name: str, default: str) -> str:
    """Cheap typing by name shape: company suffixes are organizations, conference-like names are events."""
    tokens = [token.lower().strip(".,") for token in name.split()]
    if any(token in _ORG_WORDS for token in tokens[1:]) or tokens[0] in {"university", "bank"}:
        return ORGANIZATION
    if any(token in _EVENT_WORDS for token in tokens) or tokens[0].endswith("conf") or _YEAR_RE.search(name):
        return EVENT
    return default


def mentioned_names(text: str) -> list[str]:
    """Capitalized names that do not open the text: in English these are almost always proper nouns.

    Leading function words are peeled off first, so 'Yesterday Sarah' at the start still yields 'Sarah'.
    """
    found: list[str] = []
    for match in NAME_RE.finditer(text):
        tokens = match.group().rstrip(".").split()
        opening = match.start() == 0 or text[match.start() - 1] in "'\u2019"
        while tokens and (tokens[0] == "I" or tokens[0].lower() in _NOT_NAME_STARTS | _CALENDAR_WORDS):
            tokens.pop(0)
            opening = False
        name = " ".join(tokens)
        if name and not opening and name.lower() not in NOT_PERSON_NAMES and is_name(name):
            found.append(name)
    return found


# ---- verbs ----------------------------------------------------------------------------------------------------------

_UNCHANGED_VERBS = words(
    """can could will would shall should may might must cannot was were had did went saw met got made took came said
    found knew thought bought brought ate drove left ran began felt kept lost told wrote gave sold sent spent won built
    broke chose forgot grew heard held taught understood became caught fell flew fought hid hit hurt let lent meant paid
    put quit read rode rang rose sang sat shot shut slept spoke stood stole swam threw woke wore cut set cost dealt dug
    drew drank fed forgave froze hung laid led lit sank shook shone sought split spread stuck struck swore swept swung
    tore wept wound used"""
)
_IRREGULAR = {"am": "is", "are": "is", "have": "has", "do": "does", "go": "goes", "don't": "doesn't"}
_IRREGULAR |= {"haven't": "hasn't", "aren't": "isn't", "'m": "is", "'ve": "has", "'re": "is"}
_LY_VERBS = r"apply|reply|supply|rely|fly|comply|imply|multiply|ally|rally|tally|bully"
ADVERBS = (
    r"really|also|still|currently|now|just|actually|absolutely|truly|totally|recently|finally|usually|mostly|"
    r"definitely|honestly|personally|even|always|already|officially|genuinely|originally|kind\s+of|sort\s+of|"
    rf"pretty\s+much|(?!(?:{_LY_VERBS})\b)[a-z]+ly"
)
# Adverbs allowed between "I" and its verb when rewriting a sentence; negations are fine there, unlike in patterns.
_REWRITE_ADVERB_RE = re.compile(
    rf"(?:\s+(?:{ADVERBS}|never|not|no\s+longer|often|sometimes|rarely|seldom|once|first|then|later|again|both|all|"
    r"only|mainly|generally|probably|certainly|especially|previously))*"
)


def third_person(verb: str) -> str:
    """'love' -> 'loves', 'am' -> 'is', 'moved' -> 'moved': agreement for a verb whose subject was 'I'."""
    lower = verb.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower in _UNCHANGED_VERBS or lower.endswith(("ed", "n't")) or not lower.isalpha():
        return verb
    if re.search(r"(?:s|sh|ch|x|z|o)$", lower):
        return verb + "es"
    if re.search(r"[^aeiou]y$", lower):
        return verb[:-1] + "ies"
    return verb + "s"


def verb_phrase(raw: str, first_person: bool) -> str:
    """Normalize a captured verb phrase ("'m working") and make it agree with a third-person subject."""
    tokens = (
        raw.strip().replace("'m", "am ").replace("'ve", "have ").replace("'re", "are ").replace("'s", "is ").split()
    )
    if first_person and tokens:
        tokens[0] = third_person(tokens[0])
    return " ".join(tokens)


def gerund(verb: str) -> str:
    """'cook' -> 'cooking', 'dance' -> 'dancing', 'swim' -> 'swimming' (regular English spelling only)."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb):
        return verb + verb[-1] + "ing"
    return verb + "ing"


# ---- first-person rewriting -----------------------------------------------------------------------------------------

# "we" and "you" cannot be resolved to one named speaker; "US" (the country) is not "us".
_SECOND_OR_PLURAL_RE = re.compile(r"\b(?i:we|our|ours|ourselves|you|your|yours|yourself|yourselves)\b|\b[Uu]s\b")
_I_RE = re.compile(r"\bI(?P<contraction>'m|'ve|'d|'ll)?\b")
_CONTRACTIONS = {"'m": "is", "'ve": "has", "'d": "would", "'ll": "will"}
_OBJECT_FORMS_RE = re.compile(r"\b(?:[Mm]y|[Mm]ine|[Mm]e|[Mm]yself)\b")
_VERB_AFTER_RE = re.compile(r"\s+([a-z][a-z']*)\b")


def first_person(text: str) -> bool:
    """Does the text speak in the first person singular (I, me, my, mine, myself)?"""
    return bool(_I_RE.search(text) or _OBJECT_FORMS_RE.search(text))


def rewrite_first_person(text: str, speaker: str) -> str | None:
    """Say the sentence about the speaker: 'I love my dog' -> 'Alex loves Alex's dog'.

    Returns None when that cannot be done safely ("we", "you", "myself", an 'I' with no verb we can inflect): the
    caller then attributes the sentence as said by the speaker rather than guessing.
    """
    if _SECOND_OR_PLURAL_RE.search(text) or re.search(r"\b[Mm]yself\b", text):
        return None
    out: list[str] = []
    pos = 0
    for match in _I_RE.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        contraction = match.group("contraction")
        if contraction:
            out.append(f"{speaker} {_CONTRACTIONS[contraction]}")
            continue
        before = text[: match.start()]
        if re.search(r"\b(?:and|or|nor|than)\s+$", before) or re.search(rf"[{_UPPER}]\w*\s+$", before):
            # "Bob and I went", "taller than I", "World War I": no agreement to fix.
            out.append(speaker)
            continue
        adverbs = _REWRITE_ADVERB_RE.match(text, pos)
        after = adverbs.end() if adverbs else pos
        verb = _VERB_AFTER_RE.match(text, after)
        if verb is None:
            return None
        out.append(f"{speaker}{text[pos : verb.start(1)]}{third_person(verb.group(1))}")
        pos = verb.end(1)
    out.append(text[pos:])
    rewritten = "".join(out)
    rewritten = re.sub(r"\b(?:[Mm]y|[Mm]ine)\b", f"{speaker}'s", rewritten)
    return re.sub(r"\b[Mm]e\b", speaker, rewritten)


# ---- dates ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateHit:
    """A stated time in a clause; ``when`` is None for relative words when there is no reference time."""

    when: datetime | None
    start: int
    end: int
    text: str


_MONTHS = {name: index + 1 for index, name in enumerate(_MONTH_NAMES[:12])}
_MONTHS |= {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9}
_MONTHS |= {"oct": 10, "nov": 11, "dec": 12}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_PREP = r"(?:(?:on|in|since|during|from|by|around|as\s+of|back\s+in|until)\s+)?"
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_NUMBERS |= {"nine": 9, "ten": 10}
_DATE_RES = [
    re.compile(
        rf"{_PREP}(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})"
        r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\.\d+)?\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})?)?\b",
        re.IGNORECASE,
    ),
    re.compile(rf"{_PREP}(?:the\s+)?\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(
        rf"{_PREP}(?:the\s+)?\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<y>\d{{4}})\b", re.I
    ),
    re.compile(rf"{_PREP}\b{_MONTH},?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(
        r"\b(?:in|since|during|from|by|around|back\s+in|as\s+of)\s+(?:(?:early|late|mid)[-\s]+)?"
        r"(?P<y>(?:19|20)\d{2})\b(?![-/])",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?P<rel>yesterday|today|tonight|this\s+(?:morning|afternoon|evening)|last\s+(?:week|month|year)|"
        r"(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?P<unit>day|week|month|year)s?\s+ago)\b",
        re.IGNORECASE,
    ),
]


def as_utc(moment: datetime) -> datetime:
    """Timezone-aware UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _relative(match: re.Match[str], reference: datetime | None) -> datetime | None:
    if reference is None:
        return None
    try:
        return _count_back(match, as_utc(reference))
    except (ValueError, OverflowError):  # "5000 years ago" falls off the calendar
        return None


def _count_back(match: re.Match[str], ref: datetime) -> datetime:
    day = datetime(ref.year, ref.month, ref.day, tzinfo=UTC)
    word = " ".join(match.group("rel").lower().split())
    if word in {"today", "tonight"} or word.startswith("this "):
        return day
    if word == "yesterday":
        return day - timedelta(days=1)
    if word == "last week":
        return day - timedelta(days=7)
    if word == "last month":
        return datetime(ref.year - (ref.month == 1), (ref.month - 2) % 12 + 1, 1, tzinfo=UTC)
    if word == "last year":
        return datetime(ref.year - 1, 1, 1, tzinfo=UTC)
    raw = match.group("n").lower()
    count = int(raw) if raw.isdigit() else _NUMBERS[raw]
    unit = match.group("unit").lower()
    if unit in {"day", "week"}:
        return day - timedelta(days=count * (7 if unit == "week" else 1))
    if unit == "month":
        months = ref.year * 12 + ref.month - 1 - count
        return datetime(months // 12, months % 12 + 1, 1, tzinfo=UTC)
    return datetime(ref.year - count, 1, 1, tzinfo=UTC)


def _absolute(match: re.Match[str]) -> datetime | None:
    groups = match.groupdict()
    year = int(groups["y"])
    month = _MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups.get("m") or 1)
    day = int(groups.get("d") or 1)
    hour, minute, second = (int(groups.get(key) or 0) for key in ("H", "M", "S"))
    offset = timedelta(0)
    tz = groups.get("tz")
    if tz and tz.upper() not in {"Z", "UTC"}:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset)).astimezone(UTC)
    except (ValueError, OverflowError):  # 2024-02-31 is not a date; 0001-01-01+02:00 is off the calendar in UTC
        return None


def find_dates(text: str, reference: datetime | None) -> list[DateHit]:
    """Every stated time in ``text``, in order, non-overlapping (the earliest, then longest, wins)."""
    hits: list[tuple[int, int, re.Match[str], bool]] = []
    for index, pattern in enumerate(_DATE_RES):
        relative = index == len(_DATE_RES) - 1
        hits.extend((m.start(), -m.end(), m, relative) for m in pattern.finditer(text))
    found: list[DateHit] = []
    taken_until = -1
    for start, _neg_end, match, relative in sorted(hits, key=lambda hit: (hit[0], hit[1])):
        if start < taken_until:
            continue
        when = _relative(match, reference) if relative else _absolute(match)
        if when is None and not relative:
            continue
        found.append(DateHit(when, start, match.end(), match.group()))
        taken_until = match.end()
    return found


def strip_dates(text: str) -> str:
    """The text with every date phrase removed (relative ones too), whitespace tidied."""
    for hit in reversed(find_dates(text, None)):
        text = text[: hit.start] + text[hit.end :]
    return " ".join(text.split()).strip(" ,")


def when_phrase(text: str) -> str:
    """A date phrase as it reads at the end of a fact: 'In 2023' -> 'in 2023', 'March 2024' unchanged."""
    first = text.split()[0].lower()
    leading = {"on", "in", "since", "during", "from", "by", "around", "as", "back", "until", "yesterday", "today"}
    if first in leading | {"tonight", "last", "this"}:
        return text[:1].lower() + text[1:]
    return text


# ---- object phrases -------------------------------------------------------------------------------------------------

_CUT_RE = re.compile(
    r"\s*[;:(\u2014\u2013]|\s+-\s+|(?:,\s*|\s+)(?:because|since|but|although|though|while|when|whenever|where|which|"
    r"who|whom|whose|that|so|until|unless|if|after|before|as|except|whereas|than|not)\b"
)
_FILLER_TAIL_RE = re.compile(
    r"(?:,\s*|\s+)(?:now|currently|these\s+days|nowadays|lately|a\s+lot|very\s+much|so\s+much|too|as\s+well|"
    r"every\s+day|all\s+the\s+time|sometimes|often|again|at\s+the\s+moment|right\s+now|here|there)\b"
)
_FILLER_TAIL_WORDS = re.compile(
    r"\b(?:now|currently|these\s+days|nowadays|lately|a\s+lot|very\s+much|so\s+much|too|as\s+well|every\s+day|"
    r"all\s+the\s+time|sometimes|often|again|at\s+the\s+moment|right\s+now|here|there|really|and|also)\b",
    re.IGNORECASE,
)
_PREPOSITIONS = words("in at on with for from during near by of to into under over after before")
_PRONOUNS = words(
    """it this that these those them him her you me us everything something anything nothing everyone someone
    anyone nobody one ones stuff things"""
)
_POSSESSIVES = words("my your his her our their its")
_QUANTIFIERS_RE = re.compile(r"^(?:lots\s+of|a\s+lot\s+of|all\s+(?:kinds|sorts|types)\s+of|many\s+kinds\s+of)\s+", re.I)
_ARTICLE_RE = re.compile(r"^(?P<art>the|a|an)\s+(?P<rest>.+)$", re.IGNORECASE)
_LIST_SPLIT_RE = re.compile(r"\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or|as\s+well\s+as)\s+")


def cut_object(text: str) -> tuple[str, str]:
    """Split an object phrase from what follows it: 'Acme because I like it' -> ('Acme', 'because I like it')."""
    ends = [len(text)]
    for pattern in (_CUT_RE, _FILLER_TAIL_RE):
        match = pattern.search(text)
        if match:
            ends.append(match.start())
    ends.extend(hit.start for hit in find_dates(text, None))
    end = min(ends)
    return text[:end].strip(" ,"), text[end:].strip()


def is_empty_tail(tail: str) -> bool:
    """True when what follows an object carries nothing beyond dates and filler ('in 2023', 'a lot', 'too')."""
    rest = _FILLER_TAIL_WORDS.sub(" ", strip_dates(tail))
    return not re.sub(r"[\s,.;:!?'\"]+", "", rest)


def clean_phrase(raw: str) -> str | None:
    """An entity name from an object phrase: drop quotes and articles ('the gym' -> 'gym'); None for pronouns."""
    text = _QUANTIFIERS_RE.sub("", raw.strip(" \t\"'\u201c\u201d\u2018\u2019()[]{}.,;:!?"))
    article = _ARTICLE_RE.match(text)
    if article and not (article.group("art")[0].isupper() and article.group("rest")[:1].isupper()):
        text = article.group("rest")
    tokens = text.split()
    if not tokens or tokens[0].lower() in _PRONOUNS | _POSSESSIVES or len(tokens) > 6:
        return None
    return text


def split_list(text: str) -> list[str]:
    """'basketball, chess and gaming' -> ['basketball', 'chess', 'gaming']."""
    return [part for part in _LIST_SPLIT_RE.split(text) if part.strip()]


def leading_name(text: str) -> tuple[str, str] | None:
    """('Acme Corp', 'in Berlin') for 'the Acme Corp in Berlin'; None unless a name opens the phrase.

    A name followed by more words that are not a preposition ('New York pizza') is not a name phrase.
    """
    body = re.sub(r"^(?:the|a|an)\s+", "", text.strip())
    match = NAME_RE.match(body)
    if not match or not is_name(match.group()):
        return None
    rest = body[match.end() :].strip()
    if rest and rest.split()[0].lower() not in _PREPOSITIONS:
        return None
    return match.group().rstrip("."), rest


_FILLER_WORDS = words(
    """hi hello hey hiya yo thanks thank thx ty you ok okay k yes yeah yep yup no nope sure bye goodbye cya great cool
    nice awesome perfect fine good morning evening afternoon night there cheers welcome alright right wow oh ah hmm
    lol haha please much so very a lot got it sounds thing np meet to"""
)


def is_filler(text: str) -> bool:
    """True for greetings and acknowledgements with no content ('Hi!', 'Thanks a lot', 'ok')."""
    tokens = re.findall(r"[A-Za-z']+", text.lower())
    return all(token in _FILLER_WORDS for token in tokens)
