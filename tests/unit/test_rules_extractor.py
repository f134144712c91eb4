"""The offline rule extractor: every statement shape it understands, speaker resolution, dates, and what it keeps.

Assertions name exact (source, type, target) triples and entity types, so a change in what the rules produce shows
up here as a readable diff rather than a changed count.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from graphmem.ingest.extract import ExtractionContext, Extractor
from graphmem.ingest.rules import RuleExtractor, split_clauses, split_sentences
from graphmem.models import (
    ExtractedRelation,
    Extraction,
    Message,
    normalize_entity_type,
    normalize_relation_type,
)

UTC = timezone.utc
REF = datetime(2025, 6, 15, 12, 30, tzinfo=UTC)


def extract(
    *contents: str, role: str = "user", name: str | None = None, speaker: str = "User", ref: datetime | None = REF
) -> Extraction:
    messages = [Message(role=role, content=content, name=name) for content in contents]
    return RuleExtractor().extract(messages, ExtractionContext(speaker=speaker, reference_time=ref))


def triples(extraction: Extraction) -> list[tuple[str, str, str]]:
    return [(r.source, r.type, r.target) for r in extraction.relations]


def types(extraction: Extraction) -> dict[str, str]:
    return {e.name: e.type for e in extraction.entities}


def facts(extraction: Extraction) -> list[str]:
    return [f.text for f in extraction.facts]


def relation(extraction: Extraction, source: str, type_: str, target: str) -> ExtractedRelation:
    return next(r for r in extraction.relations if (r.source, r.type, r.target) == (source, type_, target))


# ---- the extractor seam ----------------------------------------------------------------------------------------------


def test_is_an_extractor_named_rules() -> None:
    extractor = RuleExtractor()
    assert isinstance(extractor, Extractor)
    assert extractor.name == "rules"


def test_empty_input_gives_an_empty_extraction() -> None:
    assert extract("", "   \n ") == Extraction()
    assert RuleExtractor().extract([], ExtractionContext()) == Extraction()


# ---- preferences and coordination ------------------------------------------------------------------------------------


def test_love_with_coordinated_objects_gives_one_relation_and_fact_per_object() -> None:
    out = extract("I love basketball and gaming.")
    assert triples(out) == [("User", "LOVES", "basketball"), ("User", "LOVES", "gaming")]
    assert facts(out) == ["User loves basketball", "User loves gaming"]
    assert types(out) == {"User": "Person", "basketball": "Activity", "gaming": "Activity"}
    assert [f.entities for f in out.facts] == [["User", "basketball"], ["User", "gaming"]]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Bob likes jazz.", ("Bob", "LIKES", "jazz")),
        ("Bob loves jazz.", ("Bob", "LOVES", "jazz")),
        ("Bob enjoys jazz.", ("Bob", "ENJOYS", "jazz")),
        ("Bob prefers jazz.", ("Bob", "PREFERS", "jazz")),
        ("Bob hates jazz.", ("Bob", "HATES", "jazz")),
        ("Bob dislikes jazz.", ("Bob", "DISLIKES", "jazz")),
        ("I really like jazz.", ("User", "LIKES", "jazz")),
    ],
)
def test_preference_verbs(sentence: str, expected: tuple[str, str, str]) -> None:
    assert triples(extract(sentence)) == [expected]


def test_commas_and_or_split_objects() -> None:
    out = extract("I enjoy hiking, chess, and cooking.")
    assert triples(out) == [("User", "ENJOYS", "hiking"), ("User", "ENJOYS", "chess"), ("User", "ENJOYS", "cooking")]


def test_prefer_over_keeps_the_comparison_in_the_fact() -> None:
    out = extract("I prefer tea over coffee.")
    assert triples(out) == [("User", "PREFERS", "tea")]
    assert facts(out) == ["User prefers tea over coffee"]
    assert types(out)["tea"] == "Thing"


def test_infinitive_becomes_an_activity() -> None:
    out = extract("I love to cook.")
    assert triples(out) == [("User", "LOVES", "cooking")]
    assert types(out)["cooking"] == "Activity"


def test_fan_of_and_favorite_and_allergies() -> None:
    out = extract("I'm a big fan of Taylor Swift. My favorite color is blue. I'm allergic to peanuts and shellfish.")
    assert triples(out) == [
        ("User", "LIKES", "Taylor Swift"),
        ("User", "FAVORITE_COLOR", "blue"),
        ("User", "ALLERGIC_TO", "peanuts"),
        ("User", "ALLERGIC_TO", "shellfish"),
    ]
    assert facts(out)[:2] == ["User is a fan of Taylor Swift", "User's favorite color is blue"]


# ---- negation, modality and nesting never become relations -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "fact"),
    [
        ("I don't like mushrooms.", "User doesn't like mushrooms"),
        ("I do not work at Acme.", "User does not work at Acme"),
        ("I never lived in Paris.", "User never lived in Paris"),
        ("I no longer live in Paris.", "User no longer lives in Paris"),
        ("Jane is not the CEO of Acme.", "Jane is not the CEO of Acme"),
        ("I would love to visit Japan.", "User would love to visit Japan"),
        ("I think Bob works at Acme.", "User thinks Bob works at Acme"),
        ("If I worked at Acme, I'd be rich.", "If User worked at Acme, User would be rich"),
        ("When I was young, I lived in Paris.", "When User was young, User lived in Paris"),
    ],
)
def test_negated_hypothetical_and_nested_statements_are_kept_as_facts_only(sentence: str, fact: str) -> None:
    out = extract(sentence)
    assert out.relations == []
    assert facts(out) == [fact]


def test_a_contrast_keeps_the_positive_half() -> None:
    out = extract("I like chess but not poker.")
    assert triples(out) == [("User", "LIKES", "chess")]
    assert facts(out) == ["User likes chess but not poker"]  # the whole clause: the rules did not model "not poker"


def test_pronoun_objects_are_not_entities() -> None:
    out = extract("I like it.")
    assert out.relations == []
    assert facts(out) == ["User likes it"]


# ---- work, study, places ---------------------------------------------------------------------------------------------


def test_works_at() -> None:
    out = extract("I work at Acme. Bob works for Globex. Carol worked at Initech.")
    assert triples(out) == [
        ("User", "WORKS_AT", "Acme"),
        ("Bob", "WORKS_AT", "Globex"),
        ("Carol", "WORKED_AT", "Initech"),
    ]
    assert types(out) == {
        "User": "Person",
        "Acme": "Organization",
        "Bob": "Person",
        "Globex": "Organization",
        "Carol": "Person",
        "Initech": "Organization",
    }


def test_job_title_at_an_organization() -> None:
    out = extract("I'm a software engineer at Google.")
    assert triples(out) == [("User", "WORKS_AT", "Google"), ("User", "WORKS_AS", "software engineer")]
    assert types(out)["software engineer"] == "Role"
    assert facts(out) == ["User is a software engineer at Google"]


def test_works_as_without_an_organization() -> None:
    out = extract("I work as a nurse.")
    assert triples(out) == [("User", "WORKS_AS", "nurse")]
    assert facts(out) == ["User works as a nurse"]


def test_organization_names_with_abbreviations_and_possessives() -> None:
    out = extract("Dr. Smith works at St. Mary's Hospital.")
    assert triples(out) == [("Dr. Smith", "WORKS_AT", "St. Mary's Hospital")]
    assert types(out) == {"Dr. Smith": "Person", "St. Mary's Hospital": "Organization"}


def test_moved_to_is_lives_in_dated_by_the_reference_time() -> None:
    out = extract("I moved to Berlin.")
    assert triples(out) == [("User", "LIVES_IN", "Berlin")]
    assert types(out)["Berlin"] == "Location"
    assert out.relations[0].valid_at == REF
    assert facts(out) == ["User moved to Berlin"]


def test_moved_to_without_reference_time_has_no_date() -> None:
    assert extract("I relocated to Lisbon.", ref=None).relations[0].valid_at is None


def test_live_in_states_no_start_date() -> None:
    out = extract("I live in Paris.")
    assert triples(out) == [("User", "LIVES_IN", "Paris")]
    assert out.relations[0].valid_at is None


def test_moved_from_closes_the_old_place() -> None:
    out = extract("I moved to Berlin from Paris in 2023.")
    assert triples(out) == [("User", "LIVES_IN", "Berlin"), ("User", "LIVED_IN", "Paris")]
    moved = datetime(2023, 1, 1, tzinfo=UTC)
    assert out.relations[0].valid_at == moved
    assert (out.relations[1].valid_at, out.relations[1].invalid_at) == (None, moved)


def test_from_city_and_country() -> None:
    out = extract("I'm from Lyon, France.")
    assert triples(out) == [("User", "FROM", "Lyon"), ("Lyon", "LOCATED_IN", "France")]
    assert types(out) == {"User": "Person", "Lyon": "Location", "France": "Location"}
    assert facts(out) == ["User is from Lyon, France"]


def test_an_organization_based_somewhere_is_located_there() -> None:
    out = extract("Acme is based in Berlin.")
    assert triples(out) == [("Acme", "LOCATED_IN", "Berlin")]
    assert types(out) == {"Acme": "Organization", "Berlin": "Location"}


def test_studies_and_graduated() -> None:
    out = extract("I study computer science at MIT. Bob graduated from Stanford in 2019.")
    assert triples(out) == [
        ("User", "STUDIES_AT", "MIT"),
        ("User", "STUDIES", "computer science"),
        ("Bob", "GRADUATED_FROM", "Stanford"),
    ]
    assert types(out)["MIT"] == "Organization"
    assert types(out)["computer science"] == "Topic"
    assert relation(out, "Bob", "GRADUATED_FROM", "Stanford").valid_at == datetime(2019, 1, 1, tzinfo=UTC)


def test_visited_takes_places_only() -> None:
    out = extract("I visited Paris and Rome. I went to the gym.")
    assert triples(out) == [("User", "VISITED", "Paris"), ("User", "VISITED", "Rome")]
    assert "User went to the gym" in facts(out)


# ---- people, events, documents ---------------------------------------------------------------------------------------


def test_met_at_an_event_in_a_city() -> None:
    out = extract("Alice met Bob at GraphConf 2025 in San Francisco.")
    assert triples(out) == [
        ("Alice", "MET", "Bob"),
        ("Alice", "ATTENDED", "GraphConf 2025"),
        ("Bob", "ATTENDED", "GraphConf 2025"),
        ("GraphConf 2025", "LOCATED_IN", "San Francisco"),
    ]
    assert types(out) == {"Alice": "Person", "Bob": "Person", "GraphConf 2025": "Event", "San Francisco": "Location"}
    assert facts(out) == ["Alice met Bob at GraphConf 2025 in San Francisco"]
    assert out.facts[0].entities == ["Alice", "Bob", "GraphConf 2025", "San Francisco"]


def test_speaker_and_someone_met() -> None:
    out = extract("Bob and I met at PyCon 2024.")
    assert triples(out) == [
        ("Bob", "MET", "User"),
        ("Bob", "ATTENDED", "PyCon 2024"),
        ("User", "ATTENDED", "PyCon 2024"),
    ]
    assert facts(out) == ["Bob and User met at PyCon 2024"]


def test_met_at_a_place_that_is_not_an_event() -> None:
    out = extract("I met Sarah at Starbucks.")
    assert triples(out) == [("User", "MET", "Sarah")]
    assert types(out)["Starbucks"] == "Location"


def test_role_of_an_organization() -> None:
    out = extract("Jane is the CEO of Acme.")
    assert triples(out) == [("Jane", "CEO_OF", "Acme")]
    assert types(out) == {"Jane": "Person", "Acme": "Organization"}
    assert facts(out) == ["Jane is the CEO of Acme"]


def test_multi_word_role_at_an_organization() -> None:
    out = extract("Jane Doe is the VP of Engineering at Acme Corp.")
    assert triples(out) == [("Jane Doe", "WORKS_AT", "Acme Corp"), ("Jane Doe", "WORKS_AS", "VP of Engineering")]


def test_owns() -> None:
    out = extract("Jane owns a red bike.")
    assert triples(out) == [("Jane", "OWNS", "red bike")]
    assert types(out)["red bike"] == "Thing"
    assert facts(out) == ["Jane owns a red bike"]


def test_pet_named() -> None:
    out = extract("I have a dog named Rex. I have two cats called Tom and Luna.")
    assert triples(out) == [("User", "OWNS", "Rex"), ("User", "OWNS", "Tom"), ("User", "OWNS", "Luna")]
    assert {types(out)[pet] for pet in ("Rex", "Tom", "Luna")} == {"Pet"}
    assert facts(out) == ["User has a dog named Rex", "User has two cats called Tom and Luna"]


def test_pet_appositive_subject() -> None:
    out = extract("My dog Rex loves the park.")
    assert triples(out) == [("User", "OWNS", "Rex"), ("Rex", "LOVES", "park")]
    assert facts(out) == ["User's dog Rex loves the park"]


def test_contract_signed_by_with_parties_and_date() -> None:
    out = extract("The contract between Acme Corp and Globex was signed by Jane Doe on 2024-03-01.")
    contract = "contract between Acme Corp and Globex"
    assert triples(out) == [
        ("Jane Doe", "SIGNED", contract),
        (contract, "HAS_PARTY", "Acme Corp"),
        (contract, "HAS_PARTY", "Globex"),
    ]
    assert types(out) == {
        "Jane Doe": "Person",
        contract: "Document",
        "Acme Corp": "Organization",
        "Globex": "Organization",
    }
    assert {r.valid_at for r in out.relations} == {datetime(2024, 3, 1, tzinfo=UTC)}
    assert facts(out) == ["The contract between Acme Corp and Globex was signed by Jane Doe on 2024-03-01"]
    assert out.facts[0].entities == [contract, "Acme Corp", "Globex", "Jane Doe"]


def test_signed_active_and_signed_with() -> None:
    out = extract("Sam signed the lease. Bob signed with the Lakers.")
    assert triples(out) == [("Sam", "SIGNED", "lease"), ("Bob", "SIGNED_WITH", "Lakers")]
    assert types(out)["lease"] == "Document"
    assert facts(out) == ["Sam signed the lease", "Bob signed with the Lakers"]


def test_reports_to_and_manages() -> None:
    out = extract("Robert Smith reports to Alice. Alice manages Bob and Carol.")
    assert triples(out) == [
        ("Robert Smith", "REPORTS_TO", "Alice"),
        ("Alice", "MANAGES", "Bob"),
        ("Alice", "MANAGES", "Carol"),
    ]
    assert set(types(out).values()) == {"Person"}


def test_knows_people_but_not_clauses() -> None:
    assert triples(extract("I know Bob.")) == [("User", "KNOWS", "Bob")]
    assert extract("I know that Bob is sad.").relations == []


def test_founded_active_and_passive() -> None:
    out = extract("Alice founded Acme in 2010. Initech was founded by Bob and Carol.")
    assert triples(out) == [
        ("Alice", "FOUNDED", "Acme"),
        ("Bob", "FOUNDED", "Initech"),
        ("Carol", "FOUNDED", "Initech"),
    ]
    assert out.relations[0].valid_at == datetime(2010, 1, 1, tzinfo=UTC)
    assert types(out)["Initech"] == "Organization"
    assert facts(out) == ["Alice founded Acme in 2010", "Initech was founded by Bob and Carol"]


def test_compound_subjects() -> None:
    out = extract("Alice and Bob co-founded Acme.")
    assert triples(out) == [("Alice", "FOUNDED", "Acme"), ("Bob", "FOUNDED", "Acme")]
    assert facts(out) == ["Alice co-founded Acme", "Bob co-founded Acme"]


@pytest.mark.parametrize(
    ("sentence", "expected", "fact"),
    [
        ("Bob is married to Carol.", ("Bob", "MARRIED_TO", "Carol"), "Bob is married to Carol"),
        ("I married Bob in 2015.", ("User", "MARRIED_TO", "Bob"), "User married Bob in 2015"),
        ("Bob and I are engaged.", ("Bob", "ENGAGED_TO", "User"), "Bob and User are engaged"),
        ("Alice's sister is Emma.", ("Emma", "SISTER_OF", "Alice"), "Emma is Alice's sister"),
        ("My brother is Tom.", ("Tom", "BROTHER_OF", "User"), "Tom is User's brother"),
        ("Emma is my cousin.", ("Emma", "COUSIN_OF", "User"), "Emma is User's cousin"),
        ("Alice is the mother of Bob.", ("Alice", "MOTHER_OF", "Bob"), "Alice is Bob's mother"),
        ("My wife is Anna.", ("Anna", "MARRIED_TO", "User"), "Anna is User's wife"),
        ("My boss is Karen.", ("User", "REPORTS_TO", "Karen"), "Karen is User's boss"),
        ("I have a sister called Mia.", ("Mia", "SISTER_OF", "User"), "User has a sister called Mia"),
    ],
)
def test_family_and_close_relations(sentence: str, expected: tuple[str, str, str], fact: str) -> None:
    out = extract(sentence)
    assert triples(out) == [expected]
    assert {types(out)[expected[0]], types(out)[expected[2]]} == {"Person"}
    assert facts(out) == [fact]


def test_family_appositive_subject() -> None:
    out = extract("My sister Anna lives in Rome.")
    assert triples(out) == [("Anna", "SISTER_OF", "User"), ("Anna", "LIVES_IN", "Rome")]
    assert facts(out) == ["User's sister Anna lives in Rome"]


# ---- who "I" is ------------------------------------------------------------------------------------------------------


def test_first_person_resolves_to_context_speaker() -> None:
    out = extract("I love chess and my dog loves me.", speaker="Sam")
    assert triples(out) == [("Sam", "LOVES", "chess")]
    assert facts(out) == ["Sam loves chess", "Sam's dog loves Sam"]


def test_first_person_resolves_to_the_message_name_then_actor_id() -> None:
    named = extract("I love chess.", name="alex_1")
    assert triples(named) == [("alex_1", "LOVES", "chess")]
    by_actor = RuleExtractor().extract([Message(content="I love chess.", actor_id="u42")], ExtractionContext())
    assert triples(by_actor) == [("u42", "LOVES", "chess")]


def test_self_introduction_names_the_speaker_for_the_rest_of_the_episode() -> None:
    out = extract("Hi, I'm Alex. I love basketball.", "I work at Acme.")
    assert triples(out) == [("Alex", "LOVES", "basketball"), ("Alex", "WORKS_AT", "Acme")]
    assert facts(out) == ["The user's name is Alex", "Alex loves basketball", "Alex works at Acme"]
    assert out.speaker == "Alex"
    alex = next(e for e in out.entities if e.name == "Alex")
    assert (alex.type, alex.aliases) == ("Person", ["User"])
    assert [f.message_index for f in out.facts] == [0, 0, 1]


def test_self_introduction_later_in_the_message_also_names_earlier_sentences() -> None:
    out = extract("I love chess. My name is Alex Smith.")
    assert triples(out) == [("Alex Smith", "LOVES", "chess")]
    assert facts(out) == ["Alex Smith loves chess", "The user's name is Alex Smith"]


@pytest.mark.parametrize("intro", ["My name is Alex.", "I am Alex.", "Call me Alex.", "This is Alex.", "I'm Alex."])
def test_self_introduction_forms(intro: str) -> None:
    out = extract(f"{intro} I love chess.")
    assert triples(out) == [("Alex", "LOVES", "chess")]
    assert out.speaker == "Alex"


@pytest.mark.parametrize("sentence", ["I'm Italian.", "I am Alice's friend.", "I love Paris. This is Paris."])
def test_descriptions_are_not_introductions(sentence: str) -> None:
    assert extract(sentence).speaker is None


def test_a_named_speaker_introduction_stays_with_that_speaker() -> None:
    messages = [
        Message(role="user", name="bob_1", content="I'm Bob."),
        Message(role="user", content="I love chess."),
    ]
    out = RuleExtractor().extract(messages, ExtractionContext())
    assert facts(out) == ["bob_1's name is Bob", "User loves chess"]
    assert out.speaker is None  # not the scope's user: bob_1 named himself
    assert next(e for e in out.entities if e.name == "Bob").aliases == ["bob_1"]


def test_assistant_first_person_is_the_assistant_and_system_is_skipped() -> None:
    messages = [
        Message(role="system", content="I am a helpful assistant."),
        Message(role="user", content="I love jazz."),
        Message(role="assistant", content="I'm Max. I love helping people."),
        Message(role="assistant", content="I recommend the Blue Note."),
    ]
    out = RuleExtractor().extract(messages, ExtractionContext())
    assert triples(out) == [("User", "LOVES", "jazz"), ("Max", "LOVES", "helping people")]
    assert facts(out) == [
        "User loves jazz",
        "The assistant's name is Max",
        "Max loves helping people",
        "Max recommends the Blue Note",
    ]
    assert types(out)["Max"] == "Agent"
    assert out.speaker is None
    assert [f.message_index for f in out.facts] == [1, 2, 2, 3]


# ---- nothing said is lost --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "fact"),
    [
        ("The weather was strange today.", "The weather was strange today"),
        ("I went to the gym.", "User went to the gym"),
        ("We moved to Berlin.", "User said: We moved to Berlin"),
        ("You should try the risotto.", "User said: You should try the risotto"),
        ("Do you like basketball?", "User asked: Do you like basketball?"),
        ("Thank you so much!", "User said: Thank you so much"),
        ("He works at Acme.", "He works at Acme"),
    ],
)
def test_unknown_sentences_are_kept_as_facts(sentence: str, fact: str) -> None:
    out = extract(sentence)
    assert out.relations == []
    assert facts(out) == [fact]


def test_bare_punctuation_is_not_a_fact() -> None:
    assert facts(extract("I love chess; !", "... ( ) -")) == ["User loves chess"]


def test_greetings_and_acknowledgements_alone_are_dropped() -> None:
    assert extract("Hi!", "Thanks!", "ok", "Sounds good.") == Extraction()


def test_partly_understood_sentence_is_stored_whole() -> None:
    out = extract("I work at Acme because I like the people.")
    assert triples(out) == [("User", "WORKS_AT", "Acme")]
    assert facts(out) == ["User works at Acme because User likes the people"]


def test_unknown_sentences_list_the_names_they_mention() -> None:
    out = extract("Yesterday Sarah told us about the Louvre.")
    assert out.relations == []
    assert facts(out) == ["User said: Yesterday Sarah told us about the Louvre"]
    assert out.facts[0].entities == ["User", "Sarah", "Louvre"]
    assert types(out) == {"User": "Person", "Sarah": "Entity", "Louvre": "Entity"}


def test_a_sentence_understood_with_words_left_over_is_stored_whole() -> None:
    out = extract("Sarah and Tom visited the Louvre with us.")
    assert triples(out) == [("Sarah", "VISITED", "Louvre"), ("Tom", "VISITED", "Louvre")]
    assert facts(out) == ["User said: Sarah and Tom visited the Louvre with us"]


# ---- sentences and clauses -------------------------------------------------------------------------------------------


def test_sentence_splitting_respects_abbreviations() -> None:
    assert split_sentences("Dr. Smith works at Acme Inc. in Boston. I love it!\n- I live in Rome") == [
        "Dr. Smith works at Acme Inc. in Boston.",
        "I love it!",
        "I live in Rome",
    ]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Jane Doe works at Acme Corp. Acme Corp signed Contract 42.",
         ["Jane Doe works at Acme Corp.", "Acme Corp signed Contract 42."]),
        ("Bob works at Globex Inc. He lives in Paris.", ["Bob works at Globex Inc.", "He lives in Paris."]),
        ("I joined Initech Ltd. Then I moved to Rome.", ["I joined Initech Ltd.", "Then I moved to Rome."]),
        ("We hired Smith & Sons Co. They start Monday.", ["We hired Smith & Sons Co.", "They start Monday."]),
        ("I met Sammy Davis Jr. He sang.", ["I met Sammy Davis Jr.", "He sang."]),
        ("I like apples, pears, etc. Bob likes plums.", ["I like apples, pears, etc.", "Bob likes plums."]),
        # mid-sentence, before a lower-case word, a company abbreviation ends nothing
        ("Acme Corp. in Berlin hired Bob. He is happy.", ["Acme Corp. in Berlin hired Bob.", "He is happy."]),
        ("Globex Inc. is based in Berlin.", ["Globex Inc. is based in Berlin."]),
        # abbreviations that lead into more words never end a sentence, whatever follows
        ("Dr. Smith met Mr. Jones in the U.S. Army. It rained.",
         ["Dr. Smith met Mr. Jones in the U.S. Army.", "It rained."]),
        ("She lives on St. James Street.", ["She lives on St. James Street."]),
    ],
)  # fmt: skip
def test_a_company_abbreviation_ends_a_sentence_before_a_capitalized_word(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe works at Acme Corp. Acme Corp signed Contract 42.",
         [("Jane Doe", "WORKS_AT", "Acme Corp"), ("Acme Corp", "SIGNED", "Contract 42")]),
        ("Bob works at Globex Inc. Globex Inc. is based in Berlin.",
         [("Bob", "WORKS_AT", "Globex Inc"), ("Globex Inc", "LOCATED_IN", "Berlin")]),
        ("Carol works at Initech Ltd. Initech Ltd signed the lease.",
         [("Carol", "WORKS_AT", "Initech Ltd"), ("Initech Ltd", "SIGNED", "lease")]),
    ],
)  # fmt: skip
def test_a_company_named_with_and_without_its_period_is_one_entity(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    out = extract(text)
    assert triples(out) == expected
    company = expected[0][2]
    assert [e.name for e in out.entities if e.name.startswith(company.split()[0])] == [company]
    assert types(out)[company] == "Organization"


def test_clause_splitting_keeps_compound_subjects() -> None:
    assert split_clauses("I love chess and I work at Acme") == ["I love chess", "I work at Acme"]
    assert split_clauses("My wife and I moved to Berlin") == ["My wife and I moved to Berlin"]
    assert split_clauses("Jane is the CEO of Acme and Bob is the CTO") == ["Jane is the CEO of Acme", "Bob is the CTO"]
    assert split_clauses("I'm Bob's friend, I know Alex") == ["I'm Bob's friend", "I know Alex"]
    assert split_clauses("If I worked at Acme, I'd be rich") == ["If I worked at Acme, I'd be rich"]


def test_two_clauses_two_subjects() -> None:
    out = extract("Bob works at Globex and Alice works at Acme.")
    assert triples(out) == [("Bob", "WORKS_AT", "Globex"), ("Alice", "WORKS_AT", "Acme")]
    assert facts(out) == ["Bob works at Globex", "Alice works at Acme"]


# ---- dates -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "when"),
    [
        ("I met Bob on 2024-03-01.", datetime(2024, 3, 1, tzinfo=UTC)),
        ("I met Bob on March 1, 2024.", datetime(2024, 3, 1, tzinfo=UTC)),
        ("I met Bob on 1st March 2024.", datetime(2024, 3, 1, tzinfo=UTC)),
        ("I met Bob in March 2024.", datetime(2024, 3, 1, tzinfo=UTC)),
        ("I met Bob in 2023.", datetime(2023, 1, 1, tzinfo=UTC)),
        ("In 2023, I met Bob.", datetime(2023, 1, 1, tzinfo=UTC)),
        ("I met Bob at 2024-03-01T10:30:00+02:00.", datetime(2024, 3, 1, 8, 30, tzinfo=UTC)),
        ("Yesterday I met Bob.", datetime(2025, 6, 14, tzinfo=UTC)),
        ("I met Bob last year.", datetime(2024, 1, 1, tzinfo=UTC)),
        ("I met Bob 3 days ago.", datetime(2025, 6, 12, tzinfo=UTC)),
        ("I met Bob.", None),
        ("I met Bob on 2024-02-31.", None),
        ("I met Bob 5000 years ago.", None),
    ],
)
def test_stated_dates_become_valid_at_in_utc(sentence: str, when: datetime | None) -> None:
    out = extract(sentence)
    assert triples(out) == [("User", "MET", "Bob")]
    valid_at = out.relations[0].valid_at
    assert valid_at == when
    if valid_at is not None:
        assert valid_at.utcoffset() == timedelta(0)


def test_relative_dates_need_a_reference_time() -> None:
    assert extract("Yesterday I met Bob.", ref=None).relations[0].valid_at is None


def test_naive_reference_time_is_taken_as_utc() -> None:
    out = extract("I moved to Oslo.", ref=datetime(2025, 1, 2, 3, 4))
    assert out.relations[0].valid_at == datetime(2025, 1, 2, 3, 4, tzinfo=UTC)


def test_date_phrase_is_kept_in_the_fact() -> None:
    assert facts(extract("In 2023, I moved to Lisbon.")) == ["User moved to Lisbon in 2023"]


# ---- shape guarantees ------------------------------------------------------------------------------------------------

CONVERSATION = [
    Message(role="user", content="Hey! My name is Alex. I work at Acme and I live in Paris, France."),
    Message(role="assistant", content="Nice to meet you, Alex! Paris is lovely."),
    Message(role="user", content="I moved to Berlin last month. My sister Anna is a doctor at Charité."),
    Message(role="user", content="Alice met Bob at GraphConf 2025 in San Francisco. I love chess, hiking and jazz."),
    Message(role="user", content="The contract between Acme Corp and Globex was signed by Jane Doe on 2024-03-01."),
    Message(role="user", content="I don't like mushrooms. Do you know a good gym? My favourite food is sushi."),
]


def test_output_is_deterministic_and_in_sentence_order() -> None:
    context = ExtractionContext(reference_time=REF)
    first = RuleExtractor().extract(CONVERSATION, context)
    second = RuleExtractor().extract(list(CONVERSATION), context)
    assert first.model_dump() == second.model_dump()
    assert [f.message_index for f in first.facts] == sorted(f.message_index or 0 for f in first.facts)
    assert facts(first)[:4] == [
        "The user's name is Alex",
        "Alex works at Acme",
        "Alex lives in Paris, France",
        "Assistant said: Nice to meet you, Alex",
    ]


def test_types_are_valid_and_every_fact_entity_exists() -> None:
    out = RuleExtractor().extract(CONVERSATION, ExtractionContext(reference_time=REF))
    names = {e.name for e in out.entities}
    assert len(names) == len(out.entities)  # deduplicated
    for r in out.relations:
        assert normalize_relation_type(r.type) == r.type
        assert {r.source, r.target} <= names
        assert r.valid_at is None or r.valid_at.tzinfo is not None
    for e in out.entities:
        assert normalize_entity_type(e.type) == e.type
    for f in out.facts:
        assert set(f.entities) <= names
        assert " I " not in f" {f.text} " or f.text.startswith(("Alex said:", "Alex asked:"))


def test_a_longer_name_hides_the_shorter_one_inside_it() -> None:
    out = extract("I work at Acme. Acme Corp is based in Berlin.")
    assert [f.entities for f in out.facts] == [["User", "Acme"], ["Acme Corp", "Berlin"]]


def test_entities_are_deduplicated_by_name() -> None:
    out = extract("I love chess. Bob loves Chess. Carol likes CHESS.")
    assert [e.name for e in out.entities if e.name.lower() == "chess"] == ["chess"]
    assert triples(out) == [("User", "LOVES", "chess"), ("Bob", "LOVES", "chess"), ("Carol", "LIKES", "chess")]


@pytest.mark.parametrize("lead", ["Later", "Then", "Recently,", "Now", "Eventually"])
def test_a_leading_discourse_adverb_does_not_become_part_of_the_subject(lead: str) -> None:
    extraction = extract(f"{lead} I moved to Berlin.")
    assert triples(extraction) == [("User", "LIVES_IN", "Berlin")]
    assert facts(extraction) == ["User moved to Berlin"]
