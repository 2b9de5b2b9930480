"""Importing datasets into a project: matching, validation, bulk writes, and the job around it."""

from __future__ import annotations

import os
import signal
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.shapes import AnnotationObject, BBox, Polygon
from labelwright.formats.coco import CocoFormat
from labelwright.formats.dataset import Dataset, DatasetImage
from labelwright.formats.native import NativeFormat
from labelwright.jobs import records
from labelwright.jobs.runner import run_one
from labelwright.services import dataset_import, dataset_reading, jobs, projects
from labelwright.services.context import Context
from labelwright.services.dataset_uploads import queue_uploaded_import
from labelwright.services.datasets import find_format
from labelwright.services.errors import Conflict, Forbidden, Invalid
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import append_schema, current_schema
from labelwright.store.tables import (
    Annotation,
    AnnotationRevision,
    Image,
    Item,
    Job,
    Prediction,
)
from tests.conftest import write_image
from tests.services.test_datasets import (
    CAR,
    PERSON,
    SCHEMA,
    Setup,
    current_bodies,
    expected_objects,
    export_native,
    labeled_project,
    make_project,
    make_user,
)


@pytest.fixture
def setup(ctx: Context, tmp_path: Path) -> Setup:
    """A project with three labeled images (see tests/services/test_datasets.py)."""
    return labeled_project(ctx, tmp_path)


@pytest.fixture
def any_setup(any_ctx: Context, tmp_path: Path) -> Setup:
    """The same, once on SQLite and once on PostgreSQL (the bulk writes go to the driver)."""
    return labeled_project(any_ctx, tmp_path)


@pytest.fixture(params=["this process", "second process"])
def reading(request, monkeypatch) -> Iterator[str]:
    """Read the dataset in this process, or (as for a large one) in a second process."""
    started = []
    if request.param == "second process":
        monkeypatch.setattr(dataset_reading, "SECOND_PROCESS_BYTES", -1)
        opened = dataset_reading.ChildPages.__init__

        def counted(self, *args) -> None:
            started.append(args)
            opened(self, *args)

        monkeypatch.setattr(dataset_reading.ChildPages, "__init__", counted)
    yield request.param
    assert bool(started) == (request.param == "second process")


def test_native_round_trip_into_a_fresh_project(any_setup, tmp_path, reading):
    setup = any_setup
    folder = export_native(setup, tmp_path / "native")
    fresh = make_project(setup.ctx, setup.admin, "Fresh", None)
    progress = []
    report = dataset_import.import_dataset(
        setup.ctx, setup.admin, fresh, folder, progress=lambda d, _n: progress.append(d)
    )
    assert report["schema_created"] and report["images_added"] == 3
    assert report["annotations_written"] == 3 and report["problems"] == []
    assert progress[-1] == 3
    with setup.ctx.db.session() as sess:
        assert current_schema(sess, fresh).schema == SCHEMA
        origins = set(sess.scalars(select(AnnotationRevision.origin)))
        assert "import" in origins
    assert current_bodies(setup.ctx, fresh) == expected_objects()
    again = dataset_import.import_dataset(setup.ctx, setup.admin, fresh, folder, "native")
    assert again["annotations_unchanged"] == 3 and again["annotations_written"] == 0


def test_import_matches_existing_items_and_adds_a_revision(setup, tmp_path):
    folder = export_native(setup, tmp_path / "native")
    report = dataset_import.import_dataset(setup.ctx, setup.admin, setup.project_id, folder)
    # the same bytes are already here, and the bodies are the admin's own: nothing new
    assert report["items_matched"] == 3 and report["images_added"] == 0
    assert report["annotations_unchanged"] == 3


def test_unknown_classes_are_skipped_and_reported(setup, tmp_path):
    folder = export_native(setup, tmp_path / "native")
    cars_only = LabelSchema(classes=[CAR.model_copy(update={"id": "auto", "name": "CAR"})])
    target = make_project(setup.ctx, setup.admin, "Only cars", cars_only)
    report = dataset_import.import_dataset(setup.ctx, setup.admin, target, folder, "native")
    assert report["objects_skipped"]["unknown_class"] == 2
    assert any(
        p["reason"] == "unknown_class" and "Person" in p["detail"] for p in report["problems"]
    )
    assert report["annotations_written"] == 3
    classes = {o[1] for objs in current_bodies(setup.ctx, target).values() for o in objs}
    assert classes == {"auto"}  # matched by name, stored under the project's own id


def test_invalid_objects_are_reported_and_the_item_skipped(setup, tmp_path):
    folder = export_native(setup, tmp_path / "native")
    car_boxes = LabelClass(id="car", name="Car", color="#ff0000", shape_kinds=["bbox"])
    bbox_only = LabelSchema(classes=[car_boxes, PERSON])  # b.png's polygon no longer fits
    target = make_project(setup.ctx, setup.admin, "Boxes", bbox_only)
    report = dataset_import.import_dataset(setup.ctx, setup.admin, target, folder)
    assert report["annotations_written"] == 2 and report["items_skipped"] == 1
    (problem,) = [p for p in report["problems"] if p["reason"] == "invalid"]
    assert problem["file"] == "sub/b.png" and "b2" in problem["objects"]


def test_import_as_predictions(any_setup, tmp_path, reading):
    setup = any_setup
    folder = export_native(setup, tmp_path / "native")
    fresh = make_project(setup.ctx, setup.admin, "Predicted", SCHEMA)
    report = dataset_import.import_dataset(
        setup.ctx, setup.admin, fresh, folder, "native", as_predictions="yolo-v8"
    )
    assert report["predictions_written"] == 3 and report["annotations_written"] == 0
    with setup.ctx.db.session() as sess:
        rows = list(sess.scalars(select(Prediction).where(Prediction.project_id == fresh)))
        assert {p.model for p in rows} == {"yolo-v8"} and len({p.run for p in rows}) == 1
        assert all(o["source"] == "model:yolo-v8" for p in rows for o in p.body["objects"])
        assert sess.scalar(select(Annotation).where(Annotation.project_id == fresh)) is None
        states = set(sess.scalars(select(Item.state).where(Item.project_id == fresh)))
        assert states == {"prelabeled"}
        job = sess.scalars(select(Job).where(Job.kind == "import-dataset")).one()
        assert job.state == "done" and job.result["predictions_written"] == 3


def test_import_errors_are_clear(setup, tmp_path, reading):
    with pytest.raises(Invalid, match="no such file"):
        dataset_import.import_dataset(setup.ctx, setup.admin, setup.project_id, tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(Invalid, match=r"no format recognises it; name one of: .*coco"):
        dataset_import.import_dataset(setup.ctx, setup.admin, setup.project_id, empty)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "dataset.jsonl").write_text('{"labelwright_dataset": 1, "schema": {}}\n[1]\n')
    with pytest.raises(Invalid, match="line 2"):
        dataset_import.import_dataset(setup.ctx, setup.admin, setup.project_id, bad, "native")
    with setup.ctx.db.session() as sess:
        job = sess.scalars(select(Job).where(Job.kind == "import-dataset")).one()
        assert job.state == "failed" and "line 2" in job.error


def test_import_is_a_job_the_runner_picks_up(setup, tmp_path):
    folder = export_native(setup, tmp_path / "native")
    fresh = make_project(setup.ctx, setup.admin, "Queued", SCHEMA)
    job_id = dataset_import.queue_import(setup.ctx, setup.admin, fresh, folder)
    with setup.ctx.db.session() as sess:
        job = sess.get(Job, job_id)
        assert (job.kind, job.state, job.params["format"]) == ("import-dataset", "queued", "native")
    assert run_one(setup.ctx.db, jobs.handlers(setup.ctx))
    with setup.ctx.db.session() as sess:
        job = sess.get(Job, job_id)
        assert job.state == "done", job.error
        assert job.done == 3 and job.result["images_added"] == 3
        assert job.result["annotations_written"] == 3 and job.result["job_id"] == job_id
    assert current_bodies(setup.ctx, fresh) == expected_objects()


def test_only_managers_queue_imports(setup, tmp_path):
    folder = export_native(setup, tmp_path / "native")
    annotator = make_user(setup.ctx, "ann")
    with setup.ctx.db.session() as sess:
        project = projects.find_project(sess, setup.project_id)
        projects.set_member(sess, project, annotator, projects.ProjectRole.annotator)
    with pytest.raises(Forbidden):
        dataset_import.queue_import(setup.ctx, annotator, setup.project_id, folder)
    with pytest.raises(Invalid, match="model"):
        dataset_import.queue_import(
            setup.ctx, setup.admin, setup.project_id, folder, as_predictions="no spaces"
        )


def _zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"export/{path.relative_to(folder).as_posix()}")
    return target


def test_an_uploaded_dataset_is_removed_when_its_job_ends(setup, tmp_path):
    archive = _zipped(export_native(setup, tmp_path / "native"), tmp_path / "upload.zip")
    fresh = make_project(setup.ctx, setup.admin, "Uploaded", None)
    job_id = queue_uploaded_import(setup.ctx, setup.admin, fresh, archive)
    with setup.ctx.db.session() as sess:
        upload_dir = Path(sess.get(Job, job_id).params["upload_dir"])
    assert upload_dir.parent == setup.ctx.settings.tmp_dir.resolve() and upload_dir.is_dir()
    assert run_one(setup.ctx.db, jobs.handlers(setup.ctx))
    assert not upload_dir.exists()
    with setup.ctx.db.session() as sess:
        assert sess.get(Job, job_id).result["annotations_written"] == 3

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "dataset.jsonl").write_text('{"labelwright_dataset": 1, "schema": {}}\n[1]\n')
    job_id = queue_uploaded_import(setup.ctx, setup.admin, fresh, _zipped(bad, tmp_path / "b.zip"))
    assert run_one(setup.ctx.db, jobs.handlers(setup.ctx))
    with setup.ctx.db.session() as sess:
        job = sess.get(Job, job_id)
        assert job.state == "failed" and "line 2" in job.error
        assert not Path(job.params["upload_dir"]).exists()


def test_a_refused_upload_leaves_nothing_behind(setup, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("no dataset here")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.jsonl", "{}")
    before = set(setup.ctx.settings.tmp_dir.iterdir())
    with pytest.raises(Invalid, match="unknown format 'tiff'"):
        queue_uploaded_import(setup.ctx, setup.admin, setup.project_id, junk, fmt="tiff")
    with pytest.raises(Invalid, match=r"escape\.jsonl"):
        queue_uploaded_import(setup.ctx, setup.admin, setup.project_id, evil)
    assert set(setup.ctx.settings.tmp_dir.iterdir()) == before
    with setup.ctx.db.session() as sess:
        assert not sess.scalars(select(Job).where(Job.kind == "import-dataset")).all()


def test_a_cancelled_import_stops_between_pages(setup, tmp_path, monkeypatch):
    folder = export_native(setup, tmp_path / "native")
    fresh = make_project(setup.ctx, setup.admin, "Cancelled", SCHEMA)
    import_paths(setup.ctx, fresh, [tmp_path / "images"])  # the items exist: one pass
    monkeypatch.setattr(dataset_reading, "PAGE", 1)
    monkeypatch.setattr(dataset_import, "BEAT_SECONDS", 0)

    def cancel_at_once(done: int, _note: str) -> None:
        with setup.ctx.db.session() as sess:
            job = sess.scalars(select(Job).where(Job.kind == "import-dataset")).one()
        records.request_cancel(setup.ctx.db, job.id)

    with pytest.raises(Conflict, match="cancelled"):
        dataset_import.import_dataset(
            setup.ctx, setup.admin, fresh, folder, "native", progress=cancel_at_once
        )
    with setup.ctx.db.session() as sess:
        written = sess.scalars(select(Annotation).where(Annotation.project_id == fresh)).all()
        assert len(written) == 1  # the first page, then it stopped
        assert sess.scalars(select(Job.state).where(Job.kind == "import-dataset")).one() == (
            "cancelled"
        )


def _native(tmp_path: Path, images: list[DatasetImage], schema: LabelSchema) -> Path:
    out = tmp_path / "dataset"
    NativeFormat().write(Dataset(schema=schema, images=images), out, copy_images=False)
    return out


def test_frame_counts_come_from_the_stored_image(setup, tmp_path):
    item_id = setup.items["a.png"]
    with setup.ctx.db.session() as sess:
        image_id = sess.get(Item, item_id).image_id
        sess.execute(update(Image).where(Image.id == image_id).values(frame_count=3))

    def on_frame(frame: int) -> AnnotationDoc:
        box = BBox(x=1, y=1, w=5, h=5)
        return AnnotationDoc(
            objects=[AnnotationObject(id="f", class_id="car", shape=box, frame=frame)]
        )

    for frame, fits in ((2, True), (5, False)):
        image = DatasetImage(file_name="a.png", width=64, height=48, annotation=on_frame(frame))
        folder = _native(tmp_path / str(frame), [image], SCHEMA)  # the dataset says 1 frame
        report = dataset_import.import_dataset(
            setup.ctx, setup.admin, setup.project_id, folder, "native"
        )
        assert report["annotations_written"] == int(fits), report["problems"]
        assert report["items_skipped"] == int(not fits)


def test_a_schema_changed_during_the_import_is_checked_again(setup, tmp_path, monkeypatch):
    folder = export_native(setup, tmp_path / "native")
    target = make_project(setup.ctx, setup.admin, "Moving", SCHEMA)
    import_paths(setup.ctx, target, [tmp_path / "images"])
    car_boxes = LabelClass(id="car", name="Car", color="#ff0000", shape_kinds=["bbox"])
    original = dataset_import._DatasetImport._write

    def write_after_a_change(self, checked, version):
        with setup.ctx.db.session() as sess:  # someone narrows the schema meanwhile
            append_schema(sess, target, LabelSchema(classes=[car_boxes, PERSON]), 2, setup.admin)
        monkeypatch.setattr(dataset_import._DatasetImport, "_write", original)
        return original(self, checked, version)

    monkeypatch.setattr(dataset_import._DatasetImport, "_write", write_after_a_change)
    report = dataset_import.import_dataset(setup.ctx, setup.admin, target, folder, "native")
    assert report["annotations_written"] == 2 and report["items_skipped"] == 1
    (problem,) = [p for p in report["problems"] if p["reason"] == "invalid"]
    assert problem["file"] == "sub/b.png" and "polygon" in problem["detail"]


def test_labels_go_to_the_oldest_item_of_a_name(setup, tmp_path):
    target = make_project(setup.ctx, setup.admin, "Twins", SCHEMA)
    for seed, folder in enumerate(("first", "second")):
        write_image(tmp_path / folder / "same.png", 64, 48, seed=10 + seed)
        import_paths(setup.ctx, target, [tmp_path / folder])
    with setup.ctx.db.session() as sess:
        items = sorted(sess.scalars(select(Item.id).where(Item.project_id == target)))
    assert len(items) == 2
    box = AnnotationObject(id="x", class_id="car", shape=BBox(x=1, y=1, w=5, h=5))
    image = DatasetImage(
        file_name="same.png", width=64, height=48, annotation=AnnotationDoc(objects=[box])
    )
    dataset_import.import_dataset(
        setup.ctx, setup.admin, target, _native(tmp_path, [image], SCHEMA), "native"
    )
    with setup.ctx.db.session() as sess:
        labeled = sess.scalars(select(Annotation.item_id).where(Annotation.project_id == target))
        assert list(labeled) == [items[0]]


def test_images_without_an_item_or_a_file_are_reported(setup, tmp_path):
    box = AnnotationObject(id="x", class_id="car", shape=BBox(x=1, y=1, w=5, h=5))
    image = DatasetImage(
        file_name="ghost.png", width=64, height=48, annotation=AnnotationDoc(objects=[box])
    )
    folder = _native(tmp_path, [image], SCHEMA)
    report = dataset_import.import_dataset(setup.ctx, setup.admin, setup.project_id, folder)
    assert [p["reason"] for p in report["problems"]] == ["no_item"]
    assert report["problems"][0]["file"] == "ghost.png"


@pytest.mark.parametrize("fmt", ["coco", "yolo"])
def test_several_reading_processes_give_what_one_does(setup, tmp_path, monkeypatch, fmt):
    """A large COCO or YOLO dataset is read by several processes, each building (and for
    YOLO, reading) its share of pages."""
    folder = tmp_path / "images"
    images = []
    for number in range(7):
        name = f"n{number}.png"
        write_image(folder / name, 40, 30, seed=10 + number)
        box = AnnotationObject(
            id=f"o{number}",
            class_id="car",
            shape=BBox(x=1, y=2, w=5 + number, h=4),
            attributes={"colour": "red"},  # declared by no schema: counted by every reader
        )
        images.append(DatasetImage(name, 40, 30, AnnotationDoc(objects=[box]), path=folder / name))
    dataset = tmp_path / fmt
    find_format(fmt).write(Dataset(schema=SCHEMA, images=images), dataset)

    def imported(name: str) -> tuple[dict, dict]:
        project = make_project(setup.ctx, setup.admin, name, SCHEMA)
        report = dataset_import.import_dataset(setup.ctx, setup.admin, project, dataset, fmt)
        del report["job_id"]
        return report, current_bodies(setup.ctx, project)

    alone = imported("One reader")
    started = []
    opened = dataset_reading.ChildPages.__init__

    def counted(self, *args) -> None:
        started.append(args)
        opened(self, *args)

    monkeypatch.setattr(dataset_reading.ChildPages, "__init__", counted)
    monkeypatch.setattr(dataset_reading, "SECOND_PROCESS_BYTES", -1)
    monkeypatch.setattr(dataset_reading, "PAGE", 2)  # four pages over three readers
    monkeypatch.setattr(dataset_reading, "READERS", 3)
    shared = imported("Three readers")
    assert [args[-1] for args in started] == [3]
    assert shared == alone
    report, bodies = shared
    assert report["images_added"] == 7 and report["annotations_written"] == 7
    if fmt == "coco":  # YOLO carries no attributes
        (unknown,) = [p["detail"] for p in report["problems"] if p["reason"] == "unknown_attribute"]
        assert "'colour'" in unknown and "(7 values skipped)" in unknown
    assert sorted(bodies) == [f"n{number}.png" for number in range(7)]


def _coco_without_images(tmp_path: Path, count: int) -> Path:
    """A COCO dataset of `count` labeled images whose files it does not hold."""
    box = AnnotationObject(id="o", class_id="car", shape=BBox(x=1, y=2, w=5, h=4))
    images = [DatasetImage(f"n{k}.png", 40, 30, AnnotationDoc(objects=[box])) for k in range(count)]
    coco = tmp_path / "coco"
    CocoFormat().write(Dataset(schema=SCHEMA, images=images), coco)
    return coco


def _running(pid: int) -> bool:
    """Whether a process is still running a moment on (one ended but not yet waited for is
    not; a killed one has closed its files a moment before it is marked ended)."""
    deadline = time.monotonic() + 2
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X"):
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.01)


def _readers(tmp_path: Path, monkeypatch, count: int) -> dataset_reading.ChildPages:
    """Three reading processes (the first forks the others) over one-image pages."""
    monkeypatch.setattr(dataset_reading, "PAGE", 1)
    return dataset_reading.ChildPages("coco", _coco_without_images(tmp_path, count), None, 3)


def test_forked_readers_are_stopped_at_once_when_an_import_stops_half_way(tmp_path, monkeypatch):
    reading = _readers(tmp_path, monkeypatch, 40)
    pids = [reader.pid for reader in reading.readers]
    assert len(set(pids)) == 3 and pids[0] == reading.first.pid
    assert not any(reader.ended() for reader in reading.readers)  # all three are running
    pages = reading.pages(SCHEMA)
    assert [p.file_name for p in next(pages)] == ["n0.png"]
    started = time.monotonic()
    reading.close()  # each reader is waiting for its queue to be taken, not for requests
    assert time.monotonic() - started < dataset_reading.STOP_SECONDS
    assert not any(map(_running, pids))


def test_forked_readers_end_by_themselves_between_passes(tmp_path, monkeypatch):
    reading = _readers(tmp_path, monkeypatch, 5)
    names = [p.file_name for page in reading.pages(SCHEMA) for p in page]
    assert names == [f"n{k}.png" for k in range(5)]
    again = [p.file_name for page in reading.pages(SCHEMA, {"n3.png"}) for p in page]
    assert again == ["n3.png"]  # the forked readers serve a second pass too
    killed = []
    monkeypatch.setattr(dataset_reading.os, "kill", lambda *args: killed.append(args))
    reading.close()
    assert killed == [] and reading.first.exitcode == 0
    assert not any(_running(reader.pid) for reader in reading.readers)


@pytest.fixture(params=["dying", "gone"])
def death(request):
    """A reader killed just before the pass is asked for, or gone by then."""
    return request


def test_a_reader_that_dies_is_reported_not_waited_for(tmp_path, monkeypatch, death):
    request = death
    reading = _readers(tmp_path, monkeypatch, 40)
    os.kill(reading.readers[1].pid, signal.SIGKILL)  # a forked one
    if request.param == "gone":
        assert reading.readers[1].requests.poll(5)  # its end closed: asking it fails
    with pytest.raises(RuntimeError, match="ended unexpectedly"):
        for _page in reading.pages(SCHEMA):
            pass
    reading.close()
    assert not any(_running(reader.pid) for reader in reading.readers)


def _stored_bodies(ctx: Context, project_id: int) -> dict[str, dict]:
    """Each item's current revision body as stored, by file name."""
    with ctx.db.session(readonly=True) as sess:
        rows = sess.execute(
            select(Item.file_name, AnnotationRevision.body)
            .join(Annotation, Annotation.item_id == Item.id)
            .join(
                AnnotationRevision,
                (AnnotationRevision.annotation_id == Annotation.id)
                & (AnnotationRevision.number == Annotation.revision),
            )
            .where(Item.project_id == project_id)
        )
        return dict(rows.all())


def test_plain_images_are_stored_as_the_full_path_stores_them(any_setup, tmp_path, monkeypatch):
    """Boxes and one-ring polygons skip building models; what they store, and what is
    refused, is what the full path gives (which the other images take)."""
    setup = any_setup
    folder = tmp_path / "images"
    ring = [(2, 2), (30, 2.5), (30, 20), (2, 20)]
    crossed = [(2, 2), (30, 20), (30, 2), (2, 20)]
    shapes = {
        "plain.png": [BBox(x=1, y=2, w=5, h=4), Polygon(rings=[ring])],
        "attributes.png": [BBox(x=1, y=2, w=5, h=4)],
        "crossed.png": [BBox(x=1, y=2, w=5, h=4), Polygon(rings=[crossed])],
        "outside.png": [BBox(x=30, y=2, w=50, h=4)],
        "holes.png": [Polygon(rings=[ring, [(5, 5), (9, 5), (9, 9)]])],
        "empty.png": [],
    }
    images = []
    for number, (name, found) in enumerate(shapes.items()):
        write_image(folder / name, 40, 30, seed=40 + number)
        extra = {"attributes": {"colour": "red"}} if name == "attributes.png" else {}
        objects = [
            AnnotationObject(id=f"o{k}", class_id="car", shape=shape, **extra)
            for k, shape in enumerate(found)
        ]
        images.append(
            DatasetImage(name, 40, 30, AnnotationDoc(objects=objects), path=folder / name)
        )
    coco = tmp_path / "coco"
    CocoFormat().write(Dataset(schema=SCHEMA, images=images), coco)
    settled = []
    plain_bodies = dataset_reading.plain_bodies

    def counted(images, *args, **kwargs):
        bodies = plain_bodies(images, *args, **kwargs)
        settled.extend(body is not None for body in bodies)
        return bodies

    def imported(name: str) -> tuple[dict, dict]:
        project = make_project(setup.ctx, setup.admin, name, SCHEMA)
        report = dataset_import.import_dataset(setup.ctx, setup.admin, project, coco, "coco")
        del report["job_id"]
        return report, _stored_bodies(setup.ctx, project)

    monkeypatch.setattr(dataset_reading, "plain_bodies", counted)
    plainly = imported("Plain path")
    # plain.png and empty.png are settled; crossed.png and outside.png are left to the full
    # path, which refuses them; the others have what plain images lack. Twice: the images
    # come in through the intake after a first pass, and a second pass writes their labels.
    assert sorted(settled) == [False] * 4 + [True] * 4
    monkeypatch.setattr(
        dataset_reading, "plain_bodies", lambda images, *_a, **_k: [None] * len(images)
    )
    fully = imported("Full path")
    assert plainly == fully
    report, bodies = plainly
    assert sorted(bodies) == ["attributes.png", "empty.png", "holes.png", "plain.png"]
    assert {p["file"] for p in report["problems"] if p["reason"] == "invalid"} == {
        "crossed.png",
        "outside.png",
    }
    assert bodies["plain.png"]["objects"][1]["shape"]["rings"] == [
        [[2.0, 2.0], [30.0, 2.5], [30.0, 20.0], [2.0, 20.0]]
    ]
