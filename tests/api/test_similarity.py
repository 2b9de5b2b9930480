"""Embeddings, similar images and near-duplicates over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data

from labelwright.models.registry import default_registry
from labelwright.services.intake import import_paths
from tests.services.test_similarity import ToyPlugin

URL = "/api/projects/{}"


@pytest.fixture(scope="module", autouse=True)
def toy_registered():
    registry = default_registry()
    if "toy-embedder" not in registry.names():
        registry.register(ToyPlugin(), name="toy-embedder-plugin")


def _add_images(api, tmp_path) -> dict[str, int]:
    """Three more items: a photo, its re-encode, and noise; item ids by file name."""
    photo = data.coffee()
    paths = []
    for name in ("coffee.png", "coffee.jpg", "noise.png"):
        path = tmp_path / "more" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        pixels = np.random.default_rng(7).integers(0, 256, (60, 80, 3), np.uint8)
        PILImage.fromarray(pixels if name == "noise.png" else photo).save(path)
        paths.append(path)
    report = import_paths(api.ctx, api.project_id, paths)
    return {row["name"]: row["item_id"] for row in report.added}


def _finished(api, job: dict) -> dict:
    base = URL.format(api.project_id)
    deadline = time.monotonic() + 60
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
        job = api.get(f"{base}/jobs/{job['id']}").json()
    return job


def test_embed_then_search_then_group(any_api, tmp_path):
    ids = _add_images(any_api, tmp_path)
    base = URL.format(any_api.project_id)
    similar = f"{base}/items/{ids['coffee.png']}/similar?model=toy-embedder&k=2"
    before = any_api.get(similar, "annotator")
    assert before.status_code == 409
    assert "run the embed job" in before.json()["error"]["message"]
    body = {"model": "toy-embedder", "executor": "inline"}
    resp = any_api.request("POST", f"{base}/embeddings", "manager", json=body)
    assert resp.status_code == 202, resp.text
    job = _finished(any_api, resp.json())
    assert job["state"] == "done" and job["result"]["images"] == 4, job
    found = any_api.get(similar, "client")
    assert found.status_code == 200, found.text
    answer = found.json()
    assert answer["model"] == "toy-embedder" and len(answer["items"]) == 2
    best = answer["items"][0]
    assert best["item_id"] == ids["coffee.jpg"] and best["score"] > 0.99
    assert best["thumbnail_url"] == f"{base}/items/{ids['coffee.jpg']}/thumbnail"
    groups = any_api.get(f"{base}/duplicates?model=toy-embedder", "reviewer")
    assert groups.status_code == 200, groups.text
    report = groups.json()
    assert report["hashed"] == 4 and report["total_groups"] == 1
    (group,) = report["groups"]
    assert group["found_by"] == "hash"
    assert {i["file_name"] for i in group["items"]} == {"coffee.png", "coffee.jpg"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/items/{item}/similar?k=0", "k"),
        ("/items/{item}/similar?k=101", "k"),
        ("/items/999999/similar", "item 999999"),
        ("/duplicates?max_distance=8", "max_distance"),
        ("/duplicates?min_cosine=0", "min_cosine"),
        ("/duplicates?limit=0", "limit"),
    ],
)
def test_bad_queries_are_refused_clearly(api, url, message):
    resp = api.get(URL.format(api.project_id) + url.format(item=api.item_id))
    assert resp.status_code in (404, 422) and message in resp.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "nope"}, "nope"),
        ({"model": "grabcut"}, "interactive"),
        ({"states": ["finished"]}, "finished"),
        ({"executor": "gpu"}, "executor"),
        ({"model": "toy-embedder", "settings": {"path": "../../etc/passwd"}}, "outside"),
    ],
)
def test_bad_embedding_requests_are_refused(api, body, message):
    resp = api.request("POST", URL.format(api.project_id) + "/embeddings", json=body)
    assert resp.status_code == 422 and message in resp.text


def test_duplicates_without_embeddings_say_so(api):
    resp = api.get(URL.format(api.project_id) + "/duplicates", "manager")
    assert resp.status_code == 200
    report = resp.json()
    assert report["groups"] == [] and "run the embed job" in report["embedding_note"]
    assert api.get(URL.format(api.project_id) + "/duplicates", "annotator").status_code == 403
