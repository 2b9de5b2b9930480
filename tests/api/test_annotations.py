"""Schema, saves with If-Match, history and restore, overlap privacy, predictions."""

from __future__ import annotations

import pytest

SCHEMA = {
    "classes": [
        {
            "id": "car",
            "name": "Car",
            "color": "#ff0000",
            "shape_kinds": ["bbox", "polygon"],
            "attributes": [{"id": "parked", "name": "Parked", "type": "checkbox"}],
        },
        {"id": "person", "name": "Person", "color": "#00ff00", "shape_kinds": ["bbox"]},
    ]
}


def _box(oid: str, cls: str = "car", x: float = 1, score: float | None = None) -> dict:
    obj = {"id": oid, "class_id": cls, "shape": {"kind": "bbox", "x": x, "y": 1, "w": 10, "h": 8}}
    if score is not None:
        obj["score"] = score
    return obj


def _set_schema(api, schema=SCHEMA, version=0, **extra):
    return api.request(
        "PUT",
        f"/api/projects/{api.project_id}/schema",
        "manager",
        json={"schema": schema, **extra},
        headers={"If-Match": f'"rev-{version}"'},
    )


def _save(api, who, objects, rev, item_id=None):
    url = f"/api/projects/{api.project_id}/items/{item_id or api.item_id}/annotation"
    return api.request(
        "PUT", url, who, json={"objects": objects}, headers={"If-Match": f'"rev-{rev}"'}
    )


@pytest.fixture
def with_schema(any_api):
    assert _set_schema(any_api).status_code == 200
    return any_api


def test_save_needs_if_match_and_detects_stale_revisions(with_schema):
    api = with_schema
    url = f"/api/projects/{api.project_id}/items/{api.item_id}/annotation"
    missing = api.request("PUT", url, "annotator", json={"objects": []})
    assert missing.status_code == 428
    first = _save(api, "annotator", [_box("a")], 0)
    assert first.status_code == 200 and first.headers["etag"] == '"rev-1"'
    assert _save(api, "annotator", [_box("a"), _box("b", x=30)], 1).status_code == 200
    stale = _save(api, "annotator", [_box("c")], 1)
    assert stale.status_code == 412
    current = stale.json()["error"]["details"]["current"]
    assert current["revision"] == 2 and len(current["body"]["objects"]) == 2
    mine = api.get(url, "annotator").json()
    assert mine["revision"] == 2


def test_invalid_save_names_the_object_and_changes_nothing(with_schema):
    api = with_schema
    _save(api, "annotator", [_box("a")], 0)
    bad = [
        _box("ok"),
        {
            "id": "flat",
            "class_id": "car",
            "shape": {"kind": "bbox", "x": 0, "y": 0, "w": 0, "h": 5},
        },
        {
            "id": "who",
            "class_id": "ghost",
            "shape": {"kind": "bbox", "x": 0, "y": 0, "w": 2, "h": 2},
        },
    ]
    resp = _save(api, "annotator", bad, 1)
    assert resp.status_code == 422
    message = resp.json()["error"]["message"]
    assert "flat" in message and "who" in message
    assert (
        api.get(
            f"/api/projects/{api.project_id}/items/{api.item_id}/annotation", "annotator"
        ).json()["revision"]
        == 1
    )


def test_history_and_restore_append(with_schema):
    api = with_schema
    aid = _save(api, "annotator", [_box("a")], 0).json()["annotation_id"]
    _save(api, "annotator", [], 1)
    base = f"/api/projects/{api.project_id}/annotations/{aid}"
    restored = api.request(
        "POST", f"{base}/revisions/1/restore", "annotator", headers={"If-Match": '"rev-2"'}
    )
    assert restored.status_code == 200 and restored.json()["revision"] == 3
    assert [o["id"] for o in restored.json()["body"]["objects"]] == ["a"]
    history = api.get(f"{base}/revisions", "annotator").json()
    assert [(h["number"], h["origin"]) for h in history] == [
        (3, "restore"),
        (2, "save"),
        (1, "save"),
    ]
    assert api.get(f"{base}/revisions/2", "annotator").json()["objects"] == []


def test_annotators_never_see_each_other(with_schema):
    api = with_schema
    aid = _save(api, "annotator", [_box("mine")], 0).json()["annotation_id"]
    _save(api, "reviewer", [_box("theirs")], 0)
    seen = api.get(f"/api/projects/{api.project_id}/items/{api.item_id}/annotations", "annotator")
    assert [a["body"]["objects"][0]["id"] for a in seen.json()] == ["mine"]
    assert (
        len(
            api.get(
                f"/api/projects/{api.project_id}/items/{api.item_id}/annotations", "reviewer"
            ).json()
        )
        == 2
    )
    base = f"/api/projects/{api.project_id}/annotations/{aid}"
    assert api.get(base, "manager").status_code == 200
    # A reviewer fixes the annotator's work directly, as a new revision by the reviewer.
    fixed = api.request(
        "PUT",
        base,
        "reviewer",
        json={"objects": [_box("mine", x=5)]},
        headers={"If-Match": '"rev-1"'},
    )
    assert fixed.status_code == 200 and fixed.json()["user_id"] == api.user_ids["annotator"]
    assert (
        api.get(f"{base}/revisions", "reviewer").json()[0]["created_by"] == api.user_ids["reviewer"]
    )
    assert api.get(f"/api/projects/{api.project_id}/annotations/{aid}", "client").status_code == 403


def test_schema_rename_is_free_but_removing_a_used_class_needs_a_remap(with_schema):
    api = with_schema
    _save(api, "annotator", [_box("a"), _box("p", cls="person", x=40)], 0)
    renamed = {"classes": [{**SCHEMA["classes"][0], "name": "Automobile"}, SCHEMA["classes"][1]]}
    assert _set_schema(api, renamed, version=1).status_code == 200
    only_cars = {"classes": [renamed["classes"][0]]}
    refused = _set_schema(api, only_cars, version=2)
    assert refused.status_code == 409 and "Person" in refused.json()["error"]["message"]
    assert "1 objects" in refused.json()["error"]["message"]
    stale = _set_schema(api, only_cars, version=1, remap={"person": None})
    assert stale.status_code == 412
    done = _set_schema(api, only_cars, version=2, remap={"person": None})
    assert done.status_code == 200 and done.json()["rewritten_annotations"] == 1
    mine = api.get(f"/api/projects/{api.project_id}/items/{api.item_id}/annotation", "annotator")
    assert [o["id"] for o in mine.json()["body"]["objects"]] == ["a"]
    assert mine.json()["revision"] == 2  # the removal is a new revision; the old one is kept


def test_bad_schema_is_refused_clearly(any_api):
    resp = _set_schema(
        any_api, {"classes": [{"id": "x", "name": "X", "color": "red", "shape_kinds": ["bbox"]}]}
    )
    assert resp.status_code == 422 and "color" in resp.json()["error"]["message"]


def test_predictions_stay_apart_and_accept_above_a_score(with_schema):
    api = with_schema
    url = f"/api/projects/{api.project_id}/items/{api.item_id}/predictions"
    body = {"objects": [_box("p1", score=0.9), _box("p2", x=30, score=0.3)]}
    made = api.request(
        "POST", url, "manager", json={"model": "detector", "run": "r1", "body": body}
    )
    assert made.status_code == 201, made.text
    assert (
        api.get(f"/api/projects/{api.project_id}/items/{api.item_id}", "manager").json()["state"]
        == "prelabeled"
    )
    dup = api.request("POST", url, "manager", json={"model": "detector", "run": "r1", "body": body})
    assert dup.status_code == 422
    _save(api, "annotator", [_box("p1", x=50)], 0)
    accepted = api.request(
        "POST",
        f"/api/projects/{api.project_id}/predictions/{made.json()['id']}/accept",
        "annotator",
        json={"min_score": 0.5},
        headers={"If-Match": '"rev-1"'},
    )
    assert accepted.status_code == 200
    objects = accepted.json()["body"]["objects"]
    assert len(objects) == 2 and objects[0]["id"] == "p1" and objects[1]["id"] != "p1"
    assert objects[1]["source"] == "model:detector" and objects[1]["score"] == 0.9
    assert api.get(url, "annotator").json()[0]["object_count"] == 2  # the prediction is unchanged


def test_guidelines_versions(any_api):
    url = f"/api/projects/{any_api.project_id}/guidelines"
    assert any_api.get(url, "annotator").json()["text"] == ""
    assert (
        any_api.request("PUT", url, "manager", json={"text": "# Cars\nBox every car."}).status_code
        == 200
    )
    assert any_api.request("PUT", url, "annotator", json={"text": "x"}).status_code == 403
    assert any_api.get(url, "client").json()["text"].startswith("# Cars")


def test_items_filter_by_class_annotator_and_object_count(with_schema):
    api = with_schema
    _save(api, "annotator", [_box("a"), _box("b", x=30)], 0)
    base = f"/api/projects/{api.project_id}/items"

    def ids(who, **params):
        return [i["id"] for i in api.get(base, who, params=params).json()["items"]]

    assert ids("manager", **{"class": "car"}) == [api.item_id]
    assert ids("manager", **{"class": "person"}) == []
    assert ids("manager", annotator=api.user_ids["annotator"]) == [api.item_id]
    assert ids("manager", annotator=api.user_ids["reviewer"]) == []
    assert ids("manager", min_objects=2) == [api.item_id]
    assert ids("manager", min_objects=3) == []
    assert ids("manager", max_objects=1) == []
    # Another annotator learns nothing from filters about the first one's work.
    _save(api, "reviewer", [], 0)
    assert ids("annotator", **{"class": "car"}) == [api.item_id]
    api.request(
        "PUT",
        f"/api/projects/{api.project_id}/members/outsider",
        "manager",
        json={"role": "annotator"},
    )
    assert ids("outsider", **{"class": "car"}) == []


def test_guideline_images_are_checked_and_scoped_to_the_project(api):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 10, 10)).save(buf, "PNG")
    url = f"/api/projects/{api.project_id}/guidelines/images"
    made = api.request("POST", url, "manager", files={"file": ("car example.png", buf.getvalue())})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["markdown"].startswith("![car example.png](")
    assert api.get(body["url"], "annotator").headers["content-type"] == "image/png"
    assert api.get(body["url"], "outsider").status_code == 404
    fake = api.request("POST", url, "manager", files={"file": ("x.png", b"<svg></svg>")})
    assert fake.status_code == 422 and "x.png" in fake.json()["error"]["message"]
    assert (
        api.request("POST", url, "annotator", files={"file": ("y.png", buf.getvalue())}).status_code
        == 403
    )
