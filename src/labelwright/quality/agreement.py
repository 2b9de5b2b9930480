"""Agreement between annotators on objects: per pair, per item, per class, per project.

Two annotations are compared by matching their objects per class (see `matching`).
From the matches come precision, recall and F1 at several IoU thresholds, the mean
IoU of the matches, and one agreement score per pair, `2 * sum(IoU) / (n_a + n_b)`:
the mean IoU times F1 (the "panoptic quality" of one annotation against the other),
1 when both are empty. An item's agreement is the mean over all pairs of annotators.
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from labelwright.domain.shapes import Annotation
from labelwright.quality.assignment import assign, check_threshold
from labelwright.quality.matching import Matching, class_mask, match_objects
from labelwright.quality.similarity import SimilarityOptions, similarity_matrix

COCO_THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
"""IoU thresholds 0.50, 0.55, ... 0.95, as in COCO's AP@[.5:.95]."""

DEFAULT_REVIEW_THRESHOLD = 0.7
"""Items whose agreement score falls below this go to review."""


def _ratio(numerator: float, denominator: float, empty: float) -> float:
    """numerator / denominator, or `empty` when the denominator is 0."""
    return numerator / denominator if denominator else empty


@dataclass(frozen=True)
class AgreementCounts:
    """Tallies of comparing annotation pairs; they add up across pairs, items and classes."""

    thresholds: tuple[float, ...] = COCO_THRESHOLDS
    pairs: int = 0
    objects_a: int = 0
    objects_b: int = 0
    matches: tuple[int, ...] = ()
    """Matches at each of `thresholds`."""
    matched: int = 0
    """Matches at the match threshold."""
    similarity_sum: float = 0.0
    """Sum of the IoU (or OKS, ...) of the matches at the match threshold."""
    class_disagreements: int = 0
    """Class-agnostic matches whose classes differ."""

    def __post_init__(self) -> None:
        if not self.matches:
            object.__setattr__(self, "matches", (0,) * len(self.thresholds))

    def __add__(self, other: "AgreementCounts") -> "AgreementCounts":
        if self.thresholds != other.thresholds:
            raise ValueError("cannot add counts taken at different thresholds")
        return AgreementCounts(
            thresholds=self.thresholds,
            pairs=self.pairs + other.pairs,
            objects_a=self.objects_a + other.objects_a,
            objects_b=self.objects_b + other.objects_b,
            matches=tuple(x + y for x, y in zip(self.matches, other.matches, strict=True)),
            matched=self.matched + other.matched,
            similarity_sum=self.similarity_sum + other.similarity_sum,
            class_disagreements=self.class_disagreements + other.class_disagreements,
        )

    def _at(self, threshold: float) -> int:
        """Matches at one of the thresholds."""
        try:
            return self.matches[self.thresholds.index(threshold)]
        except ValueError:
            message = f"no counts at threshold {threshold}; have {self.thresholds}"
            raise ValueError(message) from None

    def precision(self, threshold: float = 0.5) -> float:
        """Share of the second annotator's objects matched (the first taken as reference)."""
        return _ratio(self._at(threshold), self.objects_b, 1.0)

    def recall(self, threshold: float = 0.5) -> float:
        """Share of the first annotator's objects matched."""
        return _ratio(self._at(threshold), self.objects_a, 1.0)

    def f1(self, threshold: float = 0.5) -> float:
        """F1 at a threshold: 2 * matches / (n_a + n_b); symmetric in the two annotators."""
        return _ratio(2 * self._at(threshold), self.objects_a + self.objects_b, 1.0)

    @property
    def f1_range(self) -> float:
        """F1 averaged over all thresholds (F1@[.5:.95] with the default thresholds)."""
        return float(np.mean([self.f1(t) for t in self.thresholds]))

    @property
    def mean_iou(self) -> float:
        """Mean similarity of the matched pairs (0 when nothing matched)."""
        return _ratio(self.similarity_sum, self.matched, 0.0)

    @property
    def score(self) -> float:
        """Mean IoU times F1 = 2 * sum(IoU) / (n_a + n_b); 1 when there is nothing to match."""
        return _ratio(2 * self.similarity_sum, self.objects_a + self.objects_b, 1.0)


@dataclass(frozen=True)
class PairAgreement:
    """Two annotations compared: totals, per class tallies, and the matching itself."""

    counts: AgreementCounts
    per_class: dict[str, AgreementCounts]
    matching: Matching


@dataclass(frozen=True)
class ItemAgreement:
    """N annotations of one item compared pair by pair."""

    score: float
    """Mean of the pairs' agreement scores."""
    counts: AgreementCounts
    per_class: dict[str, AgreementCounts]
    pairs: dict[tuple[int, int], PairAgreement]


@dataclass
class ProjectAgreement:
    """Agreement over many items: summed tallies and the mean item score."""

    thresholds: tuple[float, ...] = COCO_THRESHOLDS
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    items: int = 0
    items_below: int = 0
    """Items whose score is below `review_threshold`."""
    score_sum: float = 0.0
    counts: AgreementCounts = field(default_factory=AgreementCounts)
    per_class: dict[str, AgreementCounts] = field(default_factory=dict)

    @property
    def mean_score(self) -> float:
        """Mean of the items' agreement scores (1 with no items)."""
        return _ratio(self.score_sum, self.items, 1.0)

    def add(self, item: ItemAgreement) -> None:
        """Fold one item's agreement into the totals."""
        self.items += 1
        self.items_below += item.score < self.review_threshold
        self.score_sum += item.score
        self.counts = self.counts + item.counts
        _merge_classes(self.per_class, item.per_class, self.thresholds)


def _merge_classes(
    into: dict[str, AgreementCounts], more: dict[str, AgreementCounts], thresholds
) -> None:
    """Add per-class tallies into a running dict."""
    for class_id, counts in more.items():
        into[class_id] = into.get(class_id, AgreementCounts(thresholds)) + counts


def _tally(similarity, threshold, thresholds, rows, cols, disagreements) -> AgreementCounts:
    """Counts for one class-restricted similarity matrix (rows of a, columns of b)."""
    pairs = assign(similarity, threshold) if similarity.size else []
    return AgreementCounts(
        thresholds=thresholds,
        pairs=1,
        objects_a=rows,
        objects_b=cols,
        matches=tuple(len(assign(similarity, t)) if similarity.size else 0 for t in thresholds),
        matched=len(pairs),
        similarity_sum=float(sum(similarity[i, j] for i, j in pairs)),
        class_disagreements=disagreements,
    )


def pair_agreement(
    a: Annotation,
    b: Annotation,
    *,
    threshold: float = 0.5,
    thresholds: tuple[float, ...] = COCO_THRESHOLDS,
    options: SimilarityOptions | None = None,
) -> PairAgreement:
    """Compare two annotations of one item, `a` taken as the reference for precision."""
    for t in (threshold, *thresholds):
        check_threshold(t)
    sim = similarity_matrix(a.objects, b.objects, options)
    same = class_mask(a.objects, b.objects) if a.objects and b.objects else sim.astype(bool)
    agnostic = match_objects(
        a.objects, b.objects, threshold=threshold, similarity=sim, class_agnostic=True
    )
    classes_a = np.array([o.class_id for o in a.objects], dtype=object)
    classes_b = np.array([o.class_id for o in b.objects], dtype=object)
    per_class = {}
    for class_id in sorted(set(classes_a) | set(classes_b)):
        rows, cols = np.flatnonzero(classes_a == class_id), np.flatnonzero(classes_b == class_id)
        disagreements = sum(
            1 for m in agnostic.class_disagreements if a.objects[m.a].class_id == class_id
        )
        per_class[class_id] = _tally(
            sim[np.ix_(rows, cols)], threshold, thresholds, len(rows), len(cols), disagreements
        )
    total = sum(per_class.values(), AgreementCounts(thresholds))
    total = replace(total, pairs=1)
    matching = match_objects(a.objects, b.objects, threshold=threshold, similarity=sim * same)
    return PairAgreement(counts=total, per_class=per_class, matching=matching)


def item_agreement(
    annotations: Sequence[Annotation],
    *,
    threshold: float = 0.5,
    thresholds: tuple[float, ...] = COCO_THRESHOLDS,
    options: SimilarityOptions | None = None,
) -> ItemAgreement:
    """Mean pairwise agreement of two or more annotations of one item."""
    if len(annotations) < 2:
        raise ValueError(f"agreement needs at least two annotations, got {len(annotations)}")
    pairs = {
        (i, j): pair_agreement(
            annotations[i],
            annotations[j],
            threshold=threshold,
            thresholds=thresholds,
            options=options,
        )
        for i, j in itertools.combinations(range(len(annotations)), 2)
    }
    counts = sum((p.counts for p in pairs.values()), AgreementCounts(thresholds))
    per_class: dict[str, AgreementCounts] = {}
    for pair in pairs.values():
        _merge_classes(per_class, pair.per_class, thresholds)
    score = float(np.mean([p.counts.score for p in pairs.values()]))
    return ItemAgreement(score=score, counts=counts, per_class=per_class, pairs=pairs)


def project_agreement(
    items: Iterable[Sequence[Annotation]],
    *,
    threshold: float = 0.5,
    thresholds: tuple[float, ...] = COCO_THRESHOLDS,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
    options: SimilarityOptions | None = None,
) -> ProjectAgreement:
    """Agreement over many items, each given as its list of annotations (two or more)."""
    total = ProjectAgreement(thresholds=thresholds, review_threshold=review_threshold)
    for annotations in items:
        total.add(
            item_agreement(annotations, threshold=threshold, thresholds=thresholds, options=options)
        )
    return total
