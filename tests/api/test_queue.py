"""The work queue over HTTP: next, heartbeat, skip, release, submit and review."""

from __future__ import annotations

from labelwright.store.tables import Assignment


def _url(api, tail: str) -> str:
    return f"/api/projects/{api.project_id}{tail}"


def test_annotate_review_reject_and_back(any_api):
    api = any_api
    resp = api.request("POST", _url(api, "/queue/next"), "annotator")
    assert resp.status_code == 200, resp.text
    lease = resp.json()
    assert lease["item_id"] == api.item_id and lease["kind"] == "annotate"
    assert lease["item"]["file_name"] == "first.png"
    assert lease["item"]["state"] == "annotating"
    again = api.request("POST", _url(api, "/queue/next"), "annotator").json()
    assert again["assignment_id"] == lease["assignment_id"]  # resumed, not a second lease
    assert api.request("POST", _url(api, "/queue/next"), "manager").status_code == 204

    aid = lease["assignment_id"]
    beat = api.request("POST", _url(api, f"/assignments/{aid}/heartbeat"), "annotator")
    assert beat.status_code == 200 and beat.json()["assignment_id"] == aid
    done = api.request("POST", _url(api, f"/assignments/{aid}/submit"), "annotator")
    assert done.status_code == 200, done.text
    assert done.json()["item_state"] == "submitted" and done.json()["status"] == "submitted"

    rev = api.request("POST", _url(api, "/queue/next?kind=review"), "reviewer")
    assert rev.status_code == 200 and rev.json()["item"]["state"] == "in_review"
    rid = rev.json()["assignment_id"]
    bad = api.request(
        "POST", _url(api, f"/assignments/{rid}/review"), "reviewer", json={"decision": "meh"}
    )
    assert bad.status_code == 422
    verdict = api.request(
        "POST",
        _url(api, f"/assignments/{rid}/review"),
        "reviewer",
        json={"decision": "reject", "comment": "missed the dog"},
    )
    assert verdict.status_code == 200 and verdict.json()["item_state"] == "rejected"
    assert api.request("POST", _url(api, "/queue/next"), "manager").status_code == 204
    back = api.request("POST", _url(api, "/queue/next"), "annotator").json()
    assert back["item_id"] == api.item_id and back["item"]["state"] == "annotating"


def test_skip_needs_a_reason(api):
    api = api
    aid = api.request("POST", _url(api, "/queue/next"), "annotator").json()["assignment_id"]
    url = _url(api, f"/assignments/{aid}/skip")
    assert api.request("POST", url, "annotator", json={}).status_code == 422
    blank = api.request("POST", url, "annotator", json={"reason": "  "})
    assert blank.status_code == 422 and "reason" in blank.json()["error"]["message"]
    ok = api.request("POST", url, "annotator", json={"reason": "corrupt image"})
    assert ok.status_code == 200 and ok.json()["status"] == "skipped"
    assert api.request("POST", _url(api, "/queue/next"), "annotator").status_code == 204
    assert api.request("POST", _url(api, "/queue/next"), "manager").status_code == 200
    again = api.request("POST", url, "annotator", json={"reason": "twice"})
    assert again.status_code == 409


def test_release_reopens_the_item(api):
    api = api
    aid = api.request("POST", _url(api, "/queue/next"), "annotator").json()["assignment_id"]
    resp = api.request("POST", _url(api, f"/assignments/{aid}/release"), "annotator")
    assert resp.status_code == 200 and resp.json()["status"] == "released"
    assert api.request("POST", _url(api, "/queue/next"), "manager").status_code == 200


def test_roles_and_other_peoples_leases(api):
    api = api
    nxt = _url(api, "/queue/next")
    assert api.request("POST", nxt, "client").status_code == 403
    assert api.request("POST", nxt, "reviewer").status_code == 403  # annotate is the default
    assert api.request("POST", nxt + "?kind=review", "annotator").status_code == 403
    assert api.request("POST", nxt, "outsider").status_code == 404
    assert api.request("POST", nxt, "anon").status_code == 401
    assert api.request("POST", nxt + "?kind=dance", "annotator").status_code == 422
    aid = api.request("POST", nxt, "annotator").json()["assignment_id"]
    for who in ("manager", "admin"):  # only the holder may act on a lease
        resp = api.request("POST", _url(api, f"/assignments/{aid}/heartbeat"), who)
        assert resp.status_code == 404, resp.text
    submit = _url(api, f"/assignments/{aid}/submit")
    assert api.request("POST", submit, "client").status_code == 403
    missing = _url(api, "/assignments/999999/submit")
    assert api.request("POST", missing, "annotator").status_code == 404


def test_a_lapsed_lease_taken_by_someone_else_is_a_conflict(api):
    api = api
    aid = api.request("POST", _url(api, "/queue/next"), "annotator").json()["assignment_id"]
    with api.ctx.db.session() as sess:  # let the lease lapse
        lease = sess.get(Assignment, aid)
        lease.expires_at = lease.created_at
    assert api.request("POST", _url(api, "/queue/next"), "manager").status_code == 200
    resp = api.request("POST", _url(api, f"/assignments/{aid}/heartbeat"), "annotator")
    assert resp.status_code == 409
    assert "expired at" in resp.json()["error"]["message"]


def test_every_endpoint_is_documented(api):
    paths = api.client.app.openapi()["paths"]
    for path, ops in paths.items():
        if "/queue/" in path or "/assignments/" in path:
            for op in ops.values():
                assert op.get("description") or op.get("summary"), path
