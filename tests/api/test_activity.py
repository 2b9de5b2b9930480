"""Live activity over Server-Sent Events and as JSON, and the inbox of mentions and rejections."""

from __future__ import annotations

import json

from tests.api.conftest import Api


def _sse(text: str) -> list[dict]:
    """The frames of an event stream: each with its id, event name and data (comments dropped)."""
    frames = []
    for block in text.split("\n\n"):
        frame: dict = {}
        for line in block.splitlines():
            field, _, value = line.partition(": ")
            if field in ("id", "event"):
                frame[field] = value
            elif field == "data":
                frame["data"] = json.loads(value)
        if "data" in frame:
            frames.append(frame)
    return frames


def _comment(api: Api, who: str, body: str) -> dict:
    url = f"/api/projects/{api.project_id}/items/{api.item_id}/comments"
    resp = api.request("POST", url, who, json={"body": body})
    assert resp.status_code == 201, resp.text
    return resp.json()


def _stream(api: Api, who: str, **kw) -> list[dict]:
    url = f"/api/projects/{api.project_id}/activity/stream"
    params = {"max_seconds": 0.5, **kw.pop("params", {})}
    resp = api.get(url, who, params=params, **kw)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/event-stream")
    return _sse(resp.text)


def test_the_stream_sends_events_and_resumes_after_the_last_event_id(any_api):
    _comment(any_api, "reviewer", "first look")
    _comment(any_api, "annotator", "fixed it")
    frames = _stream(any_api, "manager", params={"after": 0})
    events = [f for f in frames if f.get("event") == "comment.added"]
    assert [(f["data"]["actor"], f["data"]["payload"]["body"]) for f in events] == [
        ("reviewer", "first look"),
        ("annotator", "fixed it"),
    ]
    assert all(f["id"] == str(f["data"]["id"]) for f in events)
    assert events[0]["data"]["item_state"] == "new"
    assert any(f.get("event") == "presence" for f in frames)
    assert frames[0] == {"id": "0", "event": "ready", "data": {"after": 0}}
    headers = {"Last-Event-ID": events[0]["id"]}
    resumed = [f for f in _stream(any_api, "manager", headers=headers) if "id" in f]
    assert [f["id"] for f in resumed] == [events[0]["id"], events[1]["id"]]
    assert resumed[0]["event"] == "ready"
    # Without a starting point the stream begins with the next event.
    fresh = [f for f in _stream(any_api, "manager") if "id" in f]
    assert [(f["event"], f["id"]) for f in fresh] == [("ready", events[1]["id"])]


def test_clients_follow_progress_without_names_or_presence(any_api):
    _comment(any_api, "reviewer", "a remark")
    frames = _stream(any_api, "client", params={"after": 0})
    assert [f["event"] for f in frames] == ["ready"]
    body = any_api.get(f"/api/projects/{any_api.project_id}/activity", "client").json()
    assert body["events"] == [] and body["presence"] == []
    team = any_api.get(f"/api/projects/{any_api.project_id}/activity", "annotator").json()
    assert [e["kind"] for e in team["events"]] == ["comment.added"]


def test_the_stream_refuses_before_it_starts(any_api):
    url = f"/api/projects/{any_api.project_id}/activity/stream"
    refused = any_api.get(url, "outsider")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert any_api.get(url, "anon").status_code == 401
    too_long = any_api.get(url, "manager", params={"max_seconds": 99999})
    assert too_long.status_code == 422


def test_presence_shows_who_works_on_which_item(any_api):
    lease = any_api.request("POST", f"/api/projects/{any_api.project_id}/queue/next", "annotator")
    assert lease.status_code == 200, lease.text
    body = any_api.get(f"/api/projects/{any_api.project_id}/activity", "manager").json()
    assert [(p["username"], p["item_id"], p["kind"]) for p in body["presence"]] == [
        ("annotator", any_api.item_id, "annotate")
    ]


def test_mentions_and_rejections_land_in_the_inbox(any_api):
    _comment(any_api, "reviewer", "@annotator the wheel, and @outsider cannot see this")
    base = f"/api/projects/{any_api.project_id}"
    lease = any_api.request("POST", f"{base}/queue/next", "annotator").json()
    any_api.request("POST", f"{base}/assignments/{lease['assignment_id']}/submit", "annotator")
    review = any_api.request("POST", f"{base}/queue/next", "reviewer", params={"kind": "review"})
    decision = {"decision": "reject", "comment": "loose box"}
    url = f"{base}/assignments/{review.json()['assignment_id']}/review"
    assert any_api.request("POST", url, "reviewer", json=decision).status_code == 200
    box = any_api.get("/api/inbox", "annotator").json()
    assert [(e["kind"], e["actor"], e["excerpt"]) for e in box["entries"]] == [
        ("rejection", "reviewer", "loose box"),
        ("mention", "reviewer", "@annotator the wheel, and @outsider cannot see this"),
    ]
    assert box["unread"] == 2 and box["entries"][0]["file_name"] == "first.png"
    assert any_api.get("/api/inbox", "outsider").json()["entries"] == []
    first = box["entries"][0]["id"]
    marked = any_api.request("POST", "/api/inbox/read", "annotator", json={"ids": [first]})
    assert marked.json() == {"changed": 1}
    unread = any_api.get("/api/inbox", "annotator", params={"unread": True}).json()
    assert [e["kind"] for e in unread["entries"]] == ["mention"] and unread["unread"] == 1
    # Someone else's entry cannot be marked.
    theirs = {"ids": [unread["entries"][0]["id"]]}
    assert any_api.request("POST", "/api/inbox/read", "manager", json=theirs).json()["changed"] == 0
    assert any_api.get("/api/inbox", "annotator").json()["unread"] == 1
    bad = any_api.get("/api/inbox", "annotator", params={"kind": "gossip"})
    assert bad.status_code == 422 and "mention, rejection" in bad.text
