"""Pairing the objects two annotators drew on one image (Hungarian on similarity)."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labelwright.domain.shapes import AnnotationObject
from labelwright.quality.assignment import assign, check_threshold
from labelwright.quality.similarity import SimilarityOptions, similarity_matrix


@dataclass(frozen=True)
class Match:
    """One object of `a` paired with one object of `b`."""

    a: int
    """Index of the object in the first list."""
    b: int
    """Index of the object in the second list."""
    similarity: float
    same_class: bool


@dataclass(frozen=True)
class Matching:
    """The pairs found between two lists of objects, and what was left over."""

    matches: list[Match]
    unmatched_a: list[int]
    unmatched_b: list[int]

    @property
    def class_disagreements(self) -> list[Match]:
        """Pairs whose two objects have different classes (class-agnostic matching only)."""
        return [m for m in self.matches if not m.same_class]


def class_mask(a: Sequence[AnnotationObject], b: Sequence[AnnotationObject]) -> np.ndarray:
    """Boolean (n, m): whether object i of `a` and object j of `b` share a class."""
    return np.equal.outer(
        np.array([o.class_id for o in a], dtype=object),
        np.array([o.class_id for o in b], dtype=object),
    ).astype(bool)


def match_objects(
    a: Sequence[AnnotationObject],
    b: Sequence[AnnotationObject],
    *,
    threshold: float = 0.5,
    class_agnostic: bool = False,
    options: SimilarityOptions | None = None,
    similarity: np.ndarray | None = None,
) -> Matching:
    """Pair objects one to one, maximising total similarity over pairs >= `threshold`.

    By default only objects of one class pair up; `class_agnostic` pairs across classes
    and reports the pairs whose classes differ. A precomputed `similarity` matrix (n, m)
    may be passed to save recomputing it.
    """
    check_threshold(threshold)
    if similarity is None:
        similarity = similarity_matrix(a, b, options)
    same = class_mask(a, b) if a and b else np.zeros((len(a), len(b)), dtype=bool)
    scores = similarity if class_agnostic else np.where(same, similarity, 0.0)
    pairs = assign(scores, threshold)
    matches = [Match(i, j, float(scores[i, j]), bool(same[i, j])) for i, j in pairs]
    taken_a = {m.a for m in matches}
    taken_b = {m.b for m in matches}
    return Matching(
        matches=matches,
        unmatched_a=[i for i in range(len(a)) if i not in taken_a],
        unmatched_b=[j for j in range(len(b)) if j not in taken_b],
    )
