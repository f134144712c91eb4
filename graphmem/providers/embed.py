"""The embedder seam: anything that turns texts into unit-length float32 vectors of a fixed dimension."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Embeds texts in batches. Vectors are L2-normalized so a dot product is the cosine similarity."""

    dim: int
    name: str

    def embed(self, texts: list[str]) -> Vectors:
        """Return an array of shape (len(texts), dim); an empty list gives shape (0, dim)."""
        ...
