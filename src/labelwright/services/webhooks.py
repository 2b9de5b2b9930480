"""Webhooks: a manager registers URLs for events; each event is POSTed, signed, retried.

How deliveries travel: `activity.record` adds one `webhook_deliveries` row per subscribed
hook in the transaction of the event, so none is lost. A `WebhookSender` thread (one per
server process that runs background work, beside the job runner) sends what is due. A
sender claims a row with a conditional update (`claimed_until`), so any number of
processes share the work without sending a row twice. Per hook, only the oldest pending
delivery is ever sent: a later event waits until the earlier one arrived or was given up,
so a receiver sees a hook's events in order. A failed attempt is retried after
`BACKOFF_BASE * 2**(attempt-1)` seconds (capped at `BACKOFF_MAX`) up to `MAX_ATTEMPTS`.

Signature: `X-Labelwright-Signature: sha256=<hex>`, the HMAC-SHA256 under the hook's
secret of `<X-Labelwright-Timestamp>.<raw body>`. Targets obey the URL-import address
rules (`media.remote`): no loopback, private, link-local or metadata addresses unless
`Settings.url_allow_networks` allows them; the address is checked again at each send and
the connection goes to the checked address; redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from labelwright.media.errors import RejectedFile
from labelwright.media.remote import FetchPolicy, parse_http_url, pinned_request, resolve_public
from labelwright.services import activity, projects
from labelwright.services.context import Context
from labelwright.services.errors import Conflict, Invalid, NotFound
from labelwright.store.tables import ActivityEvent, User, Webhook, WebhookDelivery, utcnow

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Labelwright-Signature"
TIMESTAMP_HEADER = "X-Labelwright-Timestamp"
EVENT_HEADER = "X-Labelwright-Event"
DELIVERY_HEADER = "X-Labelwright-Delivery"
MAX_ATTEMPTS = 10
BACKOFF_BASE = 10.0  # seconds before the first retry; doubled each time
BACKOFF_MAX = 3600.0
CLAIM = timedelta(seconds=60)  # longer than one send can take (timeouts below)
SEND_TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
MAX_HOOKS = 50  # per project
MAX_LOG = 20  # attempts kept in a delivery's log
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


# --- signing (the receiving side checks the same way) ----------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp` (Unix seconds, as text)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether a received signature is the one `sign` makes (compared in constant time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_BASE * 2 ** max(0, attempts - 1), BACKOFF_MAX)


# --- registration ----------------------------------------------------------------------


def _policy(ctx: Context) -> FetchPolicy:
    return FetchPolicy(allow_networks=ctx.settings.url_allow_networks)


def check_target(ctx: Context, url: str) -> str:
    """The URL if it is http(s) and its host resolves only to allowed addresses."""
    url = (url or "").strip()
    if not url or len(url) > 2000:
        raise Invalid("webhook url: give an http(s) URL of at most 2000 characters")
    try:
        resolve_public(parse_http_url(url, url), url, _policy(ctx))
    except RejectedFile as exc:
        raise Invalid(f"webhook url: {exc.detail}", reason=exc.reason) from None
    return url


def _events(events: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(events or []))
    if not chosen:
        raise Invalid(f"webhook events: choose at least one of {', '.join(activity.KINDS)}")
    unknown = [e for e in chosen if e not in activity.KINDS]
    if unknown:
        raise Invalid(
            f"webhook events: unknown {', '.join(map(repr, unknown))}; "
            f"use {', '.join(activity.KINDS)}"
        )
    return chosen


def create_webhook(
    ctx: Context, user: User, project_id: int, url: str, events: list[str]
) -> Webhook:
    """Register a URL for some events of a project (managers); its secret is made here."""
    chosen = _events(events)
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
    target = check_target(ctx, url)  # resolves the host: outside any transaction
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        count = sess.scalar(
            select(func.count()).select_from(Webhook).where(Webhook.project_id == project_id)
        )
        if count >= MAX_HOOKS:
            raise Conflict(f"project {project_id} already has {MAX_HOOKS} webhooks")
        hook = Webhook(
            project_id=project_id,
            url=target,
            events=chosen,
            secret=secrets.token_urlsafe(32),
            active=True,
            created_by=user.id,
            created_at=utcnow(),
        )
        sess.add(hook)
        sess.flush()
        return hook


def _hook(sess: Session, project_id: int, webhook_id: int) -> Webhook:
    hook = sess.get(Webhook, webhook_id)
    if hook is None or hook.project_id != project_id:
        raise NotFound(f"webhook {webhook_id} does not exist in project {project_id}")
    return hook


def list_webhooks(sess: Session, user: User, project_id: int) -> list[Webhook]:
    """The project's webhooks (managers)."""
    projects.require(sess, user, project_id, projects.MANAGE)
    return list(
        sess.scalars(select(Webhook).where(Webhook.project_id == project_id).order_by(Webhook.id))
    )


def update_webhook(
    ctx: Context,
    user: User,
    project_id: int,
    webhook_id: int,
    *,
    url: str | None = None,
    events: list[str] | None = None,
    active: bool | None = None,
) -> Webhook:
    """Change a webhook's URL, events or whether it is active (managers)."""
    chosen = _events(events) if events is not None else None
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        _hook(sess, project_id, webhook_id)
    target = check_target(ctx, url) if url is not None else None
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        hook = _hook(sess, project_id, webhook_id)
        if target is not None:
            hook.url = target
        if chosen is not None:
            hook.events = chosen
        if active is not None:
            hook.active = active
        return hook


def delete_webhook(ctx: Context, user: User, project_id: int, webhook_id: int) -> None:
    """Remove a webhook and its delivery log (managers)."""
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        sess.delete(_hook(sess, project_id, webhook_id))


@dataclass(frozen=True)
class LogEntry:
    """One event's delivery to a hook: where it stands and its attempts."""

    id: int
    event_id: int
    event: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
    log: list[dict[str, Any]]


def delivery_log(
    sess: Session,
    user: User,
    project_id: int,
    webhook_id: int,
    *,
    state: str | None = None,
    limit: int = 50,
) -> list[LogEntry]:
    """A webhook's deliveries, newest first (managers)."""
    projects.require(sess, user, project_id, projects.MANAGE)
    _hook(sess, project_id, webhook_id)
    if state is not None and state not in (PENDING, DELIVERED, FAILED):
        raise Invalid(f"state {state!r}: use pending, delivered or failed")
    stmt = (
        select(WebhookDelivery, ActivityEvent.kind)
        .join(ActivityEvent, ActivityEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.webhook_id == webhook_id)
    )
    if state:
        stmt = stmt.where(WebhookDelivery.state == state)
    stmt = stmt.order_by(WebhookDelivery.id.desc()).limit(max(1, min(limit, 500)))
    return [
        LogEntry(
            id=d.id,
            event_id=d.event_id,
            event=kind,
            state=d.state,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at if d.state == PENDING else None,
            last_status=d.last_status,
            last_error=d.last_error,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
            log=list(d.log or []),
        )
        for d, kind in sess.execute(stmt)
    ]


# --- sending ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claimed:
    delivery_id: int
    url: str
    secret: str
    event: str
    body: bytes


def _payload(event: ActivityEvent) -> bytes:
    body = {
        "id": event.id,
        "event": event.kind,
        "project_id": event.project_id,
        "item_id": event.item_id,
        "actor_id": event.actor_id,
        "created_at": event.created_at.isoformat(),
        "data": event.payload or {},
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def _due(ctx: Context, now: datetime, limit: int) -> list[int]:
    """Each hook's oldest pending delivery, if it is due and no sender holds it (a cheap read)."""
    heads = (
        select(func.min(WebhookDelivery.id))
        .where(WebhookDelivery.state == PENDING)
        .group_by(WebhookDelivery.webhook_id)
    )
    with ctx.db.session(readonly=True) as sess:
        return list(
            sess.scalars(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.id.in_(heads),
                    WebhookDelivery.next_attempt_at <= now,
                    _free(now),
                )
                .order_by(WebhookDelivery.id)
                .limit(limit)
            )
        )


def _free(now: datetime):
    return or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now)


def _claim(ctx: Context, now: datetime, limit: int) -> list[_Claimed]:
    """Claim the due deliveries; the write lock is only taken when something is due."""
    due = _due(ctx, now, limit)
    if not due:
        return []
    until = now + CLAIM
    claimed: list[_Claimed] = []
    with ctx.db.session() as sess:
        for delivery_id in due:
            # Checked again in the update: of two senders only one matches, and a delivery
            # another sender finished meanwhile is left alone.
            won = sess.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.state == PENDING,
                    _free(now),
                )
                .values(claimed_until=until)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not won:
                continue
            delivery = sess.get(WebhookDelivery, delivery_id)
            hook = sess.get(Webhook, delivery.webhook_id)
            event = sess.get(ActivityEvent, delivery.event_id)
            body = _payload(event)
            claimed.append(_Claimed(delivery_id, hook.url, hook.secret, event.kind, body))
    return claimed


def _post(ctx: Context, job: _Claimed, client: httpx.Client) -> tuple[int | None, str]:
    """POST one delivery; (HTTP status or None, error text or '') — never raises."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Labelwright-Webhook",
        SIGNATURE_HEADER: sign(job.secret, timestamp, job.body),
        TIMESTAMP_HEADER: timestamp,
        EVENT_HEADER: job.event,
        DELIVERY_HEADER: str(job.delivery_id),
    }
    try:
        parts = parse_http_url(job.url, job.url)
        target, pinned, extensions = pinned_request(
            parts, resolve_public(parts, job.url, _policy(ctx))
        )
        response = client.post(
            target,
            content=job.body,
            headers={**headers, **pinned},
            extensions=extensions,
            timeout=SEND_TIMEOUT,
        )
    except RejectedFile as exc:
        return None, exc.detail
    except httpx.TimeoutException:
        return None, f"{job.url}: no answer in time"
    except httpx.HTTPError as exc:
        return None, f"{job.url}: {type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code} {response.reason_phrase}"


def _settle(
    ctx: Context, job: _Claimed, status: int | None, error: str, now: datetime, ms: int
) -> None:
    """Record one attempt: delivered, retried later with backoff, or given up."""
    with ctx.db.session() as sess:
        delivery = sess.get(WebhookDelivery, job.delivery_id)
        if delivery is None or delivery.state != PENDING:
            return  # the hook was deleted meanwhile
        delivery.attempts += 1
        entry = {"at": now.isoformat(), "status": status, "error": error, "ms": ms}
        delivery.log = [*(delivery.log or []), entry][-MAX_LOG:]
        delivery.last_status, delivery.last_error = status, error
        delivery.claimed_until = None
        if not error:
            delivery.state, delivery.delivered_at = DELIVERED, now
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = FAILED
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff(delivery.attempts))


def send_due(ctx: Context, *, now: datetime | None = None, limit: int = 20) -> int:
    """Send every delivery that is due now (at most `limit`); returns how many were tried."""
    claimed = _claim(ctx, now or utcnow(), limit)
    if not claimed:
        return 0
    with httpx.Client(trust_env=False, follow_redirects=False) as client:
        for job in claimed:
            started = time.monotonic()
            status, error = _post(ctx, job, client)
            ms = int((time.monotonic() - started) * 1000)
            _settle(ctx, job, status, error, now or utcnow(), ms)
    return len(claimed)


class WebhookSender:
    """A background thread that sends due webhook deliveries, polling the table."""

    def __init__(self, ctx: Context, poll: float = 1.0) -> None:
        self.ctx, self.poll = ctx, poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start sending in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="labelwright-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current send."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = send_due(self.ctx)
            except Exception:  # the loop must survive a database hiccup
                log.exception("webhook sender: sending failed")
                sent = 0
            if not sent:
                self._stop.wait(self.poll)


def start_sender(ctx: Context) -> WebhookSender:
    """Start this process's webhook sender (the API server calls this on start)."""
    sender = WebhookSender(ctx)
    sender.start()
    return sender
