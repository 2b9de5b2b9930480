"""Synthetic images into a project (items, batch, revisions) and into dataset folders."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from sqlalchemy import func, select

from labelwright.domain.schema import LabelClass, LabelSchema, Skeleton
from labelwright.formats.registry import get_format
from labelwright.services import synthesis
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, NotFound
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import current_schema
from labelwright.store.tables import (
    Annotation,
    AnnotationRevision,
    Batch,
    Image,
    Item,
    Job,
    SchemaRevision,
)
from labelwright.synth.generate import generate
from labelwright.synth.recipe_files import parse_recipe
from tests.conftest import write_image
from tests.services.test_datasets import make_project, make_user
from tests.synth.gl import gl  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("gl")

RECIPE = {
    "name": "toys",
    "seed": 5,
    "image": {"width": 96, "height": 72},
    "objects": [
        {
            "class": "Crate",
            "primitive": {"type": "box"},
            "count": [1, 2],
            "keypoints": {"top": [0, 0, 0.5], "corner": [0.5, 0.5, 0.5]},
        },
        {"class": "Ring", "primitive": {"type": "torus"}, "count": 1},
    ],
    "camera": {"distance": [3, 4]},
}


def recipe(**changes):
    """The test recipe with some fields changed."""
    return parse_recipe({**RECIPE, **changes})


def counts(ctx: Context, project_id: int) -> dict[str, int]:
    """Rows of the project's items, annotations and revisions."""
    with ctx.db.session(readonly=True) as sess:

        def count(stmt):
            return sess.scalar(select(func.count()).select_from(stmt.subquery()))

        return {
            "items": count(select(Item).where(Item.project_id == project_id)),
            "annotations": count(select(Annotation).where(Annotation.project_id == project_id)),
            "revisions": count(
                select(AnnotationRevision)
                .join(Annotation, Annotation.id == AnnotationRevision.annotation_id)
                .where(Annotation.project_id == project_id)
            ),
        }


def test_images_and_labels_land_in_a_project_as_ground_truth(any_ctx: Context):
    ctx = any_ctx
    admin = make_user(ctx, "boss", admin=True)
    project_id = make_project(ctx, admin, "Toys", None)
    report = synthesis.synthesize_into_project(ctx, admin, project_id, recipe(), count=4)
    assert report["images_added"] == 4 and report["annotations_written"] == 4
    assert report["schema_created"] and report["problems"] == 0
    expected = {i.file_name: i.annotation for i in generate(recipe(), 0, 4)}
    with ctx.db.session(readonly=True) as sess:
        schema = current_schema(sess, project_id).schema
        assert [c.name for c in schema.classes] == ["Crate", "Ring"]
        items = sess.scalars(select(Item).where(Item.project_id == project_id)).all()
        assert sorted(i.file_name for i in items) == sorted(expected)
        assert {i.state for i in items} == {"accepted"}
        assert {i.batch_id for i in items} == {report["batch_id"]}
        batch = sess.get(Batch, report["batch_id"])
        assert batch.name == "synthetic toys seed 5 images 0-3"
        for item in items:
            annotation = sess.scalar(select(Annotation).where(Annotation.item_id == item.id))
            assert annotation.submitted and annotation.revision == 1
            revision = sess.scalar(
                select(AnnotationRevision).where(AnnotationRevision.annotation_id == annotation.id)
            )
            assert revision.origin == "synthetic"
            assert revision.body == expected[item.file_name].model_dump(mode="json")
            assert {o["source"] for o in revision.body["objects"]} == {"synthetic"}
        job = sess.get(Job, report["job_id"])
        assert job.kind == "synthesis" and job.state == "done" and job.done == 4


def test_running_again_adds_nothing(ctx: Context):
    admin = make_user(ctx, "boss", admin=True)
    project_id = make_project(ctx, admin, "Toys", None)
    synthesis.synthesize_into_project(ctx, admin, project_id, recipe(), count=3)
    before = counts(ctx, project_id)
    again = synthesis.synthesize_into_project(ctx, admin, project_id, recipe(), count=3)
    assert again["duplicates"] == 3 and again["annotations_unchanged"] == 3
    assert not again["schema_created"]
    assert counts(ctx, project_id) == before
    more = synthesis.synthesize_into_project(ctx, admin, project_id, recipe(), count=2, start=3)
    assert more["images_added"] == 2
    assert counts(ctx, project_id)["items"] == 5


def test_classes_match_the_project_schema_by_name(ctx: Context):
    admin = make_user(ctx, "boss", admin=True)
    crate = LabelClass(
        id="c1",
        name="crate",
        color="#ff0000",
        shape_kinds=["bbox", "polygon", "mask", "keypoints"],
        skeleton=Skeleton(nodes=["Corner", "middle", "Top"]),
    )
    ring = LabelClass(
        id="r1", name="RING", color="#00ff00", shape_kinds=["bbox", "mask", "polygon"]
    )
    other = LabelClass(id="o1", name="Other", color="#0000ff", shape_kinds=["bbox"])
    project_id = make_project(ctx, admin, "Toys", LabelSchema(classes=[crate, ring, other]))
    report = synthesis.synthesize_into_project(ctx, admin, project_id, recipe(), count=2)
    assert report["annotations_written"] == 2 and not report["schema_created"]
    with ctx.db.session(readonly=True) as sess:
        bodies = sess.scalars(select(AnnotationRevision.body)).all()
    objects = [o for body in bodies for o in body["objects"]]
    assert {o["class_id"] for o in objects} == {"c1", "r1"}
    for obj in objects:
        if obj["shape"]["kind"] == "keypoints":
            corner, middle, top = obj["shape"]["points"]
            assert middle == [0.0, 0.0, 0]  # a node the recipe does not name: not labeled
            assert corner[2] > 0 or top[2] > 0


def test_schema_mismatches_are_clear_and_change_nothing(ctx: Context):
    admin = make_user(ctx, "boss", admin=True)
    boxes_only = LabelClass(id="c1", name="Crate", color="#ff0000", shape_kinds=["bbox"])
    project_id = make_project(ctx, admin, "Toys", LabelSchema(classes=[boxes_only]))
    with pytest.raises(Invalid, match=r"classes 'Ring' are not in the project's schema"):
        synthesis.synthesize_into_project(ctx, admin, project_id, recipe(), count=1)
    only_crates = recipe(objects=[RECIPE["objects"][0]])
    with pytest.raises(Invalid, match="'Crate' does not allow polygon, mask, keypoints shapes"):
        synthesis.synthesize_into_project(ctx, admin, project_id, only_crates, count=1)
    boxes = recipe(objects=[{"class": "Crate", "primitive": {"type": "box"}}], labels=["bbox"])
    flagged = boxes.model_copy(
        update={"visibility": boxes.visibility.model_copy(update={"below": "flag"})}
    )
    with pytest.raises(Invalid, match="no checkbox attribute 'occluded'"):
        synthesis.synthesize_into_project(ctx, admin, project_id, flagged, count=1)
    with pytest.raises(Invalid, match="count 0 must be between 1"):
        synthesis.synthesize_into_project(ctx, admin, project_id, boxes, count=0)
    assert counts(ctx, project_id) == {"items": 0, "annotations": 0, "revisions": 0}
    with ctx.db.session(readonly=True) as sess:
        assert sess.scalar(select(func.count()).select_from(Job)) == 0
        assert sess.scalar(select(func.count()).select_from(SchemaRevision)) == 1
    report = synthesis.synthesize_into_project(ctx, admin, project_id, boxes, count=1)
    assert report["annotations_written"] == 1


def test_only_managers_may_synthesize(ctx: Context):
    from labelwright.domain.roles import ProjectRole
    from labelwright.services import projects
    from labelwright.services.errors import Forbidden

    admin = make_user(ctx, "boss", admin=True)
    worker = make_user(ctx, "ann")
    project_id = make_project(ctx, admin, "Toys", None)
    with ctx.db.session() as sess:
        project = projects.find_project(sess, project_id)
        projects.set_member(sess, project, worker, ProjectRole.annotator)
    with pytest.raises(Forbidden):
        synthesis.synthesize_into_project(ctx, worker, project_id, recipe(), count=1)
    with pytest.raises(NotFound):
        synthesis.synthesize_into_project(ctx, admin, 999, recipe(), count=1)


def test_backgrounds_from_another_project(ctx: Context, tmp_path):
    admin = make_user(ctx, "boss", admin=True)
    photos = make_project(ctx, admin, "Photos", None)
    import_paths(ctx, photos, [write_image(tmp_path / "p" / "a.png", 120, 90)])
    target = make_project(ctx, admin, "Toys", None)
    with_photos = recipe(backgrounds=[{"kind": "images", "project": "Photos"}])
    report = synthesis.synthesize_into_project(ctx, admin, target, with_photos, count=1)
    assert report["images_added"] == 1
    empty = make_project(ctx, admin, "Empty", None)
    nothing = recipe(backgrounds=[{"kind": "images", "project": "Empty"}])
    with pytest.raises(Invalid, match="backgrounds\\[0\\]: project 'Empty' has no images"):
        synthesis.synthesize_into_project(ctx, admin, empty, nothing, count=1)


def test_a_folder_in_any_format_and_the_same_bytes_from_worker_processes(ctx: Context, tmp_path):
    admin = make_user(ctx, "boss", admin=True)
    manifest, report = synthesis.synthesize_to_folder(
        ctx, admin, recipe(), tmp_path / "coco", "coco", count=4
    )
    assert manifest.images == 4 and manifest.objects == report["objects_written"] > 0
    dataset = get_format("coco").read(tmp_path / "coco")
    assert [c.name for c in dataset.schema.classes] == ["Crate", "Ring"]
    read_back = list(dataset)
    assert len(read_back) == 4 and all(i.annotation.objects for i in read_back)
    synthesis.synthesize_to_folder(ctx, admin, recipe(), tmp_path / "one", "native", count=4)
    synthesis.synthesize_to_folder(
        ctx, admin, recipe(), tmp_path / "two", "native", count=4, workers=2
    )
    one = sorted(p for p in (tmp_path / "one").rglob("*") if p.is_file())
    two = sorted(p for p in (tmp_path / "two").rglob("*") if p.is_file())
    assert [p.relative_to(tmp_path / "one") for p in one] == [
        p.relative_to(tmp_path / "two") for p in two
    ]
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".synth-")]
    with pytest.raises(Invalid, match="tiff"):
        synthesis.synthesize_to_folder(ctx, admin, recipe(), tmp_path / "x", "tiff", count=1)


def test_recipe_files_give_invalid_naming_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps({"objects": [{"class": "A", "primitive": {"type": "blob"}}]}))
    with pytest.raises(Invalid, match=r"bad.yaml: objects\[0\].primitive"):
        synthesis.read_recipe(path)


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None and not os.environ.get("LABELWRIGHT_REQUIRE_RAY"),
    reason="needs labelwright[ray]",
)
def test_ray_actors_render_the_same_images(ctx: Context):
    import ray

    admin = make_user(ctx, "boss", admin=True)
    local = make_project(ctx, admin, "Local", None)
    on_ray = make_project(ctx, admin, "Ray", None)
    synthesis.synthesize_into_project(ctx, admin, local, recipe(), count=4)
    try:
        report = synthesis.synthesize_into_project(
            ctx, admin, on_ray, recipe(), count=4, workers=2, ray_address=""
        )
    finally:
        ray.shutdown()
    assert report["images_added"] == 4

    def images(project_id: int) -> dict[str, str]:
        with ctx.db.session(readonly=True) as sess:
            rows = sess.execute(
                select(Item.file_name, Image.sha256)
                .join(Image, Image.id == Item.image_id)
                .where(Item.project_id == project_id)
            )
            return dict(rows.all())

    assert images(on_ray) == images(local)  # deterministic: byte-identical images
