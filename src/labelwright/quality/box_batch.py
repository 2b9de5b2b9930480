"""Agreement and consensus of box-only annotations over many items at once, in numpy.

The same measures as `agreement` and `consensus` (per-class Hungarian matching, mean
pairwise score, clusters joined by mean IoU to their members, weighted box fusion,
quorum), computed on padded arrays a chunk of items at a time, so that a project of
100,000 images is scored in seconds. `box_sets` packs domain annotations into arrays.
"""

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from labelwright.domain.shapes import Annotation, BBox
from labelwright.quality.agreement import (
    COCO_THRESHOLDS,
    DEFAULT_REVIEW_THRESHOLD,
    AgreementCounts,
)
from labelwright.quality.assignment import assign_batch, check_threshold, tangled_items
from labelwright.quality.box_clusters import merge_chunk
from labelwright.quality.boxes import batch_iou
from labelwright.quality.consensus import default_quorum

CHUNK_ITEMS = 4096
"""Items processed together: bounds the memory of the (items, n, m) IoU arrays."""


@dataclass(frozen=True)
class BoxSets:
    """Boxes of many items, each drawn by the same number of annotators, padded to `slots`."""

    boxes: np.ndarray
    """(items, annotators, slots, 4) corners `[x0, y0, x1, y1]`."""
    classes: np.ndarray
    """(items, annotators, slots) index into `class_ids`; -1 marks an empty slot."""
    class_ids: tuple[str, ...]
    weights: np.ndarray | None = None
    """(items, annotators, slots) fusion weights (scores); None weighs every box 1."""

    def __post_init__(self) -> None:
        if self.boxes.ndim != 4 or self.boxes.shape[3] != 4:
            raise ValueError(f"boxes must be (items, annotators, slots, 4), got {self.boxes.shape}")
        if self.classes.shape != self.boxes.shape[:3]:
            raise ValueError(f"classes {self.classes.shape} do not fit boxes {self.boxes.shape}")
        if self.weights is not None and self.weights.shape != self.classes.shape:
            raise ValueError(f"weights {self.weights.shape} do not fit boxes {self.boxes.shape}")
        if self.classes.size and not -1 <= self.classes.min() <= self.classes.max() < len(
            self.class_ids
        ):
            raise ValueError(f"class indices must be -1 or below {len(self.class_ids)}")
        if not np.isfinite(self.boxes).all():
            raise ValueError("boxes hold a coordinate that is not a finite number")

    @property
    def annotators(self) -> int:
        """Annotations per item."""
        return self.boxes.shape[1]


def box_sets(items: Sequence[Sequence[Annotation]], class_ids: Sequence[str] = ()) -> BoxSets:
    """Pack items (each a list of annotations, as many per item) of boxes into arrays."""
    counts = {len(annotations) for annotations in items}
    if len(counts) > 1:
        raise ValueError(f"every item needs the same number of annotations, got {sorted(counts)}")
    for index, annotations in enumerate(items):
        for obj in (o for a in annotations for o in a.objects):
            if not isinstance(obj.shape, BBox):
                raise ValueError(
                    f"item {index}: object {obj.id!r} is a {obj.shape.kind}, not a box"
                )
    found = sorted({o.class_id for a in itertools.chain(*items) for o in a.objects})
    names = tuple(class_ids) + tuple(c for c in found if c not in class_ids)
    index_of = {name: i for i, name in enumerate(names)}
    annotators = counts.pop() if counts else 0
    slots = max((len(a.objects) for a in itertools.chain(*items)), default=0)
    boxes = np.zeros((len(items), annotators, slots, 4))
    classes = np.full((len(items), annotators, slots), -1, dtype=np.int64)
    weights = np.ones((len(items), annotators, slots))
    for i, annotations in enumerate(items):
        for a, annotation in enumerate(annotations):
            for k, obj in enumerate(annotation.objects):
                b = obj.shape
                boxes[i, a, k] = (b.x, b.y, b.x + b.w, b.y + b.h)
                classes[i, a, k] = index_of[obj.class_id]
                weights[i, a, k] = 1.0 if obj.score is None else max(obj.score, 1e-6)
    return BoxSets(boxes, classes, names, weights)


@dataclass(frozen=True)
class BatchAgreement:
    """Per item agreement scores, and tallies over all items, in total and per class."""

    scores: np.ndarray
    """(items,): mean pairwise agreement score of each item."""
    counts: AgreementCounts
    per_class: dict[str, AgreementCounts]
    review_threshold: float

    @property
    def needs_review(self) -> np.ndarray:
        """(items,): whether each item's agreement is below the review threshold."""
        return self.scores < self.review_threshold


@dataclass(frozen=True)
class BatchMerge:
    """Consensus boxes of all items as flat arrays, one row per kept cluster."""

    item: np.ndarray
    """(clusters,): the item each consensus box belongs to."""
    boxes: np.ndarray
    """(clusters, 4): fused corners."""
    classes: np.ndarray
    support: np.ndarray
    """(clusters,): how many annotators drew it."""
    scores: np.ndarray
    """(clusters,): mean weight times support / annotators."""
    dropped: int
    """Clusters below the quorum."""


class _Tally:
    """Per-class running sums of the agreement counts."""

    def __init__(self, classes: int, thresholds: tuple[float, ...]) -> None:
        self.thresholds = thresholds
        self.pairs = np.zeros(classes, dtype=np.int64)
        self.objects_a = np.zeros(classes, dtype=np.int64)
        self.objects_b = np.zeros(classes, dtype=np.int64)
        self.matches = np.zeros((len(thresholds), classes), dtype=np.int64)
        self.matched = np.zeros(classes, dtype=np.int64)
        self.similarity_sum = np.zeros(classes)
        self.disagreements = np.zeros(classes, dtype=np.int64)
        self.total_pairs = 0

    def counts(self, c: int | slice) -> AgreementCounts:
        """The tallies of one class, or summed over a slice of classes."""
        total = isinstance(c, slice)
        return AgreementCounts(
            thresholds=self.thresholds,
            pairs=self.total_pairs if total else int(self.pairs[c]),
            objects_a=int(self.objects_a[c].sum()),
            objects_b=int(self.objects_b[c].sum()),
            matches=tuple(int(m[c].sum()) for m in self.matches),
            matched=int(self.matched[c].sum()),
            similarity_sum=float(self.similarity_sum[c].sum()),
            class_disagreements=int(self.disagreements[c].sum()),
        )


def _chunks(sets: BoxSets, size: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(first item, boxes, classes) of consecutive chunks of items."""
    for start in range(0, sets.boxes.shape[0], size):
        yield start, sets.boxes[start : start + size], sets.classes[start : start + size]


def _pair_iou(boxes: np.ndarray, classes: np.ndarray, a: int, b: int):
    """IoU of annotator a's boxes with b's: (same class only, any class) per item."""
    iou = batch_iou(boxes[:, a], boxes[:, b])
    ca, cb = classes[:, a, :, None], classes[:, b, None, :]
    valid = (ca >= 0) & (cb >= 0)
    return iou * (valid & (ca == cb)), iou * valid


def _count(rows_class: np.ndarray, mask: np.ndarray, n: int, weights=None) -> np.ndarray:
    """Per class, how many (or how much weight of) the masked rows."""
    w = None if weights is None else weights[mask]
    return np.bincount(rows_class[mask], weights=w, minlength=n)[:n]


def _pair_agreement(sim, agnostic, ca, cb, threshold, tally: _Tally) -> np.ndarray:
    """Tally one annotator pair over a chunk; return each item's pair score."""
    n_classes = tally.pairs.shape[0]
    columns = assign_batch(sim, threshold)
    hit = columns >= 0
    matched_iou = np.where(
        hit, np.take_along_axis(sim, np.maximum(columns, 0)[..., None], 2)[..., 0], 0.0
    )
    tangled = tangled_items(sim, threshold)
    for t, level in enumerate(tally.thresholds):
        if level >= threshold:
            at_level = hit & (matched_iou >= level)
            if tangled.any():
                at_level[tangled] = assign_batch(sim[tangled], level) >= 0
        else:
            at_level = assign_batch(sim, level) >= 0
        tally.matches[t] += _count(ca, at_level, n_classes)
    valid_a, valid_b = ca >= 0, cb >= 0
    tally.objects_a += _count(ca, valid_a, n_classes)
    tally.objects_b += _count(cb, valid_b, n_classes)
    tally.matched += _count(ca, hit, n_classes)
    tally.similarity_sum += _count(ca, hit, n_classes, matched_iou)
    loose = assign_batch(agnostic, threshold)
    other = np.take_along_axis(cb, np.maximum(loose, 0), 1)
    tally.disagreements += _count(ca, (loose >= 0) & (other != ca), n_classes)
    present = np.zeros((ca.shape[0], n_classes + 1), dtype=bool)
    rows = np.arange(ca.shape[0])[:, None]
    present[rows, ca] = True
    present[rows, cb] = True
    tally.pairs += present[:, :n_classes].sum(axis=0)
    tally.total_pairs += ca.shape[0]
    objects = valid_a.sum(axis=1) + valid_b.sum(axis=1)
    return np.where(objects > 0, 2 * matched_iou.sum(axis=1) / np.maximum(objects, 1), 1.0)


def _check(threshold: float, thresholds: tuple[float, ...], sets: BoxSets) -> None:
    """Raise ValueError on thresholds outside (0, 1] or fewer than two annotators."""
    for t in (threshold, *thresholds):
        check_threshold(t)
    if sets.annotators < 2:
        raise ValueError(f"agreement needs at least two annotators, got {sets.annotators}")


def _agreement_chunk(boxes, classes, threshold, tally) -> tuple[np.ndarray, dict]:
    """Mean pairwise scores of a chunk, and the same-class IoU of every annotator pair."""
    pairs = list(itertools.combinations(range(boxes.shape[1]), 2))
    scores = np.zeros(boxes.shape[0])
    similarity = {}
    for a, b in pairs:
        sim, agnostic = _pair_iou(boxes, classes, a, b)
        similarity[a, b] = sim
        scores += _pair_agreement(sim, agnostic, classes[:, a], classes[:, b], threshold, tally)
    return scores / max(len(pairs), 1), similarity


def batch_agreement(
    sets: BoxSets,
    *,
    threshold: float = 0.5,
    thresholds: tuple[float, ...] = COCO_THRESHOLDS,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
) -> BatchAgreement:
    """Mean pairwise agreement of every item, and tallies over all items (see `agreement`)."""
    _check(threshold, thresholds, sets)
    tally = _Tally(len(sets.class_ids), thresholds)
    scores = np.zeros(sets.boxes.shape[0])
    for start, boxes, classes in _chunks(sets, CHUNK_ITEMS):
        scores[start : start + len(boxes)] = _agreement_chunk(boxes, classes, threshold, tally)[0]
    return _agreement_result(scores, tally, sets, review_threshold)


def _agreement_result(scores, tally: _Tally, sets: BoxSets, review_threshold) -> BatchAgreement:
    """Package scores and tallies."""
    per_class = {
        name: tally.counts(c) for c, name in enumerate(sets.class_ids) if tally.pairs[c] > 0
    }
    return BatchAgreement(scores, tally.counts(slice(None)), per_class, review_threshold)


def batch_consensus(
    sets: BoxSets,
    *,
    threshold: float = 0.5,
    thresholds: tuple[float, ...] = COCO_THRESHOLDS,
    quorum: int | None = None,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
) -> tuple[BatchAgreement, BatchMerge]:
    """Agreement of every item and its consensus boxes, sharing one IoU computation."""
    _check(threshold, thresholds, sets)
    quorum = default_quorum(sets.annotators) if quorum is None else quorum
    if not 1 <= quorum <= sets.annotators:
        raise ValueError(f"quorum must be between 1 and {sets.annotators}, got {quorum}")
    tally = _Tally(len(sets.class_ids), thresholds)
    scores = np.zeros(sets.boxes.shape[0])
    parts, dropped = [], 0
    for start, boxes, classes in _chunks(sets, CHUNK_ITEMS):
        chunk_scores, similarity = _agreement_chunk(boxes, classes, threshold, tally)
        scores[start : start + len(boxes)] = chunk_scores
        weights = None if sets.weights is None else sets.weights[start : start + len(boxes)]
        part, lost = merge_chunk(boxes, classes, weights, similarity, threshold, quorum)
        part[0] += start
        parts.append(part)
        dropped += lost
    merged = BatchMerge(*(np.concatenate(p) for p in zip(*parts, strict=True)), dropped=dropped)
    return _agreement_result(scores, tally, sets, review_threshold), merged
