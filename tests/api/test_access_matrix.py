"""Every endpoint, called by every role and by outsiders: access exactly where it is due."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from labelwright.domain.roles import ProjectRole
from labelwright.domain.schema import LabelSchema
from labelwright.formats.dataset import Dataset
from labelwright.formats.registry import get_format
from labelwright.services import projects, users
from labelwright.services.embeddings import encode_vector
from labelwright.services.labelschema import append_schema
from labelwright.store.tables import (
    Annotation,
    AnnotationRevision,
    Assignment,
    Batch,
    Delivery,
    GoldAnswer,
    GuidelineImage,
    Item,
    ItemEmbedding,
    Job,
    Prediction,
    ReviewComment,
    Webhook,
    utcnow,
)
from labelwright.store.tables import Image as ImageRow
from tests.api.conftest import PASSWORD, ROLES

EVERYONE = {"admin", *ROLES}
SIGNED_IN = {*EVERYONE, "outsider"}
ADMIN = {"admin"}
MANAGERS = {"admin", "manager"}
UPLOADERS = {"admin", "manager", "client"}
# The work queue: annotate leases for managers and annotators, review leases for managers and
# reviewers; each person acts only on their own lease.
LEASE_ANNOTATORS = {"admin", "manager", "annotator"}
LEASE_REVIEWERS = {"admin", "manager", "reviewer"}
QUEUE_WORKERS = LEASE_ANNOTATORS | LEASE_REVIEWERS
# Annotations: everyone who labels or checks labels; clients only see progress and deliveries.
LABELERS = {"admin", "manager", "annotator", "reviewer"}
EMPTY = {"objects": [], "tags": {}, "relations": []}

# (method, path) -> who may call it. Any new endpoint must be added here.
POLICY: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/health"): {*SIGNED_IN, "anon"},
    ("POST", "/api/auth/login"): {*SIGNED_IN, "anon"},
    ("POST", "/api/auth/logout"): SIGNED_IN,
    ("GET", "/api/auth/me"): SIGNED_IN,
    ("GET", "/api/tokens"): SIGNED_IN,
    ("POST", "/api/tokens"): SIGNED_IN,
    ("DELETE", "/api/tokens/{token_id}"): SIGNED_IN,
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("PATCH", "/api/users/{user_id}"): ADMIN,
    ("GET", "/api/projects"): SIGNED_IN,
    ("POST", "/api/projects"): ADMIN,
    ("GET", "/api/projects/{project_id}"): EVERYONE,
    ("PATCH", "/api/projects/{project_id}"): MANAGERS,
    ("DELETE", "/api/projects/{project_id}"): ADMIN,
    ("GET", "/api/projects/{project_id}/members"): EVERYONE,
    ("PUT", "/api/projects/{project_id}/members/{user_ref}"): MANAGERS,
    ("DELETE", "/api/projects/{project_id}/members/{user_ref}"): MANAGERS,
    ("GET", "/api/projects/{project_id}/items"): EVERYONE,
    ("GET", "/api/projects/{project_id}/items/{item_id}"): EVERYONE,
    ("GET", "/api/projects/{project_id}/items/{item_id}/image"): EVERYONE,
    ("GET", "/api/projects/{project_id}/items/{item_id}/thumbnail"): EVERYONE,
    ("GET", "/api/projects/{project_id}/items/{item_id}/display"): EVERYONE,
    ("GET", "/api/projects/{project_id}/items/{item_id}/frames/{frame}"): EVERYONE,
    ("GET", "/api/projects/{project_id}/batches"): EVERYONE,
    ("GET", "/api/projects/{project_id}/stats"): EVERYONE,
    ("GET", "/api/projects/{project_id}/jobs/{job_id}"): EVERYONE,
    ("GET", "/api/projects/{project_id}/jobs"): EVERYONE,
    ("GET", "/api/projects/{project_id}/items/{item_id}/comments"): LABELERS,
    ("POST", "/api/projects/{project_id}/items/{item_id}/comments"): LABELERS,
    ("PATCH", "/api/projects/{project_id}/comments/{comment_id}"): LABELERS,
    ("GET", "/api/projects/{project_id}/items/{item_id}/reviews"): LABELERS,
    ("GET", "/api/projects/{project_id}/gold"): MANAGERS,
    ("GET", "/api/models"): SIGNED_IN,
    ("POST", "/api/projects/{project_id}/synthesis"): MANAGERS,
    ("GET", "/api/projects/{project_id}/quality/report"): {"admin", "manager", "reviewer"},
    ("GET", "/api/projects/{project_id}/quality/findings"): {"admin", "manager", "reviewer"},
    ("GET", "/api/projects/{project_id}/quality/tag-consensus"): {"admin", "manager", "reviewer"},
    ("POST", "/api/projects/{project_id}/quality/tag-consensus"): MANAGERS,
    ("POST", "/api/projects/{project_id}/prelabel"): MANAGERS,
    ("POST", "/api/projects/{project_id}/embeddings"): MANAGERS,
    ("GET", "/api/projects/{project_id}/items/{item_id}/similar"): EVERYONE,
    ("GET", "/api/projects/{project_id}/duplicates"): {"admin", "manager", "reviewer"},
    ("POST", "/api/projects/{project_id}/items/{item_id}/segment"): LABELERS,
    ("POST", "/api/projects/{project_id}/items/{item_id}/predict"): LABELERS,
    ("POST", "/api/projects/{project_id}/items/{item_id}/find-similar"): MANAGERS,
    ("PUT", "/api/projects/{project_id}/items/{item_id}/gold"): MANAGERS,
    ("DELETE", "/api/projects/{project_id}/items/{item_id}/gold"): MANAGERS,
    ("POST", "/api/projects/{project_id}/jobs/{job_id}/cancel"): MANAGERS,
    ("POST", "/api/projects/{project_id}/uploads"): UPLOADERS,
    ("PUT", "/api/projects/{project_id}/uploads/{file_name}"): UPLOADERS,
    ("POST", "/api/projects/{project_id}/queue/next"): QUEUE_WORKERS,
    ("POST", "/api/projects/{project_id}/assignments/{assignment_id}/heartbeat"): QUEUE_WORKERS,
    ("POST", "/api/projects/{project_id}/assignments/{assignment_id}/skip"): QUEUE_WORKERS,
    ("POST", "/api/projects/{project_id}/assignments/{assignment_id}/release"): QUEUE_WORKERS,
    ("POST", "/api/projects/{project_id}/assignments/{assignment_id}/submit"): LEASE_ANNOTATORS,
    ("POST", "/api/projects/{project_id}/assignments/{assignment_id}/review"): LEASE_REVIEWERS,
    ("GET", "/api/projects/{project_id}/schema"): EVERYONE,
    ("PUT", "/api/projects/{project_id}/schema"): MANAGERS,
    ("GET", "/api/projects/{project_id}/guidelines"): EVERYONE,
    ("PUT", "/api/projects/{project_id}/guidelines"): MANAGERS,
    ("POST", "/api/projects/{project_id}/guidelines/images"): MANAGERS,
    ("GET", "/api/projects/{project_id}/guidelines/images/{sha256}"): EVERYONE,
    ("GET", "/api/projects/{project_id}/items/{item_id}/annotations"): LABELERS,
    ("GET", "/api/projects/{project_id}/items/{item_id}/annotation"): LABELERS,
    ("PUT", "/api/projects/{project_id}/items/{item_id}/annotation"): LABELERS,
    ("GET", "/api/projects/{project_id}/annotations/{annotation_id}"): LABELERS,
    ("PUT", "/api/projects/{project_id}/annotations/{annotation_id}"): LABELERS,
    ("GET", "/api/projects/{project_id}/annotations/{annotation_id}/revisions"): LABELERS,
    ("GET", "/api/projects/{project_id}/annotations/{annotation_id}/revisions/{number}"): LABELERS,
    (
        "POST",
        "/api/projects/{project_id}/annotations/{annotation_id}/revisions/{number}/restore",
    ): LABELERS,
    ("GET", "/api/projects/{project_id}/items/{item_id}/predictions"): LABELERS,
    ("POST", "/api/projects/{project_id}/items/{item_id}/predictions"): MANAGERS,
    ("POST", "/api/projects/{project_id}/predictions/{prediction_id}/accept"): LABELERS,
    ("GET", "/api/projects/{project_id}/formats"): EVERYONE,
    ("POST", "/api/projects/{project_id}/exports"): MANAGERS,
    ("POST", "/api/projects/{project_id}/imports"): MANAGERS,
    # Clients receive deliveries, so they may fetch a finished export.
    ("GET", "/api/projects/{project_id}/exports/{job_id}/download"): UPLOADERS,
    # Client batches and deliveries; a client edits only the batches it sent itself.
    ("POST", "/api/projects/{project_id}/batches"): UPLOADERS,
    ("GET", "/api/projects/{project_id}/batch-progress"): EVERYONE,
    ("GET", "/api/projects/{project_id}/batches/{batch_id}"): EVERYONE,
    ("PATCH", "/api/projects/{project_id}/batches/{batch_id}"): MANAGERS,
    ("POST", "/api/projects/{project_id}/deliveries"): MANAGERS,
    ("GET", "/api/projects/{project_id}/deliveries"): EVERYONE,
    ("GET", "/api/projects/{project_id}/deliveries/{delivery_id}"): EVERYONE,
    ("GET", "/api/projects/{project_id}/deliveries/{delivery_id}/download"): UPLOADERS,
    ("GET", "/api/projects/{project_id}/activity"): EVERYONE,
    ("GET", "/api/projects/{project_id}/activity/stream"): EVERYONE,
    ("GET", "/api/projects/{project_id}/webhooks"): MANAGERS,
    ("POST", "/api/projects/{project_id}/webhooks"): MANAGERS,
    ("PATCH", "/api/projects/{project_id}/webhooks/{webhook_id}"): MANAGERS,
    ("DELETE", "/api/projects/{project_id}/webhooks/{webhook_id}"): MANAGERS,
    ("GET", "/api/projects/{project_id}/webhooks/{webhook_id}/deliveries"): MANAGERS,
    ("GET", "/api/inbox"): SIGNED_IN,
    ("POST", "/api/inbox/read"): SIGNED_IN,
}
# Endpoints outside any project: a non-admin is refused with 403; project ones answer 404.
PROJECT_SCOPED = "/api/projects/{project_id}"


def _png(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8 + seed % 50, 8), (seed % 256, 40, 90)).save(buf, "PNG")
    return buf.getvalue()


def _routes(app) -> list[tuple[str, str]]:
    # The OpenAPI document lists every operation the app serves, however routers nest.
    paths = app.openapi()["paths"]
    return [(method.upper(), path) for path, ops in paths.items() for method in ops]


def test_policy_names_every_endpoint(api):
    assert set(_routes(api.client.app)) == set(POLICY)


class Targets:
    """Fresh things to act on for one request, so destructive calls never disturb others."""

    def __init__(self, api, who: str, n: int) -> None:
        with api.ctx.db.session() as sess:
            creator = users.get_user(sess, api.user_ids["admin"])
            project = projects.create_project(sess, f"target-{who}-{n}", creator=creator)
            for role in ROLES:
                projects.set_member(
                    sess, project, users.get_user(sess, api.user_ids[role]), ProjectRole(role)
                )
            base_item = sess.get(Item, api.item_id)
            batch = Batch(project_id=project.id, name="b")
            job = Job(project_id=project.id, kind="import", state="done")
            sess.add_all([batch, job])
            sess.flush()
            item = Item(
                project_id=project.id,
                image_id=base_item.image_id,
                batch_id=batch.id,
                file_name="x.png",
                state="new",
            )
            sess.add(item)
            victim = users.create_user(sess, f"victim-{who}-{n}", PASSWORD)
            projects.set_member(sess, project, victim, ProjectRole.annotator)
            sess.flush()
            caller_id = api.user_ids.get(who, api.user_ids["admin"])
            token_secret = users.issue_token(sess, users.get_user(sess, caller_id), kind="api")
            token = users.list_api_tokens(sess, users.get_user(sess, caller_id))[-1]
            # The caller's own lease on the item; _queue_args fits its kind to the endpoint.
            lease = Assignment(
                project_id=project.id,
                item_id=item.id,
                user_id=caller_id,
                kind="annotate",
                status="active",
                expires_at=utcnow() + timedelta(hours=1),
            )
            sess.add(lease)
            # The caller's own annotation of the item at revision 1, and a model's prediction.
            annotation = Annotation(
                project_id=project.id, item_id=item.id, user_id=caller_id, revision=1
            )
            sess.add(annotation)
            sess.flush()
            sess.add(
                AnnotationRevision(
                    annotation_id=annotation.id, number=1, body=EMPTY, object_count=0
                )
            )
            prediction = Prediction(
                project_id=project.id,
                item_id=item.id,
                model="m",
                run="r",
                body=EMPTY,
                object_count=0,
            )
            sess.add(prediction)
            comment = ReviewComment(
                project_id=project.id, item_id=item.id, author_id=caller_id, body="look", anchor={}
            )
            sess.add(comment)
            hook = Webhook(project_id=project.id, url="https://8.8.8.8/h", events=[], secret="s")
            delivery = Delivery(
                project_id=project.id, batch_id=batch.id, version=1, format="native"
            )
            delivery.state, delivery.blob_key = "ready", f"delivery/{who}-{n}.zip"
            sess.add_all([hook, delivery])
            image = sess.get(ImageRow, base_item.image_id)
            sess.add(
                GuidelineImage(
                    project_id=project.id,
                    sha256=image.sha256,
                    ext=image.format,
                    mime=image.mime,
                    blob_key=image.blob_key,
                )
            )
            sess.flush()
            self.values = {
                "project_id": project.id,
                "item_id": item.id,
                "job_id": job.id,
                "user_ref": str(victim.id),
                "user_id": victim.id,
                "token_id": token.id,
                "frame": 0,
                "file_name": f"up-{who}-{n}.png",
                "assignment_id": lease.id,
                "annotation_id": annotation.id,
                "number": 1,
                "prediction_id": prediction.id,
                "comment_id": comment.id,
                "sha256": image.sha256,
                "batch_id": batch.id,
                "delivery_id": delivery.id,
                "webhook_id": hook.id,
            }
            self.db = api.ctx.db
            self.blobs = api.ctx.blobs
            self.exports = api.ctx.settings.data_dir / "exports"
            self.token_secret = token_secret
            self.who, self.n = who, n

    def request_args(self, method: str, path: str) -> dict:
        """The body each endpoint needs to succeed when allowed."""
        if path == "/api/auth/login":
            return {
                "json": {
                    "username": self.who if self.who != "anon" else "admin",
                    "password": PASSWORD,
                }
            }
        if path == "/api/tokens" and method == "POST":
            return {"json": {"name": "t"}}
        if path == "/api/users" and method == "POST":
            return {"json": {"username": f"new-{self.who}-{self.n}", "password": PASSWORD}}
        if path == "/api/users/{user_id}":
            return {"json": {"display_name": "Renamed"}}
        if path == "/api/projects" and method == "POST":
            return {"json": {"name": f"created-{self.who}-{self.n}"}}
        if path == "/api/projects/{project_id}" and method == "PATCH":
            return {"json": {"description": "changed"}}
        if path.endswith("/members/{user_ref}") and method == "PUT":
            return {"json": {"role": "reviewer"}}
        if path.endswith("/uploads") and method == "POST":
            return {"files": [("files", (f"m-{self.who}.png", _png(self.n), "image/png"))]}
        if path.endswith("/uploads/{file_name}"):
            return {"content": _png(self.n + 1000)}
        if path.endswith("/queue/next") or "/assignments/{assignment_id}/" in path:
            return self._queue_args(path)
        if path.endswith("/imports"):
            return {"files": {"file": ("dataset.jsonl", _empty_native_dataset())}}
        if "/batches" in path or "/deliveries" in path or "/webhooks" in path or "/inbox" in path:
            return self._operations_args(method, path)
        if path.endswith("/activity/stream"):
            return {"params": {"max_seconds": 0.2}}
        if path.endswith("/exports"):
            return {"json": {"format": "native"}}
        if path.endswith("/download"):
            return self._finished_export()
        if path.endswith("/comments") and method == "POST":
            return {
                "json": {
                    "body": "check the left wheel",
                    "anchor": {"kind": "point", "x": 1, "y": 2},
                }
            }
        if path.endswith("/comments/{comment_id}"):
            return {"json": {"status": "resolved"}}
        if path.endswith("/gold") and method == "PUT":
            return {"json": {"body": EMPTY}}
        if path.endswith("/gold") and method == "DELETE":
            with self.db.session() as sess:
                sess.merge(
                    GoldAnswer(
                        item_id=self.values["item_id"],
                        project_id=self.values["project_id"],
                        body=EMPTY,
                    )
                )
            return {}
        if path.endswith("/synthesis"):
            recipe = {
                "name": "m",
                "image": {"width": 32, "height": 24},
                "objects": [{"class": "Box", "primitive": {"type": "box"}}],
            }
            return {"json": {"recipe": recipe, "count": 1}}
        if path.endswith("/prelabel"):
            return {"json": {"model": "haar-faces", "executor": "inline"}}
        if path.endswith("/embeddings"):
            return {"json": {"model": "imagenet-mobilenet-v2", "executor": "inline"}}
        if path.endswith("/similar"):
            with self.db.session() as sess:  # search needs the item's own embedding
                sess.add(
                    ItemEmbedding(
                        item_id=self.values["item_id"],
                        model="imagenet-mobilenet-v2",
                        project_id=self.values["project_id"],
                        dim=2,
                        vector=encode_vector(np.array([0.6, 0.8])),
                    )
                )
            return {}
        if path.endswith("/segment"):
            return {"json": {"model": "grabcut", "box": {"x": 4, "y": 4, "w": 30, "h": 20}}}
        if path.endswith("/find-similar"):
            with self.db.session() as sess:  # a class for the look-alikes
                schema = LabelSchema(
                    classes=[{"id": "c", "name": "C", "color": "#112233", "shape_kinds": ["bbox"]}]
                )
                append_schema(sess, self.values["project_id"], schema, 1, None)
            return {"json": {"box": {"x": 2, "y": 2, "w": 20, "h": 16}, "class_id": "c"}}
        if path.endswith("/predict"):
            return {"json": {"model": "haar-faces"}}
        if path.endswith("/cancel"):
            with self.db.session() as sess:  # a queued job of a kind no runner picks up
                sess.get(Job, self.values["job_id"]).state = "queued"
            return {}
        return self._annotation_args(method, path)

    def _annotation_args(self, method: str, path: str) -> dict:
        """Bodies and If-Match headers for schema, guidelines, annotations and predictions."""
        if method == "GET":
            return {}
        if path.endswith("/schema"):
            return {"json": {"schema": {"classes": []}}, "headers": {"If-Match": '"rev-0"'}}
        if path.endswith("/guidelines"):
            return {"json": {"text": "Box every car."}}
        if path.endswith("/guidelines/images"):
            return {"files": {"file": ("guide.png", _png(self.n + 2000))}}
        if path.endswith("/items/{item_id}/predictions"):
            return {"json": {"model": "m", "run": f"r{self.n}", "body": EMPTY}}
        if path.endswith("/accept"):
            return {"json": {"min_score": 0.5}, "headers": {"If-Match": '"rev-1"'}}
        if path.endswith("/annotation") or path.endswith("{annotation_id}"):
            return {"json": EMPTY, "headers": {"If-Match": '"rev-1"'}}
        if path.endswith("/restore"):
            return {"headers": {"If-Match": '"rev-1"'}}
        return {}

    def _operations_args(self, method: str, path: str) -> dict:
        """Bodies for batches, deliveries, webhooks and the inbox."""
        if path.endswith("/batches") and method == "POST":
            return {
                "files": [("files", (f"b-{self.who}.png", _png(self.n + 3000), "image/png"))],
                "data": {"name": "drop", "note": "box cars"},
            }
        if path.endswith("/batches/{batch_id}") and method == "PATCH":
            return {"json": {"note": "box cars and bikes"}}
        if path.endswith("/deliveries") and method == "POST":
            with self.db.session() as sess:  # something accepted to deliver
                sess.get(Item, self.values["item_id"]).state = "accepted"
            return {"json": {"format": "native", "batch_id": self.values["batch_id"]}}
        if path.endswith("/download"):
            with self.db.session(readonly=True) as sess:
                key = sess.get(Delivery, self.values["delivery_id"]).blob_key
            self.blobs.put_bytes(b"PK\x05\x06" + bytes(18), key)
            return {}
        if path.endswith("/webhooks") and method == "POST":
            return {"json": {"url": "https://8.8.8.8/hook", "events": ["item.submitted"]}}
        if path.endswith("/webhooks/{webhook_id}") and method == "PATCH":
            return {"json": {"active": False}}
        if path.endswith("/inbox/read"):
            return {"json": {}}
        return {}

    def _finished_export(self) -> dict:
        """Make the target job a finished export with its zip in place."""
        with self.db.session() as sess:
            sess.get(Job, self.values["job_id"]).kind = "export"
        self.exports.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(self.exports / f"{self.values['job_id']}.zip", "w") as archive:
            archive.writestr("manifest.json", "{}")
        return {}

    def _queue_args(self, path: str) -> dict:
        """Fit the caller's lease to the endpoint: reviewers and /review act on a review lease."""
        review = self.who == "reviewer" or path.endswith("/review")
        with self.db.session() as sess:
            lease = sess.get(Assignment, self.values["assignment_id"])
            lease.kind = "review" if review else "annotate"
            sess.get(Item, lease.item_id).state = "in_review" if review else "annotating"
        if path.endswith("/queue/next"):
            return {"params": {"kind": "review" if review else "annotate"}}
        if path.endswith("/skip"):
            return {"json": {"reason": "cannot tell what it shows"}}
        if path.endswith("/review"):
            return {"json": {"decision": "accept", "comment": "fine"}}
        return {}


def _empty_native_dataset() -> bytes:
    """A valid native dataset with no images (the smallest import that succeeds)."""
    with tempfile.TemporaryDirectory() as tmp:
        get_format("native").write(Dataset(schema=LabelSchema(), images=[]), Path(tmp))
        return (Path(tmp) / "dataset.jsonl").read_bytes()


def _expected_denial(who: str, path: str) -> int:
    if who == "anon":
        return 401
    if who == "outsider" and path.startswith(PROJECT_SCOPED):
        return 404
    return 403


@pytest.mark.parametrize(
    "who", ["anon", "outsider", "client", "reviewer", "annotator", "manager", "admin"]
)
def test_every_endpoint_for_every_caller(api, who):
    failures = []
    for n, (method, path) in enumerate(sorted(POLICY)):
        targets = Targets(api, who, n)
        url = path.format(**targets.values)
        headers = api.as_(who)
        if path == "/api/tokens/{token_id}" and who != "anon":
            headers = {"Authorization": f"Bearer {targets.token_secret}"}
        api.client.cookies.clear()  # a sign-in earlier in the loop must not authenticate this call
        args = targets.request_args(method, path)
        headers = {**headers, **args.pop("headers", {})}
        resp = api.client.request(method, url, headers=headers, **args)
        allowed = who in POLICY[(method, path)]
        if allowed and not 200 <= resp.status_code < 300:
            failures.append(
                f"{who} {method} {path}: expected success, got {resp.status_code} {resp.text[:200]}"
            )
        if not allowed and resp.status_code != _expected_denial(who, path):
            failures.append(
                f"{who} {method} {path}: expected {_expected_denial(who, path)}, "
                f"got {resp.status_code} {resp.text[:200]}"
            )
        if resp.status_code >= 500:
            failures.append(f"{who} {method} {path}: server error")
    assert not failures, "\n".join(failures)


def test_outsider_cannot_reach_items_through_their_own_project(api):
    # An item of project A asked for under project B (where the caller is manager) is not found.
    with api.ctx.db.session() as sess:
        other = projects.find_project(sess, "Other")
    resp = api.get(f"/api/projects/{other.id}/items/{api.item_id}/image", "outsider")
    assert resp.status_code == 404
