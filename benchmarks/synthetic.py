"""Seeded synthetic workload for the speed benchmark: power-law users, a preferential-attachment entity graph with
typed relations, memory texts of 8-40 words that mention the user's entities, and queries.

Everything is derived from one seed, so two runs with the same ``--seed`` and size produce the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


def _words(text: str) -> list[str]:
    return text.split()


VOCAB = _words(
    "about after again always answer april arrive asked august autumn away back bank before begin best better bike "
    "birthday blue board book booked borrow bought box bread break bring brother budget build bus buy cake call "
    "called camera car careful cat change cheap check child city class clean client close coffee cold color come "
    "company cook cooking cost could country course cousin cup customer daily dance daughter day deadline december "
    "design dinner doctor dog door dream drink drive early easy eat email evening every exam family far fast father "
    "favorite february feel film final find finish fish flight floor food football forget friday friend garden gift "
    "glad good green guitar gym hair happy hard health heavy help hike holiday home hope hospital hotel hour house "
    "idea invoice island january job journey july june kitchen knee lake language laptop late launch learn lesson "
    "letter library light like list little long lost love lunch march market may meeting menu message minute monday "
    "money month morning mother mountain move movie music need never new news next night noon note november novel "
    "october office often old open order paint paper parents park party pasta pay phone photo piano plan plant "
    "play pool present price project promise quick quiet rain read ready recipe remember rent report rest review "
    "ride river road room run running salad saturday school sea season send september share ship shoes shop short "
    "sick sing sister sleep slow small snow soccer soon soup speak spring start station stay story street study "
    "summer sunday supper swim table talk tea teacher team tennis test thursday ticket tired today train travel "
    "trip tuesday vacation visit wait walk want warm watch water weather wedding wednesday week weekend wine winter "
    "work write year yoga yesterday young"
)
FIRST = _words(
    "Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Karl Laura Mallory Nina Oscar Peggy Quentin Rita Sybil "
    "Trent Uma Victor Wendy Xavier Yara Zoe Liam Noah Emma Olivia Ava Mia Lucas Ethan Amir Priya Chen Sofia Mateo "
    "Hana Kenji Fatima Omar Leila Tomas Ingrid Pavel Aisha Diego Mei"
)
LAST = _words(
    "Smith Jones Brown Taylor Wilson Davies Evans Thomas Johnson Roberts Walker Wright Thompson White Hughes Edwards "
    "Green Hall Wood Harris Martin Lewis Clarke Jackson Turner Hill Scott Cooper Morris Ward Moore King Watson Baker "
    "Patel Nguyen Kim Garcia Muller Rossi Novak Silva Sato Okafor Larsen Kowalski Dubois Haddad Ivanova Fischer"
)
ORG_A = _words(
    "Acme Globex Initech Umbrella Stark Wayne Hooli Vandelay Soylent Cyberdyne Tyrell Aperture Wonka Nakatomi"
)
ORG_B = _words("Corp Labs Systems Bank Foods Media Robotics Partners Health Studios Logistics Energy Analytics")
PLACES = _words(
    "Berlin Paris London Madrid Lisbon Rome Vienna Prague Warsaw Oslo Dublin Boston Chicago Seattle Austin Denver "
    "Toronto Montreal Tokyo Osaka Seoul Sydney Melbourne Auckland Lagos Nairobi Cairo Mumbai Delhi Singapore Lima "
    "Bogota Quito Santiago Havana Athens Zurich Geneva Munich Hamburg"
)
PROJECTS_A = _words("Apollo Zephyr Orion Atlas Nova Falcon Phoenix Hermes Titan Aurora Comet Nimbus Vega Lyra Draco")
PROJECTS_B = _words("Migration Launch Redesign Audit Rollout Pilot Platform Dashboard Pipeline Upgrade")

# (source type, relation, target type): the typed relations the graph draws from.
RELATIONS: list[tuple[str, str, str]] = [
    ("Person", "KNOWS", "Person"),
    ("Person", "WORKS_WITH", "Person"),
    ("Person", "REPORTS_TO", "Person"),
    ("Person", "MARRIED_TO", "Person"),
    ("Person", "WORKS_AT", "Organization"),
    ("Person", "LIVES_IN", "Place"),
    ("Person", "VISITED", "Place"),
    ("Person", "MANAGES", "Project"),
    ("Person", "WORKS_ON", "Project"),
    ("Organization", "LOCATED_IN", "Place"),
    ("Organization", "PARTNERS_WITH", "Organization"),
    ("Organization", "OWNS", "Project"),
    ("Project", "DEPENDS_ON", "Project"),
    ("Project", "BASED_IN", "Place"),
]
TYPE_WEIGHTS = {"Person": 0.45, "Organization": 0.2, "Place": 0.2, "Project": 0.15}


@dataclass
class UserData:
    user_id: str
    entities: list[tuple[str, str]] = field(default_factory=list)  # (name, type)
    triples: list[tuple[str, str, str]] = field(default_factory=list)
    memories: list[tuple[str, list[str]]] = field(default_factory=list)  # (text, entity names mentioned)
    degree: list[int] = field(default_factory=list)
    endpoints: list[int] = field(default_factory=list)


@dataclass
class Dataset:
    users: list[UserData]
    seed: int

    @property
    def n_memories(self) -> int:
        return sum(len(u.memories) for u in self.users)

    @property
    def n_triples(self) -> int:
        return sum(len(u.triples) for u in self.users)

    @property
    def n_entities(self) -> int:
        return sum(len(u.entities) for u in self.users)


def _power_law_sizes(rng: random.Random, total: int, n_users: int, exponent: float) -> list[int]:
    """Split ``total`` over users with Zipf weights 1/rank^exponent (every user gets at least one)."""
    weights = [1.0 / (rank**exponent) for rank in range(1, n_users + 1)]
    rng.shuffle(weights)
    scale = (total - n_users) / sum(weights)
    sizes = [1 + int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):  # hand out the rounding remainder
        sizes[i % n_users] += 1
    return sizes


def _entity_name(rng: random.Random, kind: str) -> str:
    if kind == "Person":
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if kind == "Organization":
        return f"{rng.choice(ORG_A)} {rng.choice(ORG_B)}"
    if kind == "Place":
        return rng.choice(PLACES)
    return f"Project {rng.choice(PROJECTS_A)} {rng.choice(PROJECTS_B)}"


def _pick_weighted(rng: random.Random, user: UserData) -> int:
    """Preferential attachment: an entity index with probability proportional to degree + 1 (a uniform pick from
    the endpoint list, which holds every entity once plus once per edge end)."""
    return rng.choice(user.endpoints)


def _build_graph(rng: random.Random, user: UserData, n_entities: int, n_triples: int) -> None:
    names: dict[str, str] = {}
    kinds, kind_w = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    attempts = 0
    while len(names) < n_entities and attempts < n_entities * 20:
        attempts += 1
        kind = rng.choices(kinds, kind_w, k=1)[0]
        name = _entity_name(rng, kind)
        names.setdefault(name, kind)
    user.entities = list(names.items())
    user.degree = [0] * len(user.entities)
    user.endpoints = list(range(len(user.entities)))
    by_type: dict[str, list[int]] = {}
    for i, (_, kind) in enumerate(user.entities):
        by_type.setdefault(kind, []).append(i)
    seen: set[tuple[int, str, int]] = set()
    for _ in range(n_triples * 4):
        if len(user.triples) >= n_triples:
            break
        s = _pick_weighted(rng, user)
        s_type = user.entities[s][1]
        options = [r for r in RELATIONS if r[0] == s_type and by_type.get(r[2])]
        if not options:
            continue
        _, rel, t_type = rng.choice(options)
        t = next((c for c in (_pick_weighted(rng, user) for _ in range(20)) if user.entities[c][1] == t_type), -1)
        if t < 0:
            t = rng.choice(by_type[t_type])
        if t == s or (s, rel, t) in seen:
            continue
        seen.add((s, rel, t))
        user.degree[s] += 1
        user.degree[t] += 1
        user.endpoints += [s, t]
        user.triples.append((user.entities[s][0], rel, user.entities[t][0]))


def _memory_text(rng: random.Random, user: UserData) -> tuple[str, list[str]]:
    n_words = rng.randint(8, 40)
    mentioned: list[str] = []
    if user.entities:
        for _ in range(rng.choices([0, 1, 2, 3], [0.1, 0.45, 0.3, 0.15], k=1)[0]):
            mentioned.append(user.entities[_pick_weighted(rng, user)][0])
    mentioned = list(dict.fromkeys(mentioned))
    words = [rng.choice(VOCAB) for _ in range(max(1, n_words - 2 * len(mentioned)))]
    for name in mentioned:
        words.insert(rng.randint(0, len(words)), name)
    text = " ".join(words)
    return text[0].upper() + text[1:] + ".", mentioned


def generate(
    n_memories: int,
    *,
    n_users: int = 1000,
    seed: int = 7,
    exponent: float = 1.0,
    triples_per_memory: float = 0.3,
) -> Dataset:
    """Users with Zipf-sized histories; each gets entities (~0.6 per triple) and triples in proportion."""
    rng = random.Random(seed)
    n_users = min(n_users, n_memories)
    sizes = _power_law_sizes(rng, n_memories, n_users, exponent)
    users: list[UserData] = []
    for i, size in enumerate(sizes):
        user = UserData(user_id=f"user{i:05d}")
        n_triples = max(2, round(size * triples_per_memory))
        _build_graph(rng, user, max(3, round(n_triples * 0.6)), n_triples)
        seen: set[str] = set()
        while len(user.memories) < size:
            text, mentioned = _memory_text(rng, user)
            if text not in seen:
                seen.add(text)
                user.memories.append((text, mentioned))
        users.append(user)
    return Dataset(users=users, seed=seed)


def rule_sentences(rng: random.Random, user: UserData, n: int) -> list[str]:
    """Sentences the offline rule extractor understands (works at, lives in, met X at Y, likes ...)."""
    people = [name for name, kind in user.entities if kind == "Person"] or [f"{rng.choice(FIRST)} {rng.choice(LAST)}"]
    orgs = [name for name, kind in user.entities if kind == "Organization"] or ["Acme Corp"]
    places = [name for name, kind in user.entities if kind == "Place"] or ["Berlin"]
    out = []
    for _ in range(n):
        p, q, o, c = rng.choice(people), rng.choice(people), rng.choice(orgs), rng.choice(places)
        out.append(
            rng.choice(
                [
                    f"{p} works at {o}.",
                    f"{p} lives in {c}.",
                    f"{p} met {q} at {o} in {c}.",
                    f"I love {rng.choice(VOCAB)} and {rng.choice(VOCAB)}.",
                    f"{p} moved to {c} last {rng.choice(['week', 'month', 'year'])}.",
                    f"{p} reports to {q}.",
                    f"My favorite food is {rng.choice(['pasta', 'soup', 'salad', 'bread', 'cake'])}.",
                ]
            )
        )
    return out


def queries(rng: random.Random, ds: Dataset, n: int) -> list[tuple[str, str]]:
    """(user_id, query): users drawn in proportion to their history (active users search more); about half the
    queries name one of the user's entities, so the graph lane has seeds."""
    weights = [len(u.memories) for u in ds.users]
    out = []
    for user in rng.choices(ds.users, weights=weights, k=n):
        words = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(2, 6)))
        if user.entities and rng.random() < 0.5:
            name = user.entities[_pick_weighted(rng, user)][0]
            text = rng.choice([f"What do I know about {name} and {words}?", f"{name} {words}", f"Where is {name}?"])
        else:
            text = f"What did I say about {words}?"
        out.append((user.user_id, text))
    return out
