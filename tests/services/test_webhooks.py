"""Webhooks: address rules, HMAC signatures, retries with backoff, order, the delivery log."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from labelwright.services import review, webhooks
from labelwright.services.context import Context
from labelwright.services.errors import Forbidden, Invalid
from labelwright.store.tables import WebhookDelivery, utcnow
from tests.conftest import make_settings
from tests.services.test_queue import Team

LOOPBACK = ("127.0.0.0/8",)


class Receiver:
    """A real HTTP server on 127.0.0.1 that records each POST and fails the first few."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[dict] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"headers": dict(self.headers), "body": body})
                failing = len(outer.received) <= outer.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def hook_ctx(request, tmp_path: Path) -> Iterator[Context]:
    """An installation whose URL rules allow loopback, so the local receiver can be reached."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    context = Context.open(make_settings(tmp_path, url, url_allow_networks=LOOPBACK))
    yield context
    context.close()


def _comment(team: Team, text: str) -> None:
    review.add_comment(team.ctx, team.users["rev"], team.project_id, team.item_ids[0], text)


def _deliveries(ctx) -> list[WebhookDelivery]:
    with ctx.db.session(readonly=True) as sess:
        return list(sess.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
    ],
)
def test_private_and_loopback_targets_are_refused_by_default(ctx, url):
    team = Team(ctx, n_items=1)
    with pytest.raises(Invalid, match="non-public address"):
        webhooks.create_webhook(ctx, team.users["boss"], team.project_id, url, ["item.submitted"])
    assert _deliveries(ctx) == []


@pytest.mark.parametrize(
    ("url", "events", "problem"),
    [
        ("ftp://8.8.8.8/x", ["item.submitted"], "only http and https"),
        ("http://8.8.8.8/x", [], "choose at least one"),
        ("http://8.8.8.8/x", ["item.exploded"], "unknown 'item.exploded'"),
        ("", ["item.submitted"], "give an http"),
    ],
)
def test_bad_registrations_say_what_is_wrong(ctx, url, events, problem):
    team = Team(ctx, n_items=1)
    with pytest.raises(Invalid, match=problem):
        webhooks.create_webhook(ctx, team.users["boss"], team.project_id, url, events)


def test_only_managers_register_webhooks(ctx):
    team = Team(ctx, n_items=1)
    with pytest.raises(Forbidden):
        webhooks.create_webhook(
            ctx, team.users["rev"], team.project_id, "http://8.8.8.8/x", ["item.submitted"]
        )


def test_signed_deliveries_arrive_in_order_after_retries(hook_ctx, receiver):
    receiver.fail_first = 2
    team = Team(hook_ctx, n_items=1)
    hook = webhooks.create_webhook(
        hook_ctx, team.users["boss"], team.project_id, receiver.url, ["comment.added"]
    )
    for n in range(3):
        _comment(team, f"note {n}")
    t0 = utcnow()
    assert webhooks.send_due(hook_ctx, now=t0) == 1  # only the head of the hook's line
    assert webhooks.send_due(hook_ctx, now=t0) == 0  # its retry is not due yet
    t1 = t0 + timedelta(seconds=webhooks.backoff(1))
    assert webhooks.send_due(hook_ctx, now=t1) == 1
    t2 = t1 + timedelta(seconds=webhooks.backoff(2))
    assert webhooks.backoff(2) == 2 * webhooks.backoff(1)
    for _ in range(3):
        webhooks.send_due(hook_ctx, now=t2)
    bodies = [e["data"]["body"] for e in receiver.events()]
    assert bodies == ["note 0", "note 0", "note 0", "note 1", "note 2"]
    for got in receiver.received:
        headers = got["headers"]
        assert webhooks.verify(
            hook.secret,
            headers[webhooks.TIMESTAMP_HEADER],
            got["body"],
            headers[webhooks.SIGNATURE_HEADER],
        )
        assert not webhooks.verify(
            "another secret",
            headers[webhooks.TIMESTAMP_HEADER],
            got["body"],
            headers[webhooks.SIGNATURE_HEADER],
        )
        assert headers[webhooks.EVENT_HEADER] == "comment.added"
    first, *rest = _deliveries(hook_ctx)
    assert (first.state, first.attempts, [a["status"] for a in first.log]) == (
        "delivered",
        3,
        [500, 500, 204],
    )
    assert all(d.state == "delivered" and d.attempts == 1 for d in rest)


def test_a_delivery_is_given_up_after_the_last_attempt_and_the_next_goes(
    hook_ctx, receiver, monkeypatch
):
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 2)
    receiver.fail_first = 2
    team = Team(hook_ctx, n_items=1)
    boss = team.users["boss"]
    hook = webhooks.create_webhook(hook_ctx, boss, team.project_id, receiver.url, ["comment.added"])
    _comment(team, "first")
    _comment(team, "second")
    t = utcnow()
    webhooks.send_due(hook_ctx, now=t)
    t += timedelta(seconds=webhooks.backoff(1))
    webhooks.send_due(hook_ctx, now=t)
    webhooks.send_due(hook_ctx, now=t)
    assert [e["data"]["body"] for e in receiver.events()] == ["first", "first", "second"]
    with hook_ctx.db.session(readonly=True) as sess:
        log = webhooks.delivery_log(sess, boss, team.project_id, hook.id)
        failed = webhooks.delivery_log(sess, boss, team.project_id, hook.id, state="failed")
    assert [(e.event, e.state, e.attempts) for e in log] == [
        ("comment.added", "delivered", 1),
        ("comment.added", "failed", 2),
    ]
    assert failed[0].last_status == 500 and failed[0].last_error == "HTTP 500 Internal Server Error"


def test_hooks_get_only_their_events_and_paused_hooks_none(hook_ctx, receiver):
    team = Team(hook_ctx, n_items=1, settings={"review_share": 0.0})
    boss = team.users["boss"]
    hook = webhooks.create_webhook(hook_ctx, boss, team.project_id, receiver.url, ["item.accepted"])
    _comment(team, "not asked for")
    team.submit("ann1", team.next("ann1"))
    webhooks.send_due(hook_ctx)
    assert [e["event"] for e in receiver.events()] == ["item.accepted"]
    webhooks.update_webhook(hook_ctx, boss, team.project_id, hook.id, active=False)
    _comment(team, "still not")
    assert len(_deliveries(hook_ctx)) == 1


def test_an_unreachable_target_is_logged_and_retried(hook_ctx, receiver):
    team = Team(hook_ctx, n_items=1)
    url = receiver.url
    webhooks.create_webhook(hook_ctx, team.users["boss"], team.project_id, url, ["comment.added"])
    receiver.close()  # nothing listens there any more
    _comment(team, "hello?")
    webhooks.send_due(hook_ctx)
    [delivery] = _deliveries(hook_ctx)
    assert delivery.state == "pending" and delivery.attempts == 1
    assert delivery.last_status is None and "ConnectError" in delivery.last_error


def test_targets_are_checked_again_at_send_time(tmp_path, receiver):
    allowed = Context.open(make_settings(tmp_path, url_allow_networks=LOOPBACK))
    team = Team(allowed, n_items=1)
    webhooks.create_webhook(
        allowed, team.users["boss"], team.project_id, receiver.url, ["comment.added"]
    )
    _comment(team, "sent by a server whose rules changed")
    allowed.close()
    strict = Context.open(make_settings(tmp_path))
    try:
        webhooks.send_due(strict)
        [delivery] = _deliveries(strict)
    finally:
        strict.close()
    assert receiver.received == [] and "non-public address" in delivery.last_error
