"""Exports over HTTP: a zip of the project in a format, who may make and fetch it, formats."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from labelwright.services import annotations, projects, users
from labelwright.services.labelschema import append_schema
from tests.services.test_datasets import SCHEMA, box

URL = "/api/projects/{}"
ACTIVE = ("queued", "running", "done")


def finished(
    api, job: dict, who: str = "manager", timeout: float = 20.0, project_id: int | None = None
) -> dict:
    """Poll a queued job until it ends (the app's own job runner does the work)."""
    deadline = time.monotonic() + timeout
    url = f"{URL.format(project_id or api.project_id)}/jobs/{job['id']}"
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job still {job['state']}: {job}"
        time.sleep(0.05)
        job = api.get(url, who).json()
    return job


@pytest.fixture
def dapi(api):
    """The API with a schema and one saved annotation in the main project."""
    with api.ctx.db.session() as sess:
        admin = users.get_user(sess, api.user_ids["admin"])
        append_schema(sess, api.project_id, SCHEMA, 1, admin)
    body = {"objects": [box("o1", "car", 2, 3), box("o2", "person", 20, 10)]}
    annotations.save(api.ctx, admin, api.project_id, item_id=api.item_id, body=body, expected=0)
    return api


def test_formats_are_listed_for_members(dapi):
    resp = dapi.get(URL.format(dapi.project_id) + "/formats", "annotator")
    assert resp.status_code == 200 and {"coco", "native", "yolo"} <= set(resp.json())
    assert dapi.get(URL.format(dapi.project_id) + "/formats", "outsider").status_code == 404


def test_export_then_download_a_valid_zip(dapi):
    base = URL.format(dapi.project_id)
    resp = dapi.request("POST", base + "/exports", "manager", json={"format": "coco"})
    assert resp.status_code == 202, resp.text
    assert resp.json()["state"] in ("queued", "running", "done")
    job = finished(dapi, resp.json())
    assert job["kind"] == "export" and job["state"] == "done", job
    assert job["done"] == job["total"] == 1
    assert job["result"]["manifest"]["per_class"] == {"Car": 1, "Person": 1}
    for who in ("manager", "client", "admin"):
        got = dapi.get(f"{base}/exports/{job['id']}/download", who)
        assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        names = archive.namelist()
        assert "annotations/instances.json" in names and "images/first.png" in names
        coco = json.loads(archive.read("annotations/instances.json"))
    assert len(coco["annotations"]) == 2 and coco["images"][0]["file_name"] == "first.png"
    assert not (dapi.ctx.settings.data_dir / "exports" / str(job["id"])).exists()


def test_export_with_split_and_filters(dapi):
    body = {"format": "native", "split": [1, 0], "classes": ["Car"], "states": ["annotating"]}
    resp = dapi.request("POST", URL.format(dapi.project_id) + "/exports", json=body)
    assert resp.status_code == 202, resp.text
    manifest = finished(dapi, resp.json())["result"]["manifest"]
    assert manifest["per_class"] == {"Car": 1} and manifest["per_split"] == {"train": 1}


def test_roles_and_bad_requests(dapi):
    base = URL.format(dapi.project_id)
    for who, status in (("annotator", 403), ("client", 403), ("outsider", 404), ("anon", 401)):
        resp = dapi.request("POST", base + "/exports", who, json={"format": "coco"})
        assert resp.status_code == status, (who, resp.text)
    unknown = dapi.request("POST", base + "/exports", json={"format": "tiff"})
    assert unknown.status_code == 422 and "available" in unknown.json()["error"]["message"]
    bad_state = dapi.request("POST", base + "/exports", json={"format": "coco", "states": ["x"]})
    assert bad_state.status_code == 422
    made = finished(dapi, dapi.request("POST", base + "/exports", json={"format": "native"}).json())
    download = f"{base}/exports/{made['id']}/download"
    assert dapi.get(download, "annotator").status_code == 403
    assert dapi.get(download, "outsider").status_code == 404
    assert dapi.get(f"{base}/exports/{unknown_job(dapi)}/download").status_code == 404


def unknown_job(api) -> int:
    """The id of a job that is not an export (the import job of the fixture's image)."""
    from sqlalchemy import select

    from labelwright.store.tables import Job

    with api.ctx.db.session() as sess:
        return sess.scalar(select(Job.id).where(Job.kind == "import"))


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def test_exported_zip_imports_into_another_project(dapi):
    base = URL.format(dapi.project_id)
    job = finished(dapi, dapi.request("POST", base + "/exports", json={"format": "native"}).json())
    archive = dapi.get(f"{base}/exports/{job['id']}/download", "manager").content
    with dapi.ctx.db.session() as sess:
        admin = users.get_user(sess, dapi.user_ids["admin"])
        target = projects.create_project(sess, "Copy", creator=admin).id
    resp = dapi.request(
        "POST", URL.format(target) + "/imports", files={"file": ("export.zip", archive)}
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["kind"] == "import-dataset" and resp.json()["state"] in ACTIVE
    done = finished(dapi, resp.json(), "admin", project_id=target)
    assert done["state"] == "done", done
    report = done["result"]
    assert report["images_added"] == 1 and report["annotations_written"] == 1
    assert report["job_id"] == done["id"] and done["done"] == 1
    item = dapi.get(URL.format(target) + "/items").json()["items"][0]
    mine = dapi.get(URL.format(target) + f"/items/{item['id']}/annotation").json()
    assert sorted(o["id"] for o in mine["body"]["objects"]) == ["o1", "o2"]
    as_model = dapi.request(
        "POST",
        URL.format(target) + "/imports",
        files={"file": ("export.zip", archive)},
        data={"as_predictions": "teacher"},
    )
    assert as_model.status_code == 202
    predicted = finished(dapi, as_model.json(), "admin", project_id=target)
    assert predicted["result"]["predictions_written"] == 1
    assert not any(dapi.ctx.settings.tmp_dir.iterdir())  # the uploads were removed


def test_unsafe_or_unreadable_dataset_uploads_are_refused(dapi):
    base = URL.format(dapi.project_id)
    evil = _zip({"../escape.jsonl": b"{}", "dataset.jsonl": b"{}"})
    resp = dapi.request("POST", base + "/imports", files={"file": ("evil.zip", evil)})
    assert resp.status_code == 422 and "escape.jsonl" in resp.json()["error"]["message"]
    unknown = dapi.request(
        "POST", base + "/imports", files={"file": ("d.zip", evil)}, data={"format": "tiff"}
    )
    assert unknown.status_code == 422 and "unknown format" in unknown.json()["error"]["message"]
    bad_model = dapi.request(
        "POST",
        base + "/imports",
        files={"file": ("x.json", b"{}")},
        data={"as_predictions": "no spaces"},
    )
    assert bad_model.status_code == 422
    junk = dapi.request("POST", base + "/imports", files={"file": ("x.json", b"not json")})
    assert junk.status_code == 202, junk.text  # it looks like COCO: its reading fails later
    failed = finished(dapi, junk.json())
    assert failed["state"] == "failed" and "x.json" in failed["error"]
    for who, status in (("annotator", 403), ("outsider", 404)):
        denied = dapi.request("POST", base + "/imports", who, files={"file": ("d.zip", evil)})
        assert denied.status_code == status
    assert not any(dapi.ctx.settings.tmp_dir.iterdir())
