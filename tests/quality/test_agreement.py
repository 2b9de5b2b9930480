import pytest

from labelwright.domain.shapes import Annotation
from labelwright.quality.agreement import (
    AgreementCounts,
    item_agreement,
    pair_agreement,
    project_agreement,
)

from .helpers import boxes

# A: two cars and a dog. B: the first car shifted by 1 px (IoU 9/11), the second car
# shifted by 4 px (IoU 6/14), a cat where A has the dog, and nothing else.
A = boxes((0, 0, 10, 10), (100, 0, 10, 10), (200, 0, 10, 10, "dog"))
B = boxes((1, 0, 10, 10), (104, 0, 10, 10), (200, 0, 10, 10, "cat"))


def test_pair_counts_by_hand():
    counts = pair_agreement(A, B).counts
    assert (counts.objects_a, counts.objects_b, counts.matched) == (3, 3, 1)
    assert counts.similarity_sum == pytest.approx(9 / 11)
    assert counts.precision(0.5) == counts.recall(0.5) == pytest.approx(1 / 3)
    assert counts.f1(0.5) == pytest.approx(1 / 3)
    assert counts.f1(0.85) == 0  # 9/11 = 0.818 is below 0.85
    assert counts.mean_iou == pytest.approx(9 / 11)
    assert counts.score == pytest.approx(2 * (9 / 11) / 6)
    assert counts.class_disagreements == 1  # the dog/cat box


def test_per_class_tallies():
    per_class = pair_agreement(A, B).per_class
    assert set(per_class) == {"car", "dog", "cat"}
    assert (per_class["car"].objects_a, per_class["car"].matched) == (2, 1)
    assert per_class["dog"].class_disagreements == 1
    assert per_class["cat"].objects_b == 1 and per_class["cat"].objects_a == 0


def test_precision_takes_the_first_as_reference():
    a = boxes((0, 0, 10, 10))
    b = boxes((0, 0, 10, 10), (50, 50, 10, 10))
    counts = pair_agreement(a, b).counts
    assert counts.precision() == 0.5 and counts.recall() == 1.0


def test_empty_annotations_agree_fully():
    counts = pair_agreement(Annotation(), Annotation()).counts
    assert counts.score == 1.0 and counts.f1() == 1.0


def test_f1_over_a_range_of_thresholds():
    a, b = boxes((0, 0, 10, 10)), boxes((1, 0, 10, 10))  # IoU 0.818
    counts = pair_agreement(a, b).counts
    assert counts.f1_range == pytest.approx(7 / 10)  # matched at .50 ... .80, not above


def test_item_agreement_is_the_mean_over_pairs():
    item = item_agreement([A, B, A])
    assert set(item.pairs) == {(0, 1), (0, 2), (1, 2)}
    assert item.pairs[0, 2].counts.score == 1.0
    expected = (2 * pair_agreement(A, B).counts.score + 1.0) / 3
    assert item.score == pytest.approx(expected)
    assert item.counts.pairs == 3
    with pytest.raises(ValueError, match="at least two annotations"):
        item_agreement([A])


def test_project_agreement_adds_up_and_counts_items_to_review():
    project = project_agreement([[A, B], [A, A]], review_threshold=0.7)
    assert project.items == 2 and project.items_below == 1
    assert project.mean_score == pytest.approx((pair_agreement(A, B).counts.score + 1) / 2)
    assert project.counts.objects_a == 6 and project.counts.matched == 4
    assert project.per_class["car"].objects_a == 4


def test_counts_at_other_thresholds_are_refused():
    with pytest.raises(ValueError, match=r"no counts at threshold 0\.3"):
        AgreementCounts().f1(0.3)
    with pytest.raises(ValueError, match="different thresholds"):
        AgreementCounts() + AgreementCounts(thresholds=(0.5,))
