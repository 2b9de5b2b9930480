"""Synthetic images over HTTP: a recipe queued as a job lands in the project as accepted items."""

from __future__ import annotations

import time

import pytest

from tests.services.test_synthesis import RECIPE
from tests.synth.gl import gl  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("gl")

URL = "/api/projects/{}"


def _finished(api, job: dict, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
        job = api.get(f"{URL.format(api.project_id)}/jobs/{job['id']}").json()
    return job


def test_a_recipe_renders_into_the_project(api):
    base = URL.format(api.project_id)
    resp = api.request("POST", base + "/synthesis", "manager", json={"recipe": RECIPE, "count": 3})
    assert resp.status_code == 202, resp.text
    job = _finished(api, resp.json())
    assert job["state"] == "done", job
    assert job["kind"] == "synth" and job["done"] == 3
    assert job["result"]["images_rendered"] == job["result"]["images_added"] == 3
    items = api.get(base + "/items", params={"state": "accepted"}).json()["items"]
    assert len(items) == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"recipe": {**RECIPE, "image": {"width": -1, "height": 72}}, "count": 1}, "image.width"),
        (
            {
                "recipe": {**RECIPE, "objects": [{"class": "X", "mesh": "../../etc/passwd"}]},
                "count": 1,
            },
            "recipe",
        ),
        ({"recipe": RECIPE, "count": 0}, "count"),
    ],
)
def test_bad_recipes_are_refused_before_queueing(api, body, message):
    resp = api.request("POST", URL.format(api.project_id) + "/synthesis", json=body)
    assert resp.status_code == 422 and message in resp.text, resp.text
