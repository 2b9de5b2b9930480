"""Exports over HTTP: a zip of the project in a format, who may make and fetch it, formats."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from starlette.routing import Mount

from labelwright.api.routers import datasets as datasets_router
from labelwright.services import annotations, users
from labelwright.services.labelschema import append_schema
from tests.services.test_datasets import SCHEMA, box

URL = "/api/projects/{}"


@pytest.fixture
def dapi(api):
    """The API with the datasets router (included here until app.py registers it)."""
    app = api.client.app
    paths = {getattr(route, "path", "") for route in app.routes}
    if "/api/projects/{project_id}/exports" not in paths:
        app.include_router(datasets_router.router)
        # the web app is mounted at "/" and would answer first: keep mounts last
        mounts = [r for r in app.router.routes if isinstance(r, Mount)]
        app.router.routes[:] = [r for r in app.router.routes if r not in mounts] + mounts
        app.openapi_schema = None
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
    assert resp.status_code == 201, resp.text
    job = resp.json()
    assert job["kind"] == "export" and job["state"] == "done"
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
    assert resp.status_code == 201, resp.text
    manifest = resp.json()["result"]["manifest"]
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
    made = dapi.request("POST", base + "/exports", json={"format": "native"}).json()
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
