"""Client batches and deliveries: progress, frozen versioned archives checked against manifests."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from labelwright.domain.roles import ProjectRole
from labelwright.formats.registry import get_format
from labelwright.services import annotations, batches, deliveries, jobs, projects, queue, users
from labelwright.services.errors import Conflict, Forbidden, Invalid
from labelwright.services.schema_edits import update_schema
from labelwright.store.tables import ActivityEvent, Annotation, Delivery, Item, utcnow
from tests.conftest import write_image

PASSWORD = "a long enough password"
SCHEMA = {
    "classes": [
        {"id": "car", "name": "Car", "color": "#e6194b", "shape_kinds": ["bbox"]},
        {"id": "bike", "name": "Bike", "color": "#3cb44b", "shape_kinds": ["bbox"]},
    ]
}


def _box(n: int, cls: str) -> dict:
    return {
        "id": f"o{n}",
        "class_id": cls,
        "shape": {"kind": "bbox", "x": 2, "y": 2, "w": 9, "h": 7},
    }


@dataclass
class Shop:
    """A project with a manager, an annotator, a reviewer and a client who sent one batch."""

    ctx: object
    people: dict
    project_id: int
    batch_id: int
    item_ids: list[int]

    def label_and_accept(self, item_id: int, classes: list[str]) -> None:
        """The annotator labels one item, submits it, and the reviewer accepts it."""
        ann, rev = self.people["ann"], self.people["rev"]
        lease = queue.next_item(self.ctx, ann, self.project_id)
        assert lease.item_id == item_id
        body = {"objects": [_box(n, c) for n, c in enumerate(classes)], "tags": {}, "relations": []}
        annotations.save(self.ctx, ann, self.project_id, item_id=item_id, body=body, expected=0)
        queue.submit(self.ctx, ann, self.project_id, lease.assignment_id)
        review_lease = queue.next_item(self.ctx, rev, self.project_id, "review")
        queue.review(self.ctx, rev, self.project_id, review_lease.assignment_id, "accept")

    def deliver(self, fmt: str = "coco", **options) -> Delivery:
        """Queue a delivery of the batch and run its job here."""
        made = deliveries.queue_delivery(
            self.ctx, self.people["boss"], self.project_id, fmt, batch_id=self.batch_id, **options
        )
        jobs.run_inline(self.ctx, made.job_id)
        with self.ctx.db.session(readonly=True) as sess:
            return sess.get(Delivery, made.id)


def make_shop(ctx, tmp_path: Path, n_items: int = 3) -> Shop:
    people = {}
    with ctx.db.session() as sess:
        for name in ("boss", "ann", "rev", "cli", "other"):
            people[name] = users.create_user(sess, name, PASSWORD)
        project = projects.create_project(sess, "shop", creator=people["boss"])
        for name, role in (("ann", "annotator"), ("rev", "reviewer"), ("cli", "client")):
            projects.set_member(sess, project, people[name], ProjectRole(role))
        project_id = project.id
    update_schema(ctx, people["boss"], project_id, SCHEMA, expected_version=0)
    files = [write_image(tmp_path / "in" / f"img{i}.png", 40, 30, seed=i) for i in range(n_items)]
    due = utcnow().date() + timedelta(days=7)
    report = batches.upload_batch(
        ctx,
        people["cli"],
        project_id,
        files,
        name="March drop",
        note="Box every car.",
        due_date=due,
    )
    ids = sorted(a["item_id"] for a in report.added)
    return Shop(ctx, people, project_id, report.batch_id, ids)


def test_a_client_batch_keeps_its_requirements_and_shows_progress(any_ctx, tmp_path):
    shop = make_shop(any_ctx, tmp_path)
    shop.label_and_accept(shop.item_ids[0], ["car"])
    with any_ctx.db.session(readonly=True) as sess:
        [found] = batches.list_progress(sess, shop.people["cli"], shop.project_id)
    assert (found.name, found.note, found.created_by) == (
        "March drop",
        "Box every car.",
        shop.people["cli"].id,
    )
    assert found.due_date == utcnow().date() + timedelta(days=7) and not found.overdue
    assert (found.total, found.done, found.states) == (3, 1, {"accepted": 1, "new": 2})


def test_batch_input_is_checked(ctx, tmp_path):
    shop = make_shop(ctx, tmp_path, n_items=1)
    cli, boss = shop.people["cli"], shop.people["boss"]
    with pytest.raises(Invalid, match="is in the past"):
        batches.upload_batch(ctx, cli, shop.project_id, [], name="x", due_date=date(2000, 1, 1))
    with pytest.raises(Invalid, match="name the batch"):
        batches.upload_batch(ctx, cli, shop.project_id, [], name="  ")
    with pytest.raises(Forbidden):
        batches.upload_batch(ctx, shop.people["ann"], shop.project_id, [], name="x")
    changed = batches.update_batch(ctx, cli, shop.project_id, shop.batch_id, note="Cars and bikes.")
    assert changed.note == "Cars and bikes." and changed.due_date is not None
    cleared = batches.update_batch(ctx, boss, shop.project_id, shop.batch_id, clear_due=True)
    assert cleared.due_date is None
    with ctx.db.session() as sess:
        projects.set_member(
            sess,
            projects.find_project(sess, shop.project_id),
            shop.people["other"],
            ProjectRole.client,
        )
    with pytest.raises(Forbidden, match="only managers and the client who sent it"):
        batches.update_batch(ctx, shop.people["other"], shop.project_id, shop.batch_id, name="y")


def test_a_delivery_waits_for_accepted_items(ctx, tmp_path):
    shop = make_shop(ctx, tmp_path)
    boss = shop.people["boss"]
    with pytest.raises(Conflict, match="no accepted items"):
        deliveries.queue_delivery(ctx, boss, shop.project_id, "coco", batch_id=shop.batch_id)
    shop.label_and_accept(shop.item_ids[0], ["car"])
    with pytest.raises(Conflict, match="2 of 3 items are not accepted yet"):
        deliveries.queue_delivery(ctx, boss, shop.project_id, "coco", batch_id=shop.batch_id)
    with pytest.raises(Invalid):
        deliveries.queue_delivery(
            ctx, boss, shop.project_id, "nope", batch_id=shop.batch_id, allow_partial=True
        )
    with pytest.raises(Forbidden):
        deliveries.queue_delivery(
            ctx, shop.people["cli"], shop.project_id, "coco", batch_id=shop.batch_id
        )
    partial = shop.deliver(allow_partial=True)
    assert partial.state == "ready" and partial.manifest["items"] == 1


def _archive(ctx, delivery: Delivery) -> zipfile.ZipFile:
    data = ctx.blobs.read_bytes(delivery.blob_key)
    assert hashlib.sha256(data).hexdigest() == delivery.sha256
    return zipfile.ZipFile(io.BytesIO(data))


def _objects_per_class(folder: Path, fmt: str) -> Counter:
    dataset = get_format(fmt).read(folder)
    names = {c.id: c.name for c in dataset.schema.classes}
    return Counter(names.get(o.class_id, o.class_id) for i in dataset for o in i.annotation.objects)


def test_a_delivery_archive_matches_its_manifest(any_ctx, tmp_path):
    shop = make_shop(any_ctx, tmp_path, n_items=4)
    labels = [["car", "car"], ["bike"], ["car"], []]
    for item_id, classes in zip(shop.item_ids, labels, strict=True):
        shop.label_and_accept(item_id, classes)
    delivery = shop.deliver("coco", split=[0.5, 0.5], seed=3)
    assert (delivery.state, delivery.version, delivery.error) == ("ready", 1, "")
    archive = _archive(any_ctx, delivery)
    manifest = json.loads(archive.read(deliveries.MANIFEST_NAME))
    assert manifest == delivery.manifest
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(archive.namelist()) - {deliveries.MANIFEST_NAME}
    for name, entry in listed.items():
        content = archive.read(name)
        assert (hashlib.sha256(content).hexdigest(), len(content)) == (
            entry["sha256"],
            entry["bytes"],
        )
    folder = tmp_path / "unpacked"
    archive.extractall(folder)
    counts = manifest["counts"]
    assert counts["per_class"] == {"Car": 3, "Bike": 1} == _objects_per_class(folder, "coco")
    assert (counts["images"], counts["objects"], sum(counts["per_split"].values())) == (4, 4, 4)
    assert manifest["delivery"]["batch"] == "March drop" and manifest["items"] == 4
    quality = manifest["quality"]
    assert (quality["review_rate"], quality["rejection_rate"], quality["agreement"]) == (
        1.0,
        0.0,
        None,
    )
    with any_ctx.db.session(readonly=True) as sess:
        states = set(sess.scalars(select(Item.state).where(Item.batch_id == shop.batch_id)))
        kinds = list(sess.scalars(select(ActivityEvent.kind).order_by(ActivityEvent.id)))
    assert states == {"delivered"}
    assert kinds[-3:] == ["batch.completed", "delivery.ready", "job.finished"]


def test_redelivery_makes_a_new_version_and_keeps_the_old(ctx, tmp_path):
    shop = make_shop(ctx, tmp_path, n_items=1)
    shop.label_and_accept(shop.item_ids[0], ["car"])
    first = shop.deliver("yolo")
    # A fix after delivery: the manager relabels, then delivers again.
    with ctx.db.session(readonly=True) as sess:
        [mine] = annotations_of(sess, shop.item_ids[0])
    body = {"objects": [_box(0, "bike")], "tags": {}, "relations": []}
    annotations.save(
        ctx, shop.people["boss"], shop.project_id, annotation_id=mine, body=body, expected=1
    )
    second = shop.deliver("yolo")
    assert (first.version, second.version) == (1, 2) and first.sha256 != second.sha256
    assert first.manifest["counts"]["per_class"] == {"Car": 1}
    assert second.manifest["counts"]["per_class"] == {"Bike": 1}
    _archive(ctx, first)  # the first version is still there, unchanged
    with ctx.db.session(readonly=True) as sess:
        listed = deliveries.list_deliveries(sess, shop.people["cli"], shop.project_id)
    assert [d.version for d in listed] == [2, 1]


def annotations_of(sess, item_id: int) -> list[int]:
    """The ids of an item's annotations."""
    return list(sess.scalars(select(Annotation.id).where(Annotation.item_id == item_id)))


def test_a_failing_delivery_says_why(ctx, tmp_path, monkeypatch):
    shop = make_shop(ctx, tmp_path, n_items=1)
    shop.label_and_accept(shop.item_ids[0], ["car"])

    def broken(*_args, **_kwargs):
        raise ValueError("disk full")

    monkeypatch.setattr(deliveries, "_zip", broken)
    failed = shop.deliver("coco")
    assert (failed.state, failed.error) == ("failed", "disk full")
    with ctx.db.session(readonly=True) as sess:
        assert set(sess.scalars(select(Item.state))) == {"accepted"}
