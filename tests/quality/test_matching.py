from labelwright.quality.matching import match_objects

from .helpers import box


def test_per_class_matching_leaves_other_classes_alone():
    a = [box(0, 0, 10, 10, "car", "a1"), box(50, 50, 10, 10, "dog", "a2")]
    b = [box(1, 0, 10, 10, "car", "b1"), box(50, 50, 10, 10, "cat", "b2")]
    matching = match_objects(a, b)
    assert [(m.a, m.b) for m in matching.matches] == [(0, 0)]
    assert matching.unmatched_a == [1] and matching.unmatched_b == [1]
    assert matching.class_disagreements == []


def test_class_agnostic_matching_reports_disagreements():
    a = [box(0, 0, 10, 10, "car"), box(50, 50, 10, 10, "dog")]
    b = [box(1, 0, 10, 10, "car"), box(50, 50, 10, 10, "cat")]
    matching = match_objects(a, b, class_agnostic=True)
    assert len(matching.matches) == 2
    assert [(m.a, m.b) for m in matching.class_disagreements] == [(1, 1)]


def test_threshold_decides():
    a, b = [box(0, 0, 10, 10)], [box(5, 0, 10, 10)]  # IoU 1/3
    assert match_objects(a, b, threshold=0.3).matches[0].similarity == 1 / 3
    assert match_objects(a, b, threshold=0.5).matches == []


def test_hungarian_prefers_the_best_total():
    # Greedy would take the best pair a0-b0 (IoU 0.82) and leave a1 alone (a1-b1 is 0.43);
    # the best total pairs a0-b1 and a1-b0 (0.74 each).
    a = [box(0, 0, 10, 10), box(2.5, 0, 10, 10)]
    b = [box(1, 0, 10, 10), box(-1.5, 0, 10, 10)]
    matching = match_objects(a, b)
    assert sorted((m.a, m.b) for m in matching.matches) == [(0, 1), (1, 0)]
