"""Predictions to annotation objects: labels to classes, allowed kinds, skeleton order."""

from __future__ import annotations

import pytest

from labelwright.domain.schema import LabelClass, LabelSchema, Skeleton, TextAttribute
from labelwright.domain.shapes import BBox, Keypoints, Mask, Polygon, Rle, RotatedBox
from labelwright.models.mapping import PredictionMapper, convert_shape, predictions_to_objects
from labelwright.models.protocol import ModelError, ModelSpec, Prediction

SCHEMA = LabelSchema(
    classes=[
        LabelClass(id="c1", name="Car", color="#ff0000", shape_kinds=["bbox", "polygon"]),
        LabelClass(
            id="p1",
            name="Person",
            color="#00ff00",
            shape_kinds=["keypoints"],
            skeleton=Skeleton(nodes=["Head", "Left hand", "Right hand"]),
        ),
        LabelClass(
            id="s1",
            name="Sign",
            color="#0000ff",
            shape_kinds=["rotated_box"],
            attributes=[TextAttribute(id="txt", name="Text")],
        ),
    ]
)
SPEC = ModelSpec(
    name="toy",
    description="",
    labels=("car", "person", "sign", "dog"),
    kinds=("bbox", "keypoints", "rotated_box"),
    skeleton=("right_hand", "head", "tail"),
)
BOX = BBox(x=1, y=2, w=3, h=4)


def test_labels_map_to_classes_by_name_ignoring_case_and_unknown_ones_drop() -> None:
    mapper = PredictionMapper(SCHEMA, SPEC)
    mapped = mapper.to_objects(
        [Prediction("CAR", BOX, 0.9), Prediction("dog", BOX, 0.8), Prediction("dog", BOX, 0.7)]
    )
    [car] = mapped.objects
    assert (car.class_id, car.shape, car.score, car.source) == ("c1", BOX, 0.9, "model:toy")
    assert mapped.dropped == {"label 'dog' has no class": 2}


def test_object_ids_are_fresh_and_the_frame_is_kept() -> None:
    objects = predictions_to_objects([Prediction("car", BOX, 0.5)] * 3, SCHEMA, SPEC)
    assert len({o.id for o in objects}) == 3
    [obj] = PredictionMapper(SCHEMA, SPEC).to_objects([Prediction("car", BOX, 1)], frame=4).objects
    assert obj.frame == 4


def test_an_explicit_label_map_overrides_names_and_can_drop_labels() -> None:
    mapper = PredictionMapper(
        SCHEMA, SPEC, label_map={"dog": "c1", "Car": None}, model_name="yolo-onnx:v8n"
    )
    mapped = mapper.to_objects([Prediction("dog", BOX, 0.5), Prediction("car", BOX, 0.5)])
    assert [o.class_id for o in mapped.objects] == ["c1"]
    assert mapped.objects[0].source == "model:yolo-onnx:v8n"
    assert mapped.dropped == {"label 'car' has no class": 1}


def test_a_label_map_naming_an_unknown_class_is_refused() -> None:
    with pytest.raises(ModelError, match=r"'dog' to class id 'c9'.*class ids: c1, p1, s1"):
        PredictionMapper(SCHEMA, SPEC, label_map={"dog": "c9"})


def test_kinds_the_class_does_not_allow_are_converted_or_dropped() -> None:
    turned = RotatedBox(cx=10, cy=10, w=4, h=2, angle=90)
    mapped = PredictionMapper(SCHEMA, SPEC).to_objects(
        [Prediction("car", turned, 0.9), Prediction("sign", BOX, 0.9)]
    )
    [car] = mapped.objects
    assert isinstance(car.shape, Polygon) and len(car.shape.rings[0]) == 4
    assert mapped.dropped == {"class 'Sign' does not allow bbox": 1}


def test_area_shapes_fall_back_to_their_bounding_box() -> None:
    mask = Mask(rle=Rle(size=(4, 4), counts="52203"))  # pixels (1..2, 1..2) of a 4x4 image
    assert convert_shape(mask, ["bbox"]) == BBox(x=1, y=1, w=2, h=2)
    polygon = Polygon(rings=[[(1, 1), (5, 1), (5, 3)]])
    assert convert_shape(polygon, ["bbox"]) == BBox(x=1, y=1, w=4, h=2)
    assert convert_shape(polygon, ["keypoints"]) is None
    assert convert_shape(BOX, ["bbox", "mask"]) is BOX


def test_keypoints_are_reordered_into_the_class_skeleton_by_name() -> None:
    shape = Keypoints(points=[(5, 5, 2), (1, 1, 2), (9, 9, 1)])  # right_hand, head, tail
    [person] = PredictionMapper(SCHEMA, SPEC).to_objects([Prediction("person", shape, 1)]).objects
    # Head, Left hand (the model has none), Right hand (named right_hand by the model);
    # the tail has no node and is dropped.
    assert person.shape == Keypoints(points=[(1, 1, 2), (0, 0, 0), (5, 5, 2)])


def test_keypoints_that_cannot_be_matched_are_dropped_with_a_reason() -> None:
    unnamed = ModelSpec(name="u", description="", labels=("person",), kinds=("keypoints",))
    mapped = PredictionMapper(SCHEMA, unnamed).to_objects(
        [
            Prediction("person", Keypoints(points=[(1, 1, 2)] * 3), 1),
            Prediction("person", Keypoints(points=[(1, 1, 2)] * 2), 1),
        ]
    )
    assert len(mapped.objects) == 1  # three unnamed points fit three nodes as they are
    assert mapped.dropped == {"2 unnamed keypoints do not fit the 3 nodes of class 'Person'": 1}
    other = ModelSpec(name="o", description="", labels=(), kinds=(), skeleton=("wing", "beak"))
    mapped = PredictionMapper(SCHEMA, other).to_objects(
        [Prediction("person", Keypoints(points=[(1, 1, 2)] * 2), 1)]
    )
    assert mapped.dropped == {"no keypoint names in common with class 'Person'": 1}


def test_only_attributes_the_class_defines_are_kept_by_id() -> None:
    sign = Prediction(
        "sign", RotatedBox(cx=5, cy=5, w=2, h=2), 0.8, attributes={"text": "STOP", "lang": "en"}
    )
    [obj] = PredictionMapper(SCHEMA, SPEC).to_objects([sign]).objects
    assert obj.attributes == {"txt": "STOP"}
