"""Client batches and deliveries over HTTP, for each role; clients see only their projects'."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from datetime import timedelta

from labelwright.store.tables import Item, utcnow
from tests.api.test_access_matrix import _png


def _upload(api, who: str, **fields):
    files = [("files", (f"c{n}.png", _png(500 + n), "image/png")) for n in range(2)]
    return api.request(
        "POST", f"/api/projects/{api.project_id}/batches", who, files=files, data=fields
    )


def test_a_client_uploads_a_named_batch_and_follows_it(any_api):
    due = (utcnow().date() + timedelta(days=3)).isoformat()
    made = _upload(any_api, "client", name="April drop", note="Box every car.", due_date=due)
    assert made.status_code == 201, made.text
    batch = made.json()["batch"]
    assert (batch["name"], batch["note"], batch["due_date"]) == (
        "April drop",
        "Box every car.",
        due,
    )
    assert (batch["total"], batch["done"], batch["states"]) == (2, 0, {"new": 2})
    assert made.json()["report"]["added"] == 2
    base = f"/api/projects/{any_api.project_id}"
    listed = any_api.get(f"{base}/batch-progress", "client").json()
    assert listed[0]["name"] == "April drop" and len(listed) == 2
    own = any_api.request(
        "PATCH", f"{base}/batches/{batch['id']}", "client", json={"note": "Cars."}
    )
    assert own.status_code == 200 and own.json()["note"] == "Cars."
    refused = any_api.request("PATCH", f"{base}/batches/{batch['id']}", "annotator", json={})
    assert refused.status_code == 403


def test_bad_batch_uploads_change_nothing(any_api):
    before = any_api.get(f"/api/projects/{any_api.project_id}/batch-progress").json()
    cases = [
        ({"name": "x", "due_date": "next week"}, "YYYY-MM-DD"),
        ({"name": "x", "due_date": "2001-01-01"}, "in the past"),
        ({"name": " "}, "name the batch"),
        ({"name": "x" * 201}, "at most 200"),
    ]
    for fields, problem in cases:
        resp = _upload(any_api, "client", **fields)
        assert resp.status_code == 422 and problem in resp.json()["error"]["message"], resp.text
    assert any_api.get(f"/api/projects/{any_api.project_id}/batch-progress").json() == before


def _wait_ready(api, url: str, who: str = "manager") -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = api.get(url, who).json()
        if found["state"] != "queued":
            return found
        time.sleep(0.1)
    raise AssertionError(f"{url} stayed queued")


def test_a_delivery_is_made_in_the_background_and_downloaded_by_the_client(any_api):
    with any_api.ctx.db.session() as sess:
        item = sess.get(Item, any_api.item_id)
        item.state, batch_id = "accepted", item.batch_id
    base = f"/api/projects/{any_api.project_id}"
    body = {"format": "native", "batch_id": batch_id, "note": "first cut"}
    queued = any_api.request("POST", f"{base}/deliveries", "manager", json=body)
    assert queued.status_code == 202, queued.text
    assert (queued.json()["version"], queued.json()["state"]) == (1, "queued")
    ready = _wait_ready(any_api, f"{base}/deliveries/{queued.json()['id']}")
    assert ready["state"] == "ready", ready
    got = any_api.get(ready["download_url"], "client")
    assert got.status_code == 200 and got.headers["etag"] == f'"{ready["sha256"]}"'
    assert hashlib.sha256(got.content).hexdigest() == ready["sha256"]
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    manifest = json.loads(archive.read("delivery-manifest.json"))
    assert manifest == ready["manifest"] and manifest["delivery"]["note"] == "first cut"
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    assert any_api.get(ready["download_url"], "annotator").status_code == 403
    second = any_api.request("POST", f"{base}/deliveries", "manager", json=body)
    assert second.json()["version"] == 2
    again = any_api.request("POST", f"{base}/deliveries", "manager", json={"format": "nope"})
    assert again.status_code == 422


def test_a_client_sees_only_its_own_projects_deliveries(any_api):
    with any_api.ctx.db.session() as sess:
        sess.get(Item, any_api.item_id).state = "accepted"
    base = f"/api/projects/{any_api.project_id}"
    made = any_api.request("POST", f"{base}/deliveries", "manager", json={"format": "native"})
    ready = _wait_ready(any_api, f"{base}/deliveries/{made.json()['id']}")
    # The outsider is a member (even a manager) of another project only.
    for url in (f"{base}/deliveries", f"{base}/batch-progress", ready["download_url"]):
        assert any_api.get(url, "outsider").status_code == 404
    other = any_api.get("/api/projects", "outsider").json()[0]["id"]
    elsewhere = f"/api/projects/{other}/deliveries/{ready['id']}"
    assert any_api.get(elsewhere, "outsider").status_code == 404
    assert any_api.get(f"{elsewhere}/download", "outsider").status_code == 404
    assert [d["id"] for d in any_api.get(f"{base}/deliveries", "client").json()] == [ready["id"]]


def test_a_partial_delivery_needs_to_be_asked_for(api):
    base = f"/api/projects/{api.project_id}"
    nothing = api.request("POST", f"{base}/deliveries", "manager", json={"format": "native"})
    assert nothing.status_code == 409 and "no accepted items" in nothing.text
    _upload(api, "client", name="more")
    with api.ctx.db.session() as sess:
        sess.get(Item, api.item_id).state = "accepted"
    partial = api.request("POST", f"{base}/deliveries", "manager", json={"format": "native"})
    assert partial.status_code == 409
    assert partial.json()["error"]["details"] == {"ready": 1, "open": 2}
    body = {"format": "native", "allow_partial": True}
    assert api.request("POST", f"{base}/deliveries", "manager", json=body).status_code == 202
