import pytest
from pydantic import ValidationError

from labelwright.domain.schema import (
    LabelClass,
    LabelSchema,
    NumberAttribute,
    Option,
    RelationType,
    SelectAttribute,
    Skeleton,
    TagGroup,
    TextAttribute,
    diff_schema,
)

from .builders import make_schema


def car(**fields):
    base = {"id": "car", "name": "Car", "color": "#112233", "shape_kinds": ["bbox"]}
    return LabelClass(**(base | fields))


def test_a_full_schema_round_trips():
    schema = make_schema()
    assert LabelSchema.model_validate(schema.model_dump()) == schema
    assert LabelSchema.model_validate_json(schema.model_dump_json()) == schema
    assert schema.class_by_id("car").name == "Car"
    assert schema.tag_group_by_id("weather").name == "Weather"
    assert schema.relation_type_by_id("rides").name == "rides"
    assert schema.class_by_id("nope") is None


def test_colour_is_checked_and_lowercased():
    assert car(color="#ABCDEF").color == "#abcdef"
    for bad in ["red", "#12345", "#1234567", "#12345g", "123456#"]:
        with pytest.raises(ValidationError, match="rrggbb"):
            car(color=bad)


def test_hotkey_is_a_single_key():
    assert car(hotkey="1").hotkey == "1"
    for bad in ["", "ab", " ", "\n"]:
        with pytest.raises(ValidationError, match="hotkey"):
            car(hotkey=bad)


def test_duplicate_class_names_ids_and_hotkeys_are_refused():
    with pytest.raises(ValidationError, match="class name 'car'"):
        LabelSchema(classes=[car(), car(id="car2", name="car")])
    with pytest.raises(ValidationError, match="class id 'car'"):
        LabelSchema(classes=[car(), car(name="Auto")])
    with pytest.raises(ValidationError, match="hotkey"):
        LabelSchema(classes=[car(hotkey="c"), car(id="bus", name="Bus", hotkey="c")])
    with pytest.raises(ValidationError, match="tag group name"):
        options = [Option(id="a", name="A")]
        LabelSchema(
            tag_groups=[
                TagGroup(id="g1", name="Time", options=options),
                TagGroup(id="g2", name="TIME", options=options),
            ]
        )


def test_ids_must_be_simple():
    with pytest.raises(ValidationError):
        car(id="")
    with pytest.raises(ValidationError):
        car(id="has space")
    with pytest.raises(ValidationError):
        car(id="x" * 65)


def test_shape_kinds_must_be_known_and_present():
    with pytest.raises(ValidationError):
        car(shape_kinds=[])
    with pytest.raises(ValidationError):
        car(shape_kinds=["circle"])


def test_keypoints_need_a_skeleton_and_only_then():
    skeleton = Skeleton(nodes=["a", "b"], edges=[(0, 1)])
    assert car(shape_kinds=["keypoints"], skeleton=skeleton).skeleton == skeleton
    with pytest.raises(ValidationError, match="needs a skeleton"):
        car(shape_kinds=["keypoints"])
    with pytest.raises(ValidationError, match="does not allow the keypoints"):
        car(skeleton=skeleton)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nodes": []}, "at least 1"),
        ({"nodes": ["a", "A"]}, "node name"),
        ({"nodes": ["a", "b"], "edges": [(0, 2)]}, "outside"),
        ({"nodes": ["a", "b"], "edges": [(-1, 0)]}, "outside"),
        ({"nodes": ["a", "b"], "edges": [(1, 1)]}, "itself"),
        ({"nodes": ["a", "b"], "edges": [(0, 1), (1, 0)]}, "more than once"),
        ({"nodes": ["a", "b"], "symmetric_pairs": [(0, 5)]}, "outside"),
        ({"nodes": ["a", "b", "c"], "symmetric_pairs": [(0, 1), (1, 2)]}, "more than one"),
    ],
)
def test_skeleton_is_checked(fields, message):
    with pytest.raises(ValidationError, match=message):
        Skeleton(**fields)


def test_attribute_specs_are_checked():
    with pytest.raises(ValidationError, match="min"):
        NumberAttribute(id="n", name="N", min=5, max=1)
    with pytest.raises(ValidationError, match="default"):
        NumberAttribute(id="n", name="N", max=1, default=3)
    with pytest.raises(ValidationError, match="default"):
        SelectAttribute(id="s", name="S", options=[Option(id="a", name="A")], default="b")
    with pytest.raises(ValidationError, match="option id"):
        SelectAttribute(
            id="s", name="S", options=[Option(id="a", name="A"), Option(id="a", name="B")]
        )
    with pytest.raises(ValidationError, match="attribute id"):
        car(attributes=[TextAttribute(id="t", name="T"), TextAttribute(id="t", name="U")])
    with pytest.raises(ValidationError, match="attribute name"):
        car(attributes=[TextAttribute(id="t", name="T"), TextAttribute(id="u", name="t")])
    parsed = car(attributes=[{"type": "checkbox", "id": "b", "name": "B", "default": True}])
    assert parsed.attributes[0].type == "checkbox"


def test_relation_types_must_name_known_classes():
    with pytest.raises(ValidationError, match="unknown class id 'boat'"):
        LabelSchema(
            classes=[car()],
            relation_types=[RelationType(id="r", name="r", subject_class_ids=["boat"])],
        )


def test_settings_are_checked():
    assert LabelSchema().out_of_bounds == "refuse"
    assert LabelSchema().tolerance_px == 1.0
    with pytest.raises(ValidationError):
        LabelSchema(out_of_bounds="ignore")
    with pytest.raises(ValidationError):
        LabelSchema(tolerance_px=-1)
    with pytest.raises(ValidationError):
        LabelSchema(tolerance_px=float("nan"))


def test_diff_schema_lists_added_renamed_and_removed():
    old = make_schema()
    classes = [c for c in old.classes if c.id != "road"]
    car_class = classes[0]
    renamed_car = car_class.model_copy(
        update={
            "name": "Automobile",
            "shape_kinds": ["bbox", "polygon"],
            "attributes": [
                a if a.id != "plate" else NumberAttribute(id="plate", name="Plate")
                for a in car_class.attributes
                if a.id != "doors"
            ],
        }
    )
    boat = LabelClass(id="boat", name="Boat", color="#123456", shape_kinds=["bbox"])
    new = LabelSchema(classes=[renamed_car, classes[1], boat], tag_groups=old.tag_groups[:1])
    change = diff_schema(old, new)
    assert change.added_class_ids == ["boat"]
    assert change.removed_class_ids == ["road"]
    assert change.renamed_class_ids == ["car"]
    assert change.renamed_classes[0].new_name == "Automobile"
    assert [(a.class_id, a.attribute_id) for a in change.removed_attributes] == [("car", "doors")]
    assert [(a.class_id, a.attribute_id) for a in change.retyped_attributes] == [("car", "plate")]
    assert "mask" in change.removed_shape_kinds["car"]
    assert change.removed_tag_group_ids == ["issues"]
    assert change.removed_relation_type_ids == ["rides", "near"]
    assert change.removes_anything


def test_diff_of_identical_schemas_is_empty():
    change = diff_schema(make_schema(), make_schema())
    assert not change.removes_anything
    assert change.added_class_ids == change.renamed_class_ids == []
