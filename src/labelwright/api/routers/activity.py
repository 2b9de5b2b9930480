"""Live project activity: recent events as JSON, and a Server-Sent Events stream.

The stream polls the events table (a cheap indexed read per poll), so every server process
streams every event, whichever process recorded it. A reconnecting `EventSource` sends the
id of the last event it got as `Last-Event-ID` and continues from there.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from labelwright.api.deps import current_user, get_ctx
from labelwright.services import activity
from labelwright.services.context import Context
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["activity"])
POLL_SECONDS = 0.75
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 2000  # how soon a browser reconnects after the stream ends
# Streams end and resume now and then, so a stopping server never waits long for them.
MAX_SECONDS = 60.0


class ActivityOut(BaseModel):
    """Events after an id, the id to ask after next time, and who works on what now."""

    events: list[dict[str, Any]]
    last_id: int
    presence: list[dict[str, Any]]


@router.get("/activity", response_model=ActivityOut)
def recent_activity(
    project_id: int,
    after: int | None = Query(None, ge=0, description="events after this id; default: newest"),
    limit: int = Query(100, ge=1, le=500),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> ActivityOut:
    """The project's events after an id (or the newest ones) and its presence (any member).

    Clients see accepted items, completed batches and ready deliveries, without names.
    """
    with ctx.db.session(readonly=True) as sess:
        who = activity.reader(sess, user, project_id)
        if after is None:
            events = activity.newest_events(sess, project_id, limit=limit, for_client=who.client)
        else:
            events = activity.events_after(
                sess, project_id, after, limit=limit, for_client=who.client
            )
        last = events[-1].id if events else after or activity.last_event_id(sess, project_id)
        present = [] if who.client else activity.presence(sess, project_id)
    return ActivityOut(events=[e.as_dict() for e in events], last_id=last, presence=present)


def _frame(data: Any, *, event: str | None = None, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event:
        lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


async def _stream(
    follower: activity.Follower, request: Request, max_seconds: float
) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    # The starting id, so a browser that reconnects before any event resumes from here.
    yield _frame({"after": follower.highest}, event="ready", event_id=follower.highest)
    started = last_sent = time.monotonic()
    while time.monotonic() - started < max_seconds:
        if await request.is_disconnected():
            return
        now = time.monotonic()
        events, present = await run_in_threadpool(follower.poll, now)
        for e in events:
            yield _frame(e.as_dict(), event=e.kind, event_id=e.id)
        if present is not None:
            yield _frame(present, event="presence")
        if events or present is not None:
            last_sent = now
        elif now - last_sent >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"  # a comment: proxies keep the connection open
            last_sent = now
        await asyncio.sleep(POLL_SECONDS)


def _open(ctx: Context, user: User, project_id: int, start: int | None) -> activity.Follower:
    with ctx.db.session(readonly=True) as sess:
        who = activity.reader(sess, user, project_id)
        after = start if start is not None else activity.last_event_id(sess, project_id)
    return activity.Follower(ctx.db, who, after)


@router.get(
    "/activity/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def activity_stream(
    project_id: int,
    request: Request,
    after: int | None = Query(None, ge=0, description="start after this event id"),
    max_seconds: float = Query(
        MAX_SECONDS, ge=0.1, le=3600, description="end the stream after this (it resumes)"
    ),
    last_event_id: str | None = Header(None, description="set by a reconnecting EventSource"),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> StreamingResponse:
    """Server-Sent Events of the project (any member): one per event, and `presence`.

    Each event's `data` is the event with its item's current state; `presence` lists who
    holds a live lease on which item, sent when it changes; the first frame, `ready`,
    carries the id the stream starts after. Without `after` or `Last-Event-ID` the stream
    starts with the next event. It ends after `max_seconds` (an `EventSource` then
    reconnects and resumes where it was).
    """
    start = after
    if last_event_id and last_event_id.strip().isdigit():
        start = int(last_event_id.strip())
    follower = await run_in_threadpool(_open, ctx, user, project_id, start)
    return StreamingResponse(
        _stream(follower, request, max_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
