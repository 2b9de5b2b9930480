"""Uploads, item listing and image serving over the API."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

from tests.conftest import photo_like


def _jpeg(seed: int, size=(80, 60)) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(photo_like(*size, seed=seed)).save(buf, "JPEG")
    return buf.getvalue()


def _gif(frames: int = 4) -> bytes:
    buf = io.BytesIO()
    imgs = [Image.new("RGB", (20, 10), (i * 40, 0, 0)) for i in range(frames)]
    imgs[0].save(buf, "GIF", save_all=True, append_images=imgs[1:], duration=50)
    return buf.getvalue()


def _upload(api, files, who="client", batch=""):
    data = {"batch": batch} if batch else {}
    return api.request(
        "POST",
        f"/api/projects/{api.project_id}/uploads",
        who,
        files=[("files", f) for f in files],
        data=data,
    )


def test_upload_reports_each_file(any_api):
    files = [
        ("a.jpg", _jpeg(1), "image/jpeg"),
        ("a-copy.jpg", _jpeg(1), "image/jpeg"),
        ("b.jpg", _jpeg(2), "image/jpeg"),
        ("evil.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("empty.png", b"", "image/png"),
        ("cut.jpg", _jpeg(3)[:400], "image/jpeg"),
    ]
    resp = _upload(any_api, files, batch="first delivery")
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["added"] == 2 and body["duplicates"] == 1 and body["rejected"] == 3
    reasons = {r["name"]: r["reason"] for r in body["rejected_files"]}
    assert reasons == {"evil.jpg": "not_an_image", "empty.png": "empty", "cut.jpg": "truncated"}
    assert all(r["detail"] for r in body["rejected_files"])
    again = _upload(any_api, [("renamed.jpg", _jpeg(2), "image/jpeg")]).json()
    assert again["duplicates"] == 1 and again["added"] == 0
    batches = any_api.get(f"/api/projects/{any_api.project_id}/batches").json()
    assert "first delivery" in [b["name"] for b in batches]
    job = any_api.get(f"/api/projects/{any_api.project_id}/jobs/{body['job_id']}").json()
    assert job["state"] == "done" and job["result"]["added"] == 2


def test_archive_upload_and_path_names(api):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("set/one.jpg", _jpeg(11))
        zf.writestr("set/two.jpg", _jpeg(12))
        zf.writestr("../escape.jpg", _jpeg(13))
    body = _upload(api, [("pack.zip", buf.getvalue(), "application/zip")]).json()
    assert body["added"] == 2
    assert [r["reason"] for r in body["rejected_files"]] == ["unsafe_path"]
    names = {
        i["file_name"] for i in api.get(f"/api/projects/{api.project_id}/items").json()["items"]
    }
    assert {"set/one.jpg", "set/two.jpg"} <= {n.split("pack.zip/")[-1] for n in names} | names


def test_raw_streamed_upload_and_size_limit(api):
    url = f"/api/projects/{api.project_id}/uploads/photo.jpg"
    resp = api.request("PUT", url, "manager", content=_jpeg(21))
    assert resp.status_code == 201 and resp.json()["added"] == 1
    api.ctx.settings = api.ctx.settings.with_overrides(max_upload_bytes=1000)
    big = api.request("PUT", url, "manager", content=iter([b"x" * 800, b"x" * 800]))
    assert big.status_code == 413 and "photo.jpg" in big.json()["error"]["message"]


def test_listing_filters_and_pages(any_api):
    _upload(any_api, [(f"f{i}.jpg", _jpeg(100 + i), "image/jpeg") for i in range(7)])
    base = f"/api/projects/{any_api.project_id}/items"
    ids, after = [], None
    while True:
        params = {"limit": 3, **({"after": after} if after else {})}
        page = any_api.get(base, params=params).json()
        ids += [i["id"] for i in page["items"]]
        after = page["next"]
        if not after:
            break
    assert len(ids) == 8 and ids == sorted(ids)
    named = any_api.get(base, params={"name": "f1", "order": "name"}).json()["items"]
    assert [i["file_name"] for i in named] == ["f1.jpg"]
    assert any_api.get(base, params={"state": "submitted"}).json()["items"] == []
    bad = any_api.get(base, params={"state": "bogus"})
    assert bad.status_code == 422 and "bogus" in bad.json()["error"]["message"]
    assert any_api.get(base, params={"after": "garbage!"}).status_code == 422


def test_image_thumbnail_and_etags(api):
    item = api.get(f"/api/projects/{api.project_id}/items/{api.item_id}").json()
    image = api.get(item["image_url"])
    assert image.status_code == 200
    assert image.headers["etag"] == f'"{item["image"]["sha256"]}"'
    assert "immutable" in image.headers["cache-control"]
    again = api.get(item["image_url"], headers={"If-None-Match": image.headers["etag"]})
    assert again.status_code == 304
    thumb = api.get(item["thumbnail_url"])
    assert thumb.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 256


def test_gif_frames_are_served(api):
    body = _upload(api, [("anim.gif", _gif(4), "image/gif")]).json()
    item_id = body["added_files"][0]["item_id"]
    item = api.get(f"/api/projects/{api.project_id}/items/{item_id}").json()
    assert item["image"]["frame_count"] == 4
    frame = api.get(f"/api/projects/{api.project_id}/items/{item_id}/frames/3")
    assert frame.status_code == 200 and frame.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(frame.content)).size == (20, 10)
    missing = api.get(f"/api/projects/{api.project_id}/items/{item_id}/frames/4")
    assert missing.status_code == 404


def test_members_and_last_manager(api):
    url = f"/api/projects/{api.project_id}/members"
    assert api.request("PUT", f"{url}/outsider", json={"role": "annotator"}).status_code == 200
    roles = {m["user"]["username"]: m["role"] for m in api.get(url).json()}
    assert roles["outsider"] == "annotator"
    bad_role = api.request("PUT", f"{url}/outsider", json={"role": "boss"})
    assert bad_role.status_code == 422
    # The admin created the project and is its manager along with 'manager'.
    assert api.request("DELETE", f"{url}/admin").status_code == 204
    last = api.request("DELETE", f"{url}/manager")
    assert last.status_code == 409 and "manager" in last.json()["error"]["message"]


def test_openapi_documents_error_shape(api):
    spec = api.get("/api/openapi.json").json()
    op = spec["paths"]["/api/projects/{project_id}/items"]["get"]
    assert "404" in op["responses"] and "ErrorResponse" in str(op["responses"]["404"])


def test_lost_thumbnail_is_made_again(api):
    item = api.get(f"/api/projects/{api.project_id}/items/{api.item_id}").json()
    sha = item["image"]["sha256"]
    thumb = api.ctx.blobs.local_path(api.ctx.blobs.key_for(sha, "jpg", "thumb"))
    thumb.unlink()
    resp = api.get(item["thumbnail_url"])
    assert resp.status_code == 200 and thumb.exists()


def test_queue_settings_are_validated_and_kept(api):
    url = f"/api/projects/{api.project_id}"
    bad = api.request("PATCH", url, "manager", json={"settings": {"lease_seconds": 1}})
    assert bad.status_code == 422 and "lease_seconds" in bad.json()["error"]["message"]
    ok = api.request("PATCH", url, "manager", json={"settings": {"order": "priority"}})
    assert ok.status_code == 200 and ok.json()["settings"]["order"] == "priority"
    shared = api.request("PATCH", url, json={"settings": {"review_share": 0.25}}).json()
    assert shared["settings"]["order"] == "priority"  # a PATCH changes only what it names
    settings = api.get(url, "annotator").json()["settings"]
    assert (settings["order"], settings["lease_seconds"], settings["review_share"]) == (
        "priority",
        300,
        0.25,
    )
    checks = api.request("PATCH", url, json={"settings": {"checks": {"colour": 1}}})
    assert checks.status_code == 422 and "colour" in checks.json()["error"]["message"]


def test_numbers_past_the_database_range_are_a_clear_422(api):
    huge = 2**70
    resp = api.get(f"/api/projects/{huge}/schema")
    assert resp.status_code in (404, 422) and resp.json()["error"]["message"]
    resp = api.get(f"/api/projects/{api.project_id}/items/{huge}")
    assert resp.status_code in (404, 422)
    made = api.request("POST", "/api/projects", json={"name": "big", "overlap": huge})
    assert made.status_code == 422 and "overlap" in made.json()["error"]["message"]
