"""The rule table of the offline extractor: one compiled pattern per statement shape, each with its handler.

Patterns are tried in table order against one clause and the first handler that returns a ``Statement`` wins; a
handler returns None when the match is not what its pattern is for ("I know that ...", "I love it"), and the next
pattern gets its turn. Patterns only match a subject directly followed by its verb (adverbs allowed): that is what
keeps "I don't like X", "I would love X" and "I think Bob works at Acme" from producing relations. The self-
introduction pattern comes first: the extractor also runs it alone, ahead of the others, to learn the speaker's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphmem.ingest.rules_clause import ADV, BE, KIN, OWNER, SP, Handler, S, subject_group
from graphmem.ingest.rules_handlers import (
    be_phrase,
    comes_from,
    favorite,
    founded_by,
    intro,
    is_kin,
    kin_is,
    lives,
    married,
    met,
    owns_named,
    prefers,
    role_of,
    signed_by,
    signs,
    simple,
    studies,
    works,
)
from graphmem.ingest.rules_text import ENTITY, EVENT, LOCATION, NAME, ORGANIZATION, PERSON, THING


@dataclass(frozen=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    handler: Handler


def _v(verbs: str) -> str:
    """Subject, optional adverbs, then one of ``verbs`` (a regex alternation) in group ``v``."""
    return rf"{S}{ADV}{SP}(?P<v>{verbs})"


_INTRO_LEAD = (
    r"(?i:my\s+name\s+is|my\s+name's|(?:you\s+can\s+)?call\s+me|i\s+am\s+called|i'm\s+called|i\s+go\s+by|i\s+am|i'm|"
    r"this\s+is|it's|it\s+is|name's)"
)
_AUX_ING = r"(?:am|'m|is|'s|are|was|were)\s+"  # "I'm working", "she was studying"
_HAVE = r"(?:have|'ve|has)\s+"
_FAN = r"(?:a\s+|an\s+)?(?:(?:big|huge|great|massive|lifelong|die-hard)\s+)?fan\s+of"
_WORK_VERBS = rf"works|work|worked|{_AUX_ING}(?:working|employed)|{_HAVE}(?:worked|been\s+working)|used\s+to\s+work"
_LIVE_VERBS = (
    rf"lives|live|lived|moved|relocated|resides|reside|resided|{_AUX_ING}(?:living|based)|"
    rf"{_HAVE}(?:lived|moved|relocated)|used\s+to\s+live"
)
_SIGN_VERBS = rf"signed|{_HAVE}signed|signs?"
_FOUND_VERBS = rf"(?:co-?)?founded|established|{_HAVE}(?:co-?)?founded"
_REPORT_VERBS = rf"reports|report|reported|{_AUX_ING}reporting"
_MANAGE_VERBS = rf"manages|manage|managed|{_AUX_ING}managing"
_STUDY_VERBS = rf"studies|study|studied|{_AUX_ING}studying|{_HAVE}studied"
_GRADUATE_VERBS = rf"graduated|{_HAVE}graduated"
_ATTEND_VERBS = rf"attends|attend|attended|{_AUX_ING}attending"
_VISIT_VERBS = rf"visited|went\s+to|travell?ed\s+to|{_HAVE}(?:visited|been\s+to|travell?ed\s+to)"
_KNOW_VERBS = rf"knows|know|{_HAVE}known"
_HAVE_VERBS = rf"have|has|had|owns?|owned|{_HAVE}got|got"
_PREFERENCE_VERBS = "likes|like|loves|love|enjoys|enjoy|prefers|prefer|hates|hate|dislikes|dislike|adores|adore"

_TABLE: list[tuple[str, str, Handler]] = [
    ("intro", rf"(?P<lead>{_INTRO_LEAD})\s+(?P<name>{NAME})(?P<rest>.*)", intro),
    ("kin-is", rf"{OWNER}\s+(?P<kin>{KIN})(?:'s\s+name)?\s+(?:is|was)\s+(?P<obj>.+)", kin_is),
    ("is-kin", rf"{S}{BE}\s+{OWNER}\s+(?P<kin>{KIN})(?P<rest>.*)", is_kin),
    (
        "favorite",
        rf"{OWNER}\s+(?:all-time\s+)?favou?rite\s+(?P<cat>[a-z]+(?:\s+[a-z]+)?)\s+(?P<be>is|are|was)\s+(?P<obj>.+)",
        favorite,
    ),
    ("married", rf"{S}{BE}{ADV}\s+(?P<rel>married|engaged)\s+to\s+(?P<obj>.+)", married),
    ("married-verb", rf"{_v('married')}\s+(?P<obj>(?!to\b).+)", married),
    (
        "married-pair",
        rf"{S}\s+and\s+{subject_group('subj2')}\s+(?P<be>are|were|got|{_HAVE}been)\s+(?P<rel>married|engaged)(?P<rest>.*)",
        married,
    ),
    ("from", rf"{S}(?:{BE}\s+(?:originally\s+)?|{ADV}{SP}(?P<v>comes?|came|hails?)\s+)from\s+(?P<obj>.+)", comes_from),
    ("allergic", rf"{S}{BE}{ADV}\s+allergic\s+to\s+(?P<obj>.+)", be_phrase("ALLERGIC_TO", "allergic to")),
    ("fan", rf"{S}{BE}{ADV}\s+{_FAN}\s+(?P<obj>.+)", be_phrase("LIKES", "a fan of")),
    ("signed-by", rf"(?P<doc>.+?)\s+(?:was|were|{_HAVE}been|had\s+been|got)\s+signed\s+by\s+(?P<rest>.+)", signed_by),
    (
        "founded-by",
        rf"(?P<obj>{NAME})\s+(?:was|were)\s+(?:co-?)?(?:founded|established)\s+by\s+(?P<rest>.+)",
        founded_by,
    ),
    ("role", rf"{S}{BE}\s+(?P<rest>.+)", role_of),
    (
        "met",
        rf"{subject_group('a')}(?:\s+and\s+{subject_group('b0')})?{ADV}\s+(?:first\s+)?met(?:\s+(?:up\s+)?with)?"
        rf"(?:\s+(?P<b>{NAME}|me))?(?P<rest>(?:\s.*)?)",
        met,
    ),
    ("signed", rf"{_v(_SIGN_VERBS)}\s+(?P<obj>.+)", signs),
    (
        "founded",
        rf"{_v(_FOUND_VERBS)}\s+(?P<obj>.+)",
        simple("FOUNDED", "FOUNDED", "", proper=True, name_type=ORGANIZATION),
    ),
    (
        "reports",
        rf"{_v(_REPORT_VERBS)}\s+(?:directly\s+)?to\s+(?P<obj>.+)",
        simple("REPORTS_TO", "REPORTS_TO", "to", proper=True, name_type=PERSON),
    ),
    (
        "manages",
        rf"{_v(_MANAGE_VERBS)}\s+(?P<obj>.+)",
        simple("MANAGES", "MANAGED", "", proper=False, name_type=PERSON),
    ),
    ("works", rf"{_v(_WORK_VERBS)}(?:\s+as\s+(?P<role>.+?))?(?:\s+(?P<prep>at|for|by)\s+(?P<obj>.+))?", works),
    (
        "studies",
        rf"{_v(_STUDY_VERBS)}"
        r"(?:\s+(?P<topic>[a-z][a-z\s-]*?))?\s+at\s+(?P<obj>.+)",
        studies,
    ),
    (
        "graduated",
        rf"{_v(_GRADUATE_VERBS)}\s+from\s+(?P<obj>.+)",
        simple("GRADUATED_FROM", "GRADUATED_FROM", "from", proper=True, name_type=ORGANIZATION),
    ),
    (
        "attends",
        rf"{_v(_ATTEND_VERBS)}\s+(?P<obj>.+)",
        simple("ATTENDS", "ATTENDED", "", proper=True, name_type=ENTITY, past_type=EVENT),
    ),
    ("lives", rf"{_v(_LIVE_VERBS)}\s+(?P<prep>(?:back\s+)?(?:in|to|at|over\s+to))\s+(?P<obj>.+)", lives),
    (
        "visited",
        rf"{_v(_VISIT_VERBS)}\s+(?P<obj>.+)",
        simple("VISITED", "VISITED", "", proper=True, name_type=LOCATION),
    ),
    (
        "knows",
        rf"{_v(_KNOW_VERBS)}\s+(?P<obj>.+)",
        simple("KNOWS", "KNOWS", "", proper=True, name_type=PERSON),
    ),
    (
        "owns-named",
        rf"{_v(_HAVE_VERBS)}\s+(?P<det>a|an|one|two|three|four|five|\d+)\s+"
        r"(?P<kind>[a-z][a-z\s-]*?)\s+(?P<how>named|called)\s+(?P<obj>.+)",
        owns_named,
    ),
    ("owns", rf"{_v('owns|own|owned')}\s+(?P<obj>.+)", simple("OWNS", "OWNED", "", proper=False, name_type=THING)),
    ("prefers", rf"{_v(_PREFERENCE_VERBS)}\s+(?P<obj>.+)", prefers),
]
PATTERNS: tuple[Pattern, ...] = tuple(Pattern(name, re.compile(regex), handler) for name, regex, handler in _TABLE)
