"""Models over HTTP: the catalog, pre-labeling jobs, interactive segmentation, assist runs."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image as PILImage

from labelwright.services.intake import import_paths

pytest.importorskip("cv2", reason="needs labelwright[models]")

URL = "/api/projects/{}"


def _disc_item(api, tmp_path, seed: int = 0, shift: int = 0) -> int:
    """An item showing a bright disc on a dark textured ground (an easy object to cut out)."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 40, size=(120, 160, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:120, :160]
    pixels[(yy - 60) ** 2 + (xx - 80 - shift) ** 2 < 30**2] = (230, 200, 40)
    path = tmp_path / "disc.png"
    PILImage.fromarray(pixels).save(path)
    report = import_paths(api.ctx, api.project_id, [path])
    return report.added[0]["item_id"]


def test_the_catalog_says_what_each_model_emits(api):
    models = {m["name"]: m for m in api.get("/api/models", "annotator").json()}
    assert models["haar-faces"]["kinds"] == ["bbox"] and models["haar-faces"]["available"]
    assert models["grabcut"]["kind"] == "interactive"
    assert api.get("/api/models", "anon").status_code == 401


def test_prelabel_runs_as_a_job(api):
    base = URL.format(api.project_id)
    resp = api.request("POST", base + "/prelabel", "manager", json={"model": "haar-faces"})
    assert resp.status_code == 202, resp.text
    job = resp.json()
    deadline = time.monotonic() + 30
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        job = api.get(f"{base}/jobs/{job['id']}").json()
    assert job["state"] == "done", job
    assert job["result"]["images"] == 1 and job["done"] == job["total"] == 1
    predictions = api.get(f"{base}/items/{api.item_id}/predictions").json()
    assert [p["model"] for p in predictions] == ["haar-faces"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "nope"}, "nope"),
        ({"model": "yolo-onnx", "settings": {"path": "../../../etc/passwd"}}, "outside"),
        ({"model": "haar-faces", "executor": "gpu"}, ""),
    ],
)
def test_bad_prelabel_requests_are_refused(api, body, message):
    resp = api.request("POST", URL.format(api.project_id) + "/prelabel", json=body)
    assert resp.status_code == 422 and message in resp.text


def test_segment_from_a_box_and_a_click(api, tmp_path):
    item = _disc_item(api, tmp_path)
    body = {"box": {"x": 40, "y": 20, "w": 80, "h": 80}, "positive": [[80, 60]]}
    resp = api.request(
        "POST", f"{URL.format(api.project_id)}/items/{item}/segment", "annotator", json=body
    )
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert answer["rle"]["size"] == [120, 160] and len(answer["rings"][0]) >= 8
    xs = [x for x, _ in answer["rings"][0]]
    assert 45 <= min(xs) <= 55 and 105 <= max(xs) <= 115  # the disc spans x 50..110
    off = api.request(
        "POST",
        f"{URL.format(api.project_id)}/items/{item}/segment",
        json={"box": {"x": 500, "y": 500, "w": 10, "h": 10}},
    )
    assert off.status_code == 422


def test_predict_one_item_and_find_similar(api, tmp_path):
    item = _disc_item(api, tmp_path)
    base = URL.format(api.project_id)
    made = api.request(
        "POST", f"{base}/items/{item}/predict", "annotator", json={"model": "haar-faces"}
    )
    assert made.status_code == 201, made.text
    similar = api.request(
        "POST",
        f"{base}/items/{item}/predict",
        json={"model": "find-similar", "example": {"x": 50, "y": 30, "w": 60, "h": 60}},
    )
    assert similar.status_code == 201, similar.text
    wrong = api.request(
        "POST",
        f"{base}/items/{item}/predict",
        json={
            "model": "find-similar",
            "example": {"x": 50, "y": 30, "w": 60, "h": 60},
            "class_id": "x",
        },
    )
    assert wrong.status_code == 422 and "'x'" in wrong.text
    assert (
        api.request("POST", f"{base}/items/{item}/predict", json={"model": "grabcut"}).status_code
        == 422
    )


def test_find_similar_across_the_project(api, tmp_path):
    from labelwright.domain.schema import LabelClass, LabelSchema
    from labelwright.services import users
    from labelwright.services.labelschema import append_schema

    with api.ctx.db.session() as sess:
        admin = users.get_user(sess, api.user_ids["admin"])
        cls = LabelClass(id="disc", name="Disc", color="#ffcc00", shape_kinds=["bbox"])
        append_schema(sess, api.project_id, LabelSchema(classes=[cls]), 1, admin)
    first = _disc_item(api, tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    second = _disc_item(api, other, seed=1, shift=20)
    base = URL.format(api.project_id)
    body = {"box": {"x": 48, "y": 28, "w": 64, "h": 64}, "class_id": "disc"}
    resp = api.request("POST", f"{base}/items/{first}/find-similar", "manager", json=body)
    assert resp.status_code == 202, resp.text
    job = resp.json()
    deadline = time.monotonic() + 30
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        job = api.get(f"{base}/jobs/{job['id']}").json()
    assert job["state"] == "done", job
    found = api.get(f"{base}/items/{second}/predictions").json()
    [prediction] = [p for p in found if p["model"] == "find-similar"]
    [obj] = prediction["body"]["objects"]
    assert obj["class_id"] == "disc" and abs(obj["shape"]["x"] - 70) <= 4
    refused = api.request("POST", f"{base}/items/{first}/find-similar", "annotator", json=body)
    assert refused.status_code == 403
