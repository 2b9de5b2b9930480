import pytest

from labelwright.domain.shapes import Annotation
from labelwright.quality.gold import GoldScore, score_against_gold, total_gold_score

from .helpers import boxes

GOLD = boxes((0, 0, 10, 10), (100, 0, 10, 10), (200, 0, 10, 10, "dog"), weather=["sun"])


def test_score_by_hand():
    # First car found (IoU 9/11), second missed, the dog called a cat, one stray box.
    work = boxes((1, 0, 10, 10), (200, 0, 10, 10, "cat"), (400, 400, 5, 5), weather=["rain"])
    score = score_against_gold(work, GOLD)
    assert (score.true_positives, score.false_positives, score.false_negatives) == (1, 2, 2)
    assert score.precision == pytest.approx(1 / 3)
    assert score.recall == pytest.approx(1 / 3)
    assert score.f1 == pytest.approx(1 / 3)
    assert score.mean_iou == pytest.approx(9 / 11)
    assert (score.located, score.correct_class) == (2, 1)
    assert score.class_accuracy == 0.5
    assert score.tag_accuracy == 0.0


def test_perfect_and_empty():
    perfect = score_against_gold(GOLD, GOLD)
    assert perfect.precision == perfect.recall == perfect.class_accuracy == 1.0
    assert perfect.mean_iou == 1.0 and perfect.tag_accuracy == 1.0
    empty = score_against_gold(Annotation(), Annotation())
    assert empty.precision == empty.recall == empty.f1 == 1.0


def test_scores_add_up_over_items():
    work = boxes((1, 0, 10, 10))
    total = total_gold_score([score_against_gold(work, GOLD), score_against_gold(GOLD, GOLD)])
    assert total.items == 2
    assert (total.true_positives, total.false_negatives) == (4, 2)
    assert total.recall == pytest.approx(4 / 6)
    assert total_gold_score([]) == GoldScore(items=0)
