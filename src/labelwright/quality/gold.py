"""Scoring an annotator's work against a known answer (a gold item)."""

from collections.abc import Iterable
from dataclasses import dataclass

from labelwright.domain.shapes import Annotation
from labelwright.quality.matching import match_objects
from labelwright.quality.similarity import SimilarityOptions, similarity_matrix


def _ratio(numerator: float, denominator: float, empty: float) -> float:
    """numerator / denominator, or `empty` when the denominator is 0."""
    return numerator / denominator if denominator else empty


@dataclass(frozen=True)
class GoldScore:
    """How one annotation (or many, summed) compares with the gold answer."""

    true_positives: int = 0
    """Objects matching a gold object of the same class."""
    false_positives: int = 0
    """Objects matching no gold object of their class."""
    false_negatives: int = 0
    """Gold objects nobody matched."""
    similarity_sum: float = 0.0
    """Sum of the IoU (or OKS, ...) of the true positives."""
    located: int = 0
    """Objects matching a gold object when classes are ignored."""
    correct_class: int = 0
    """Of those, how many have the gold object's class."""
    tag_groups: int = 0
    """Tag groups set in the gold answer or the annotation."""
    correct_tag_groups: int = 0
    """Of those, how many hold exactly the gold options."""
    items: int = 1

    def __add__(self, other: "GoldScore") -> "GoldScore":
        fields = self.__dataclass_fields__
        return GoldScore(**{name: getattr(self, name) + getattr(other, name) for name in fields})

    @property
    def precision(self) -> float:
        """True positives over all objects drawn (1 when nothing was drawn)."""
        return _ratio(self.true_positives, self.true_positives + self.false_positives, 1.0)

    @property
    def recall(self) -> float:
        """True positives over all gold objects (1 when the gold answer is empty)."""
        return _ratio(self.true_positives, self.true_positives + self.false_negatives, 1.0)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        drawn = 2 * self.true_positives + self.false_positives + self.false_negatives
        return _ratio(2 * self.true_positives, drawn, 1.0)

    @property
    def mean_iou(self) -> float:
        """Mean similarity of the true positives (0 without any)."""
        return _ratio(self.similarity_sum, self.true_positives, 0.0)

    @property
    def class_accuracy(self) -> float:
        """Share of located objects that have the right class (1 when none were located)."""
        return _ratio(self.correct_class, self.located, 1.0)

    @property
    def tag_accuracy(self) -> float:
        """Share of tag groups answered exactly as in the gold answer."""
        return _ratio(self.correct_tag_groups, self.tag_groups, 1.0)


def score_against_gold(
    annotation: Annotation,
    gold: Annotation,
    *,
    threshold: float = 0.5,
    options: SimilarityOptions | None = None,
) -> GoldScore:
    """Compare an annotation with the gold answer of the same item.

    Precision, recall and mean IoU come from per-class matching at `threshold`; class
    accuracy from class-agnostic matching (was the thing found, and was it named right).
    """
    sim = similarity_matrix(gold.objects, annotation.objects, options)
    strict = match_objects(gold.objects, annotation.objects, threshold=threshold, similarity=sim)
    loose = match_objects(
        gold.objects, annotation.objects, threshold=threshold, similarity=sim, class_agnostic=True
    )
    groups = set(gold.tags) | set(annotation.tags)
    return GoldScore(
        true_positives=len(strict.matches),
        false_positives=len(strict.unmatched_b),
        false_negatives=len(strict.unmatched_a),
        similarity_sum=sum(m.similarity for m in strict.matches),
        located=len(loose.matches),
        correct_class=sum(m.same_class for m in loose.matches),
        tag_groups=len(groups),
        correct_tag_groups=sum(
            set(gold.tags.get(g, [])) == set(annotation.tags.get(g, [])) for g in groups
        ),
    )


def total_gold_score(scores: Iterable[GoldScore]) -> GoldScore:
    """Sum per-item scores into one (micro averages over all items)."""
    return sum(scores, GoldScore(items=0))
