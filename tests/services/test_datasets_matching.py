"""Importing into a project with a schema: classes, attributes and keypoints matched by name,
and annotations written in bulk as revisions (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from labelwright.domain.schema import (
    LabelClass,
    LabelSchema,
    NumberAttribute,
    Option,
    SelectAttribute,
    Skeleton,
    TextAttribute,
)
from labelwright.domain.shapes import Annotation, AnnotationObject, BBox, Keypoints
from labelwright.formats.dataset import Dataset, DatasetImage
from labelwright.formats.native import NativeFormat
from labelwright.services import dataset_import, datasets
from labelwright.services.context import Context
from labelwright.services.intake import import_paths
from labelwright.store.tables import AnnotationClass, AnnotationRevision
from tests.conftest import write_image
from tests.services.test_datasets import make_project, make_user

PROJECT = LabelSchema(
    classes=[
        LabelClass(
            id="car",
            name="Car",
            color="#ff0000",
            shape_kinds=["bbox"],
            attributes=[
                NumberAttribute(id="doors", name="Doors", integer=True, min=1, max=6),
                SelectAttribute(
                    id="colour",
                    name="Colour",
                    options=[Option(id="r", name="Red"), Option(id="g", name="Green")],
                ),
            ],
        ),
        LabelClass(
            id="person",
            name="Person",
            color="#00ff00",
            shape_kinds=["keypoints"],
            skeleton=Skeleton(nodes=["head", "hand"]),
        ),
    ]
)

DATASET = LabelSchema(
    classes=[
        LabelClass(
            id="c",
            name="car",
            color="#ff0000",
            shape_kinds=["bbox"],
            attributes=[
                NumberAttribute(id="n", name="doors"),
                SelectAttribute(id="k", name="COLOUR", options=[Option(id="x", name="green")]),
                TextAttribute(id="t", name="Plate"),
            ],
        ),
        LabelClass(
            id="p",
            name="person",
            color="#00ff00",
            shape_kinds=["keypoints"],
            skeleton=Skeleton(nodes=["hand", "head"]),
        ),
    ]
)


def box(object_id: str, **attributes) -> AnnotationObject:
    return AnnotationObject(
        id=object_id, class_id="c", shape=BBox(x=2, y=2, w=10, h=8), attributes=attributes
    )


def write_dataset(folder: Path, objects: dict[str, list[AnnotationObject]]) -> Path:
    """A native dataset of 64x48 images with these objects (no pixels: the items exist)."""
    images = [
        DatasetImage(file_name=name, width=64, height=48, annotation=Annotation(objects=objs))
        for name, objs in objects.items()
    ]
    NativeFormat().write(Dataset(schema=DATASET, images=images), folder, copy_images=False)
    return folder


def project_with_items(ctx: Context, tmp_path: Path, names: list[str]) -> tuple:
    """An admin and a project (with PROJECT as schema) holding one item per name."""
    admin = make_user(ctx, "boss", admin=True)
    project_id = make_project(ctx, admin, "Matched", PROJECT)
    for seed, name in enumerate(names):
        write_image(tmp_path / "images" / name, 64, 48, seed=seed)
    import_paths(ctx, project_id, [tmp_path / "images"])
    return admin, project_id


def bodies(ctx: Context, project_id: int) -> dict[str, list]:
    """Each item's exported objects."""
    return {i.file_name: i.annotation.objects for i in datasets.project_dataset(ctx, project_id)}


def test_attributes_and_keypoints_are_matched_by_name(any_ctx: Context, tmp_path: Path) -> None:
    admin, project_id = project_with_items(any_ctx, tmp_path, ["a.png", "b.png"])
    hands = Keypoints(points=[(5, 6, 2), (7, 8, 1)])  # hand, head in the dataset's order
    folder = write_dataset(
        tmp_path / "native",
        {
            "a.png": [box("a1", n=4, k="x", t="AB-12", wheels=4)],
            "b.png": [
                AnnotationObject(id="b1", class_id="p", shape=hands),
                box("b2", n="lots"),
            ],
        },
    )
    report = dataset_import.import_dataset(any_ctx, admin, project_id, folder, "native")
    assert report["annotations_written"] == 2 and report["items_skipped"] == 0
    stored = bodies(any_ctx, project_id)
    (car,) = stored["a.png"]
    assert car.class_id == "car" and car.attributes == {"doors": 4, "colour": "g"}
    person, second = stored["b.png"]
    assert person.class_id == "person" and person.shape.points == [(7, 8, 1), (5, 6, 2)]
    assert second.attributes == {}
    assert report["objects_skipped"] == {"unknown_attribute": 2, "bad_attribute_value": 1}
    unknown = [p["detail"] for p in report["problems"] if p["reason"] == "unknown_attribute"]
    assert unknown == [
        "class 'Car': attribute 'Plate' is not in the project's schema",
        "class 'Car': attribute 'wheels' is not in the project's schema (1 value skipped)",
    ]
    reasons = {(p["reason"], p["file"]): p["detail"] for p in report["problems"]}
    bad = reasons[("bad_attribute_value", "b.png")]
    assert bad.startswith("object 'b2': attribute 'Doors': expected a number")


def test_reimport_adds_a_revision_only_when_the_body_changed(
    any_ctx: Context, tmp_path: Path
) -> None:
    admin, project_id = project_with_items(any_ctx, tmp_path, ["a.png", "b.png"])
    first = write_dataset(tmp_path / "one", {"a.png": [box("a1", n=2)], "b.png": [box("b1")]})
    dataset_import.import_dataset(any_ctx, admin, project_id, first, "native")
    person = AnnotationObject(id="b2", class_id="p", shape=Keypoints(points=[(1, 1, 2)] * 2))
    second = write_dataset(
        tmp_path / "two", {"a.png": [box("a1", n=2)], "b.png": [box("b1"), person]}
    )
    report = dataset_import.import_dataset(any_ctx, admin, project_id, second, "native")
    assert report["annotations_unchanged"] == 1 and report["annotations_written"] == 1
    with any_ctx.db.session(readonly=True) as sess:
        numbers = sorted(sess.scalars(select(AnnotationRevision.number)))
        rows = sess.execute(select(AnnotationClass.class_id, AnnotationClass.count))
        index = sorted(tuple(row) for row in rows)
    assert numbers == [1, 1, 2]
    assert index == [("car", 1), ("car", 1), ("person", 1)]  # b.png's index was rebuilt
