import pytest

from labelwright.domain.shapes import Annotation, Points
from labelwright.quality import cleanlab_adapter
from labelwright.quality.label_errors import LabelErrorSettings, find_label_errors

from .helpers import box, obj


def scenario():
    """One item per kind of mistake, and a clean one."""
    pred = lambda *args, **kw: box(*args, **kw)  # noqa: E731
    return [
        (
            "wrong",
            Annotation(objects=[box(0, 0, 20, 20, "cat", "a")]),
            [pred(0, 0, 20, 20, "dog", "p", score=0.99)],
        ),
        (
            "placed",
            Annotation(objects=[box(0, 0, 20, 20, "cat", "a")]),
            [pred(8, 8, 20, 20, "cat", "p", score=0.99)],
        ),
        (
            "missed",
            Annotation(objects=[box(0, 0, 20, 20, "cat", "a")]),
            [
                pred(0, 0, 20, 20, "cat", "p1", score=0.99),
                pred(60, 60, 20, 20, "dog", "p2", score=0.99),
            ],
        ),
        (
            "stray",
            Annotation(objects=[box(0, 0, 20, 20, "cat", "a"), box(60, 60, 20, 20, "cat", "b")]),
            [pred(0, 0, 20, 20, "cat", "p", score=0.99)],
        ),
        (
            "clean",
            Annotation(objects=[box(0, 0, 20, 20, "cat", "a")]),
            [pred(0, 0, 20, 20, "cat", "p", score=0.99)],
        ),
    ]


def kinds(report):
    return {(e.item_id, e.kind, e.object_id, e.prediction_id) for e in report.errors}


EXPECTED = {
    ("wrong", "wrong_class", "a", "p"),
    ("placed", "misplaced", "a", "p"),
    ("missed", "missed", None, "p2"),
    ("stray", "spurious", "b", None),
}


def test_plain_scores_find_each_kind():
    report = find_label_errors(scenario(), engine="plain")
    assert report.engine == "plain"
    assert kinds(report) == EXPECTED
    wrong = next(e for e in report.errors if e.kind == "wrong_class")
    assert wrong.suggested_class == "dog" and wrong.score == pytest.approx(0.99)
    assert report.errors[0].score >= report.errors[-1].score
    assert report.item_quality["clean"] == 1.0 and report.item_quality["wrong"] < 0.1


def test_low_confidence_predictions_claim_nothing():
    items = [
        (
            "i",
            Annotation(objects=[box(0, 0, 20, 20, "cat", "a")]),
            [box(0, 0, 20, 20, "dog", "p", score=0.3), box(50, 50, 9, 9, "dog", "q", score=0.3)],
        )
    ]
    assert find_label_errors(items, engine="plain").errors == []


def test_other_shapes_go_the_plain_way():
    items = [("i", Annotation(objects=[obj(Points(points=[(1, 1)]), "pin", "a")]), [])]
    report = find_label_errors(items)
    assert report.engine == "plain" and [e.kind for e in report.errors] == ["spurious"]


def test_min_score_filters():
    report = find_label_errors(
        scenario(), engine="plain", settings=LabelErrorSettings(min_score=0.9)
    )
    assert {e.kind for e in report.errors} == {"wrong_class", "missed"}


def test_unknown_engine():
    with pytest.raises(ValueError, match="unknown engine"):
        find_label_errors([], engine="magic")


@pytest.mark.skipif(not cleanlab_adapter.available(), reason="cleanlab is not installed")
def test_cleanlab_scores_find_each_kind():
    report = find_label_errors(scenario())
    assert report.engine == "cleanlab"
    assert kinds(report) == EXPECTED
    assert report.item_quality["clean"] > report.item_quality["wrong"]
    assert report.item_quality["clean"] > report.item_quality["missed"]


def test_cleanlab_asked_for_but_missing(monkeypatch):
    monkeypatch.setattr(cleanlab_adapter, "available", lambda: False)
    with pytest.raises(ValueError, match="pip install"):
        find_label_errors(scenario(), engine="cleanlab")
    assert find_label_errors(scenario()).engine == "plain"
