"""Exporting a project through a format, over the real store; builders the import tests share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.formats.registry import get_format
from labelwright.services import annotations, datasets, projects, users
from labelwright.services.context import Context
from labelwright.services.errors import Forbidden, Invalid
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import append_schema
from labelwright.store.tables import Annotation, Job, User
from tests.conftest import write_image

CAR = LabelClass(id="car", name="Car", color="#ff0000", shape_kinds=["bbox", "polygon"])
PERSON = LabelClass(id="person", name="Person", color="#00ff00", shape_kinds=["bbox"])
SCHEMA = LabelSchema(classes=[CAR, PERSON])


def box(object_id: str, class_id: str, x: float, y: float, **extra) -> dict:
    """A 10x8 box object."""
    shape = {"kind": "bbox", "x": x, "y": y, "w": 10.0, "h": 8.0}
    return {"id": object_id, "class_id": class_id, "shape": shape, **extra}


BODIES = {
    "a.png": [box("a1", "car", 1.5, 2.25), box("a2", "person", 30, 20)],
    "sub/b.png": [
        box("b1", "car", 5, 5),
        {
            "id": "b2",
            "class_id": "car",
            "shape": {"kind": "polygon", "rings": [[[1, 1], [20, 2], [10, 30]]]},
        },
    ],
    "c.png": [box("c1", "person", 40.5, 30)],
}


@dataclass
class Setup:
    """A project with three images, a two-class schema and one saved annotation per image."""

    ctx: Context
    admin: User
    project_id: int
    items: dict[str, int]


def make_user(ctx: Context, name: str, *, admin: bool = False) -> User:
    """An account."""
    with ctx.db.session() as sess:
        return users.create_user(sess, name, "a long enough password", is_admin=admin)


def make_project(ctx: Context, admin: User, name: str, schema: LabelSchema | None) -> int:
    """An empty project, with a schema when given."""
    with ctx.db.session() as sess:
        project = projects.create_project(sess, name, creator=admin)
        if schema is not None:
            append_schema(sess, project.id, schema, 1, admin)
        return project.id


def labeled_project(ctx: Context, tmp_path: Path) -> Setup:
    """Build the Setup: images in a folder (one in a sub-folder), annotations saved."""
    admin = make_user(ctx, "boss", admin=True)
    project_id = make_project(ctx, admin, "Cars", SCHEMA)
    source = tmp_path / "images"
    for seed, name in enumerate(BODIES):
        write_image(source / name, 64, 48, seed=seed)
    report = import_paths(ctx, project_id, [source])
    items = {row["name"]: row["item_id"] for row in report.added}
    for name, objects in BODIES.items():
        body = {"objects": objects, "tags": {}, "relations": []}
        annotations.save(ctx, admin, project_id, item_id=items[name], body=body, expected=0)
    return Setup(ctx, admin, project_id, items)


@pytest.fixture
def setup(ctx: Context, tmp_path: Path) -> Setup:
    """The labeled project."""
    return labeled_project(ctx, tmp_path)


def objects_by_file(dataset) -> dict[str, list[tuple]]:
    """(id, class, shape) per file name, as a comparable summary."""
    return {
        image.file_name: sorted(
            (o.id, o.class_id, json.dumps(o.shape.model_dump(mode="json"), sort_keys=True))
            for o in image.annotation.objects
        )
        for image in dataset
    }


def expected_objects() -> dict[str, list[tuple]]:
    """The summary of BODIES after validation (shapes normalised by the domain model)."""
    from labelwright.domain.shapes import AnnotationObject

    result = {}
    for name, objects in BODIES.items():
        parsed = [AnnotationObject.model_validate(o) for o in objects]
        result[name] = sorted(
            (o.id, o.class_id, json.dumps(o.shape.model_dump(mode="json"), sort_keys=True))
            for o in parsed
        )
    return result


def test_project_dataset_streams_items_with_their_annotations(setup):
    dataset = datasets.project_dataset(setup.ctx, setup.project_id)
    assert dataset.schema == SCHEMA
    images = list(dataset)
    assert sorted(i.file_name for i in images) == sorted(BODIES)
    assert all(i.path is not None and i.path.is_file() for i in images)
    assert {(i.width, i.height, i.state) for i in images} == {(64, 48, "annotating")}
    assert objects_by_file(images) == expected_objects()


def test_project_dataset_pages_by_item_id(setup, monkeypatch):
    monkeypatch.setattr(datasets, "PAGE", 2)  # three items: a full page, then a short one
    names = [i.file_name for i in datasets.project_dataset(setup.ctx, setup.project_id)]
    assert sorted(names) == sorted(BODIES)


def test_project_dataset_filters_classes_states_and_splits(setup):
    only_cars = datasets.project_dataset(setup.ctx, setup.project_id, classes=["car"])
    assert {o.class_id for i in only_cars for o in i.annotation.objects} == {"car"}
    by_name = datasets.project_dataset(setup.ctx, setup.project_id, classes=["PERSON"])
    assert sum(len(i.annotation.objects) for i in by_name) == 2
    assert list(datasets.project_dataset(setup.ctx, setup.project_id, states=["accepted"])) == []
    split = datasets.project_dataset(setup.ctx, setup.project_id, split=(0.67, 0.33), seed=3)
    first = {i.file_name: i.split for i in split}
    again = {i.file_name: i.split for i in split}
    assert first == again and set(first.values()) <= {"train", "val"}
    with pytest.raises(Invalid, match="state 'finished'"):
        datasets.project_dataset(setup.ctx, setup.project_id, states=["finished"])
    with pytest.raises(Invalid, match=r"class 'truck'.*Car, Person"):
        datasets.project_dataset(setup.ctx, setup.project_id, classes=["truck"])


def test_chosen_annotation_prefers_submitted_then_newest(setup):
    other = make_user(setup.ctx, "ann")
    item_id = setup.items["c.png"]
    with setup.ctx.db.session() as sess:
        project = projects.find_project(sess, setup.project_id)
        projects.set_member(sess, project, other, projects.ProjectRole.annotator)
    body = {"objects": [box("x1", "car", 3, 3)], "tags": {}, "relations": []}
    annotations.save(setup.ctx, other, setup.project_id, item_id=item_id, body=body, expected=0)
    chosen = {i.file_name: i for i in datasets.project_dataset(setup.ctx, setup.project_id)}
    assert [o.id for o in chosen["c.png"].annotation.objects] == ["x1"]  # the newest
    with setup.ctx.db.session() as sess:
        admins = sess.scalar(
            select(Annotation).where(
                Annotation.item_id == item_id, Annotation.user_id == setup.admin.id
            )
        )
        admins.submitted = True
    chosen = {i.file_name: i for i in datasets.project_dataset(setup.ctx, setup.project_id)}
    assert [o.id for o in chosen["c.png"].annotation.objects] == ["c1"]  # submitted wins


def test_predictions_are_appended_with_source_and_score(setup):
    from labelwright.services.predictions import add_prediction

    body = {"objects": [box("a1", "car", 2, 2, score=0.75)], "tags": {}, "relations": []}
    item_id = setup.items["a.png"]
    add_prediction(
        setup.ctx, setup.admin, setup.project_id, item_id, model="det", run="r1", body=body
    )
    dataset = datasets.project_dataset(setup.ctx, setup.project_id, include_predictions=True)
    objects = next(i for i in dataset if i.file_name == "a.png").annotation.objects
    predicted = [o for o in objects if o.source == "model:det"]
    assert len(objects) == 3 and len(predicted) == 1
    assert predicted[0].score == 0.75 and predicted[0].id != "a1"  # ids stay unique


@pytest.mark.parametrize("fmt", ["coco", "native"])
def test_export_reads_back_with_the_format(setup, tmp_path, fmt):
    out = tmp_path / fmt
    seen = []
    manifest = datasets.export_project(
        setup.ctx,
        setup.admin,
        setup.project_id,
        fmt,
        out,
        progress=lambda done, name: seen.append(done),
    )
    assert manifest.images == 3 and manifest.objects == 5
    assert manifest.per_class == {"Car": 3, "Person": 2}
    assert seen == [1, 2, 3]
    back = get_format(fmt).read(out)
    assert objects_by_file(back) == expected_objects()
    with setup.ctx.db.session() as sess:
        job = sess.scalars(select(Job).where(Job.kind == "export")).one()
        assert (job.state, job.done) == ("done", 3)
        assert job.result["manifest"]["objects"] == 5


def test_export_needs_a_manager_and_a_known_format(setup, tmp_path):
    annotator = make_user(setup.ctx, "ann")
    with setup.ctx.db.session() as sess:
        project = projects.find_project(sess, setup.project_id)
        projects.set_member(sess, project, annotator, projects.ProjectRole.annotator)
    with pytest.raises(Forbidden):
        datasets.export_project(setup.ctx, annotator, setup.project_id, "coco", tmp_path / "x")
    with pytest.raises(Invalid, match=r"unknown format 'tiff'; available: .*coco.*native"):
        datasets.export_project(setup.ctx, setup.admin, setup.project_id, "tiff", tmp_path / "y")


def export_native(setup: Setup, out: Path) -> Path:
    """The project exported in the native format."""
    datasets.export_project(setup.ctx, setup.admin, setup.project_id, "native", out)
    return out


def current_bodies(ctx: Context, project_id: int) -> dict[str, list[tuple]]:
    """Each item's current annotation summary, via the export stream."""
    return objects_by_file(datasets.project_dataset(ctx, project_id))
