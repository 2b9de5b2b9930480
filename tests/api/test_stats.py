"""GET /stats: the project page's progress figures, limited by role."""

from __future__ import annotations

SCHEMA = {
    "classes": [
        {"id": "car", "name": "Car", "color": "#ff0000", "shape_kinds": ["bbox"]},
        {"id": "person", "name": "Person", "color": "#00ff00", "shape_kinds": ["bbox"]},
    ]
}


def _box(oid: str, cls: str) -> dict:
    return {"id": oid, "class_id": cls, "shape": {"kind": "bbox", "x": 1, "y": 1, "w": 5, "h": 5}}


def _prepare(api) -> None:
    url = f"/api/projects/{api.project_id}/schema"
    put = api.request(
        "PUT", url, "manager", json={"schema": SCHEMA}, headers={"If-Match": '"rev-0"'}
    )
    assert put.status_code == 200
    item = f"/api/projects/{api.project_id}/items/{api.item_id}/annotation"
    for who, objects in (
        ("annotator", [_box("a", "car"), _box("b", "car")]),
        ("reviewer", [_box("a", "person")]),
    ):
        resp = api.request(
            "PUT", item, who, json={"objects": objects}, headers={"If-Match": '"rev-0"'}
        )
        assert resp.status_code == 200, resp.text


def test_managers_see_every_class_and_annotator(any_api):
    _prepare(any_api)
    resp = any_api.get(f"/api/projects/{any_api.project_id}/stats", "manager")
    assert resp.status_code == 200
    body = resp.json()
    assert body["scope"] == "everyone"
    assert body["items"] == 1 and body["states"] == {"annotating": 1}
    assert [
        (c["class_id"], c["name"], c["color"], c["objects"], c["items"]) for c in body["classes"]
    ] == [
        ("car", "Car", "#ff0000", 2, 1),
        ("person", "Person", "#00ff00", 1, 1),
    ]
    rows = {a["username"]: (a["items"], a["submitted"], a["objects"]) for a in body["annotators"]}
    assert rows == {"annotator": (1, 0, 2), "reviewer": (1, 0, 1)}


def test_annotators_see_their_own_figures_only(any_api):
    _prepare(any_api)
    body = any_api.get(f"/api/projects/{any_api.project_id}/stats", "annotator").json()
    assert body["scope"] == "own"
    assert {c["class_id"]: c["objects"] for c in body["classes"]} == {"car": 2, "person": 0}
    assert [a["username"] for a in body["annotators"]] == ["annotator"]


def test_clients_see_class_totals_without_people(any_api):
    _prepare(any_api)
    body = any_api.get(f"/api/projects/{any_api.project_id}/stats", "client").json()
    assert body["scope"] == "classes"
    assert {c["class_id"]: c["objects"] for c in body["classes"]} == {"car": 2, "person": 1}
    assert body["annotators"] == []


def test_outsiders_get_404_and_unknown_projects_too(api):
    assert api.get(f"/api/projects/{api.project_id}/stats", "outsider").status_code == 404
    missing = api.get("/api/projects/999999/stats", "admin")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
