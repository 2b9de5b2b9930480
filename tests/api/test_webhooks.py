"""Webhooks over HTTP: managers register them, the server's sender posts signed events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from labelwright.services import webhooks
from labelwright.services.context import Context
from tests.api.conftest import Api, build_api
from tests.conftest import make_settings
from tests.services.test_webhooks import LOOPBACK, Receiver


@pytest.fixture(params=["sqlite", "postgresql"])
def open_api(request, tmp_path: Path) -> Iterator[Api]:
    """The API (with its job runner and webhook sender) allowed to reach loopback."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    ctx = Context.open(make_settings(tmp_path, url, url_allow_networks=LOOPBACK))
    made = build_api(ctx, tmp_path)
    with made.client:
        yield made
    ctx.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


def _hooks(api: Api) -> str:
    return f"/api/projects/{api.project_id}/webhooks"


def test_a_registered_webhook_receives_signed_events_from_the_server(open_api, receiver):
    body = {"url": receiver.url, "events": ["comment.added", "item.submitted"]}
    made = open_api.request("POST", _hooks(open_api), "manager", json=body)
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    comments = f"/api/projects/{open_api.project_id}/items/{open_api.item_id}/comments"
    for text in ("one", "two"):
        open_api.request("POST", comments, "reviewer", json={"body": text})
    deadline = time.monotonic() + 20
    while len(receiver.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [json.loads(r["body"])["data"]["body"] for r in receiver.received] == ["one", "two"]
    for got in receiver.received:
        headers = got["headers"]
        stamp, signature = headers[webhooks.TIMESTAMP_HEADER], headers[webhooks.SIGNATURE_HEADER]
        assert webhooks.verify(secret, stamp, got["body"], signature)
    log_url = f"{_hooks(open_api)}/{made.json()['id']}/deliveries"
    # The sender records an attempt just after the answer arrived.
    while time.monotonic() < deadline:
        log = open_api.get(log_url, "manager").json()
        if all(e["state"] != "pending" for e in log):
            break
        time.sleep(0.1)
    assert [(e["event"], e["state"], e["last_status"]) for e in log] == [
        ("comment.added", "delivered", 204),
        ("comment.added", "delivered", 204),
    ]
    listed = open_api.get(_hooks(open_api), "manager").json()
    assert [h["url"] for h in listed] == [receiver.url] and "secret" not in listed[0]


def test_loopback_targets_are_refused_without_an_allow_list(api, receiver):
    body = {"url": receiver.url, "events": ["item.submitted"]}
    refused = api.request("POST", _hooks(api), "manager", json=body)
    assert refused.status_code == 422
    assert "non-public address" in refused.json()["error"]["message"]
    assert api.get(_hooks(api), "manager").json() == []


def test_webhooks_are_changed_and_removed_by_managers(api):
    body = {"url": "https://8.8.8.8/hook", "events": ["delivery.ready"]}
    hook = api.request("POST", _hooks(api), "manager", json=body).json()
    url = f"{_hooks(api)}/{hook['id']}"
    bad = api.request("PATCH", url, "manager", json={"events": ["nothing.happened"]})
    assert bad.status_code == 422 and "unknown 'nothing.happened'" in bad.text
    moved = api.request("PATCH", url, "manager", json={"url": "http://192.168.1.9/"})
    assert moved.status_code == 422
    paused = api.request("PATCH", url, "manager", json={"active": False}).json()
    assert paused["active"] is False and paused["url"] == "https://8.8.8.8/hook"
    assert api.request("DELETE", url, "manager").status_code == 204
    assert api.get(f"{url}/deliveries", "manager").status_code == 404
