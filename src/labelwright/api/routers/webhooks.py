"""Webhooks of a project (managers): register URLs for events, see their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx
from labelwright.services import webhooks
from labelwright.services.context import Context
from labelwright.store.tables import User, Webhook

router = APIRouter(prefix="/api/projects/{project_id}/webhooks", tags=["webhooks"])


class WebhookIn(BaseModel):
    """A URL and the events to POST to it."""

    url: str = Field(max_length=2000, description="http(s); private addresses are refused")
    events: list[str] = Field(
        description="item.submitted, item.accepted, item.rejected, comment.added, "
        "batch.completed, delivery.ready, job.finished"
    )


class WebhookPatch(BaseModel):
    """Changes to a webhook; leave out what stays."""

    url: str | None = Field(None, max_length=2000)
    events: list[str] | None = None
    active: bool | None = None


class WebhookOut(BaseModel):
    """A registered webhook (its secret is shown only when it is made)."""

    id: int
    url: str
    events: list[str]
    active: bool
    created_by: int | None
    created_at: datetime

    @classmethod
    def of(cls, hook: Webhook) -> WebhookOut:
        """The API view of a stored webhook."""
        return cls(
            id=hook.id,
            url=hook.url,
            events=list(hook.events or []),
            active=hook.active,
            created_by=hook.created_by,
            created_at=hook.created_at,
        )


class WebhookCreated(WebhookOut):
    """A new webhook with the secret its receiver checks signatures with (shown once)."""

    secret: str
    signature_header: str = webhooks.SIGNATURE_HEADER
    timestamp_header: str = webhooks.TIMESTAMP_HEADER


class DeliveryLogOut(BaseModel):
    """One event's delivery to the webhook, with its attempts."""

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


@router.get("", response_model=list[WebhookOut])
def list_webhooks(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[WebhookOut]:
    """The project's webhooks (managers)."""
    with ctx.db.session(readonly=True) as sess:
        return [WebhookOut.of(h) for h in webhooks.list_webhooks(sess, user, project_id)]


@router.post("", response_model=WebhookCreated, status_code=201)
def create_webhook(
    project_id: int,
    body: WebhookIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> WebhookCreated:
    """Register a URL for events (managers); keep the secret to check signatures.

    Each POST carries `X-Labelwright-Signature: sha256=<hex>`, the HMAC-SHA256 of
    `<X-Labelwright-Timestamp>.<body>` under the secret; failed deliveries are retried
    with exponential backoff, in order.
    """
    hook = webhooks.create_webhook(ctx, user, project_id, body.url, body.events)
    return WebhookCreated(**WebhookOut.of(hook).model_dump(), secret=hook.secret)


@router.patch("/{webhook_id}", response_model=WebhookOut)
def update_webhook(
    project_id: int,
    webhook_id: int,
    body: WebhookPatch,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> WebhookOut:
    """Change a webhook's URL or events, or pause it (managers)."""
    hook = webhooks.update_webhook(
        ctx, user, project_id, webhook_id, url=body.url, events=body.events, active=body.active
    )
    return WebhookOut.of(hook)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(
    project_id: int,
    webhook_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Remove a webhook and its delivery log (managers)."""
    webhooks.delete_webhook(ctx, user, project_id, webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryLogOut])
def delivery_log(
    project_id: int,
    webhook_id: int,
    state: str | None = Query(None, description="pending, delivered or failed"),
    limit: int = Query(50, ge=1, le=500),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[DeliveryLogOut]:
    """The webhook's deliveries, newest first, with each attempt's status (managers)."""
    with ctx.db.session(readonly=True) as sess:
        found = webhooks.delivery_log(sess, user, project_id, webhook_id, state=state, limit=limit)
        return [DeliveryLogOut(**vars(entry)) for entry in found]
