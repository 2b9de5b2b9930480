"""Deliveries: versioned, immutable dataset archives with a manifest, for the client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx, wake_runner
from labelwright.services import deliveries
from labelwright.services.context import Context
from labelwright.services.errors import NotFound
from labelwright.store.tables import Delivery, User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["deliveries"])


class DeliveryIn(BaseModel):
    """What to deliver: a batch (or the whole project), a format and export options."""

    batch_id: int | None = Field(None, description="deliver this batch; leave out for the project")
    format: str = Field(max_length=100, description="a name from GET /formats")
    split: list[float] | Literal["tags"] | None = Field(
        None, description="train/val/test ratios like [0.8, 0.1, 0.1], or 'tags'"
    )
    seed: int = Field(0, description="seed of the split")
    classes: list[str] | None = Field(None, description="only objects of these classes")
    include_predictions: bool = False
    note: str = Field("", max_length=10_000, description="a note for the client")
    allow_partial: bool = Field(
        False, description="deliver the accepted items even though others are still in work"
    )


class DeliveryOut(BaseModel):
    """A delivery: its version, state, archive hash and manifest."""

    id: int
    project_id: int
    batch_id: int | None
    version: int
    job_id: int | None
    format: str
    options: dict[str, Any]
    state: str
    error: str
    note: str
    sha256: str
    size_bytes: int
    manifest: dict[str, Any]
    created_by: int | None
    created_at: datetime
    ready_at: datetime | None
    download_url: str | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        """The API view of a stored delivery."""
        ready = d.state == "ready"
        return cls(
            id=d.id,
            project_id=d.project_id,
            batch_id=d.batch_id,
            version=d.version,
            job_id=d.job_id,
            format=d.format,
            options=d.options or {},
            state=d.state,
            error=d.error,
            note=d.note,
            sha256=d.sha256,
            size_bytes=d.size_bytes,
            manifest=d.manifest or {},
            created_by=d.created_by,
            created_at=d.created_at,
            ready_at=d.ready_at,
            download_url=(
                f"/api/projects/{d.project_id}/deliveries/{d.id}/download" if ready else None
            ),
        )


@router.post("/deliveries", response_model=DeliveryOut, status_code=202)
def create_delivery(
    project_id: int,
    body: DeliveryIn,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> DeliveryOut:
    """Queue the next version of a delivery (managers); it is ready when its job is done.

    Only accepted (or earlier delivered) items go in; unless `allow_partial`, every item
    of the batch must be accepted. Watch `GET /deliveries/{id}` or the job's progress.
    """
    made = deliveries.queue_delivery(
        ctx,
        user,
        project_id,
        body.format,
        batch_id=body.batch_id,
        note=body.note,
        allow_partial=body.allow_partial,
        split=body.split,
        seed=body.seed,
        classes=body.classes,
        include_predictions=body.include_predictions,
    )
    wake_runner(request)
    return DeliveryOut.of(made)


@router.get("/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    project_id: int,
    batch_id: int | None = Query(None, description="only deliveries of this batch"),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[DeliveryOut]:
    """The project's deliveries, newest first (any member)."""
    with ctx.db.session(readonly=True) as sess:
        found = deliveries.list_deliveries(sess, user, project_id, batch_id=batch_id)
        return [DeliveryOut.of(d) for d in found]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryOut)
def get_delivery(
    project_id: int,
    delivery_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> DeliveryOut:
    """One delivery with its manifest (any member)."""
    with ctx.db.session(readonly=True) as sess:
        return DeliveryOut.of(deliveries.get_delivery(sess, user, project_id, delivery_id))


def _chunks(ctx: Context, key: str) -> Iterator[bytes]:
    with ctx.blobs.open(key) as fh:
        while chunk := fh.read(1 << 20):
            yield chunk


@router.get(
    "/deliveries/{delivery_id}/download",
    response_class=FileResponse,
    response_model=None,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_delivery(
    project_id: int,
    delivery_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> FileResponse | StreamingResponse:
    """The zip of a ready delivery (managers and clients); its SHA-256 is the ETag."""
    with ctx.db.session(readonly=True) as sess:
        delivery = deliveries.downloadable(sess, user, project_id, delivery_id)
    if not ctx.blobs.exists(delivery.blob_key):
        raise NotFound(f"delivery {delivery_id}: its archive is missing from storage")
    name = deliveries.archive_name(delivery)
    headers = {"ETag": f'"{delivery.sha256}"', "Cache-Control": "private, max-age=31536000"}
    local = ctx.blobs.local_path(delivery.blob_key)
    if local is not None:
        return FileResponse(local, media_type="application/zip", filename=name, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return StreamingResponse(
        _chunks(ctx, delivery.blob_key), media_type="application/zip", headers=headers
    )
