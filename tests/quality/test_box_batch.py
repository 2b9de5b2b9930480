import importlib.util
from pathlib import Path

import numpy as np
import pytest

from labelwright.domain.shapes import Annotation, AnnotationObject, BBox
from labelwright.quality.agreement import item_agreement, project_agreement
from labelwright.quality.box_batch import BoxSets, batch_agreement, batch_consensus, box_sets
from labelwright.quality.consensus import merge_annotations

from .helpers import boxes, obj


def _bench_module():
    """The benchmark script, whose data generator these tests reuse."""
    path = Path(__file__).parents[2] / "bench" / "quality.py"
    spec = importlib.util.spec_from_file_location("bench_quality", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _bench_module().generate


def to_annotations(sets: BoxSets) -> list[list[Annotation]]:
    """The arrays back as domain annotations."""
    items = []
    for i in range(sets.boxes.shape[0]):
        annotations = []
        for a in range(sets.annotators):
            objects = [
                AnnotationObject(
                    id=f"{a}-{k}",
                    class_id=sets.class_ids[c],
                    shape=BBox(x=b[0], y=b[1], w=b[2] - b[0], h=b[3] - b[1]),
                )
                for k, (b, c) in enumerate(zip(sets.boxes[i, a], sets.classes[i, a], strict=True))
                if c >= 0
            ]
            annotations.append(Annotation(objects=objects))
        items.append(annotations)
    return items


def assert_counts_equal(ours, theirs):
    assert ours.similarity_sum == pytest.approx(theirs.similarity_sum)
    assert ours.__dict__ | {"similarity_sum": 0} == theirs.__dict__ | {"similarity_sum": 0}


@pytest.mark.parametrize("annotators", [2, 3, 4])
def test_batch_equals_the_object_functions(annotators):
    sets = generate(120, annotators, 8, seed=annotators)
    items = to_annotations(sets)
    agreement, merged = batch_consensus(sets)
    expected = project_agreement(items)
    assert_counts_equal(agreement.counts, expected.counts)
    assert set(agreement.per_class) == set(expected.per_class)
    for class_id, counts in expected.per_class.items():
        assert_counts_equal(agreement.per_class[class_id], counts)
    dropped = 0
    for i, annotations in enumerate(items):
        assert agreement.scores[i] == pytest.approx(item_agreement(annotations).score)
        result = merge_annotations(annotations)
        fused = np.array(
            [
                [o.shape.x, o.shape.y, o.shape.x + o.shape.w, o.shape.y + o.shape.h]
                for o in result.annotation.objects
            ]
        )
        assert merged.boxes[merged.item == i] == pytest.approx(fused.reshape(-1, 4))
        assert [sets.class_ids[c] for c in merged.classes[merged.item == i]] == [
            o.class_id for o in result.annotation.objects
        ]
        dropped += len(result.dropped)
    assert merged.dropped == dropped


def test_batch_agreement_alone_matches_batch_consensus():
    sets = generate(50, 3, 10, seed=5)
    assert batch_agreement(sets).scores == pytest.approx(batch_consensus(sets)[0].scores)


def test_box_sets_packs_annotations_and_refuses_other_shapes():
    sets = box_sets(
        [[boxes((0, 0, 10, 10, "car")), boxes((1, 1, 5, 5, "dog"), (2, 2, 3, 3))]], ["car"]
    )
    assert sets.class_ids == ("car", "dog")
    assert sets.boxes.shape == (1, 2, 2, 4)
    assert sets.classes.tolist() == [[[0, -1], [1, 0]]]
    from labelwright.domain.shapes import Points

    with pytest.raises(ValueError, match="item 0: object 'x' is a points, not a box"):
        box_sets([[Annotation(objects=[obj(Points(points=[(1, 1)]), object_id="x")])]])
    with pytest.raises(ValueError, match="same number of annotations"):
        box_sets([[Annotation()], [Annotation(), Annotation()]])


def test_bad_arrays_are_refused():
    with pytest.raises(ValueError, match="not a finite number"):
        BoxSets(np.full((1, 2, 1, 4), np.nan), np.zeros((1, 2, 1), dtype=int), ("car",))
    with pytest.raises(ValueError, match="class indices"):
        BoxSets(np.zeros((1, 2, 1, 4)), np.full((1, 2, 1), 3), ("car",))
    with pytest.raises(ValueError, match="at least two annotators"):
        batch_agreement(BoxSets(np.zeros((1, 1, 1, 4)), np.zeros((1, 1, 1), dtype=int), ("car",)))
