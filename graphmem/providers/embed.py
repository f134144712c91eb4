"""The embedder seam: anything that turns texts into unit-length float32 vectors of a fixed dimension."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from graphmem.errors import ValidationError

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Embeds texts in batches. Vectors are L2-normalized so a dot product is the cosine similarity."""

    dim: int
    name: str

    def embed(self, texts: list[str]) -> Vectors:
        """Return an array of shape (len(texts), dim); an empty list gives shape (0, dim).

        graphmem's own embedders also take a bare ``str`` as ONE text and return a (1, dim) array (see
        :func:`as_texts`), so ``embed("hello world")`` is never a vector per character.
        """
        ...


def as_texts(texts: str | Sequence[str]) -> list[str]:
    """The texts of one ``embed`` call, checked: the one place every graphmem embedder reads its argument.

    A bare string is one text, so the result keeps the batch shape (a 1-row matrix): iterating a string would embed
    each character, and returning a 1-d vector would make the shape depend on the argument's type. Anything other
    than a string or a sequence of strings is a ``ValidationError`` naming ``texts`` (or the offending ``texts[i]``).
    """
    if isinstance(texts, str):
        return [texts]
    if isinstance(texts, bytes | bytearray) or not isinstance(texts, Sequence):
        raise ValidationError("texts", f"expected a list of strings or one string, got {type(texts).__name__}")
    out = list(texts)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise ValidationError(f"texts[{i}]", f"must be a str, got {type(text).__name__}")
    return out
