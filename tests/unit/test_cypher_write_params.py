"""``plan_write``'s parameters (stores/cypher/write_params.py): each distinct vector sent once, as one matrix."""

from __future__ import annotations

import numpy as np

from graphmem.models import EntityRecord, RelationRecord, Scope, utcnow
from graphmem.stores.base import WritePlan
from graphmem.stores.cypher.write_params import plan_params


def test_vectors_travel_once_each_as_one_matrix_whose_repr_stays_small() -> None:
    """Relations sharing their type phrase's vector object send it once; rows point at theirs by position. The
    matrix matters beyond packing: the driver formats every RUN's parameters for a debug line even with logging
    off, and 1,000 vectors as lists of floats made a ~7 MB string (0.84 s for a 5,000-triple load's)."""
    rng = np.random.default_rng(5)
    scope, now = Scope(user_id="kb"), utcnow()
    entities = []
    for i in range(1000):
        entity = EntityRecord(id=f"e{i}", name=f"Movie {i}", normalized=f"movie {i}", scope=scope, created_at=now)
        entity.embedding = rng.standard_normal(384).astype(np.float32).tolist()
        entities.append(entity)
    phrases = [rng.standard_normal(384).astype(np.float32).tolist() for _ in range(2)]
    relations = []
    for i in range(999):
        relation = RelationRecord(
            id=f"r{i}",
            source_id=f"e{i}",
            target_id=f"e{i + 1}",
            source=f"Movie {i}",
            target=f"Movie {i + 1}",
            type="SEQUEL_OF",
            fact="x",
            scope=scope,
            created_at=now,
        )
        relation.embedding = phrases[i % 2]  # shared, as the pipeline assigns a type phrase's vector
        relations.append(relation)
    params = plan_params(WritePlan(episode_id="ep", entities=entities, relations=relations))
    vectors = params["vectors"]
    assert isinstance(vectors, np.ndarray) and vectors.dtype == np.float32 and vectors.shape == (1002, 384)
    records: list[EntityRecord | RelationRecord] = [*entities, *relations]
    for row, record in zip([*params["entities"], *params["relations"]], records, strict=True):
        assert vectors[row["v"]].tolist() == np.asarray(record.embedding, dtype=np.float32).tolist()
    assert {row["v"] for row in params["relations"]} == {1000, 1001}
    assert len(repr(params["vectors"])) < 2_000
    assert plan_params(WritePlan(episode_id="ep"))["vectors"] == []
