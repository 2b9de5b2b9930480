"""Client batches: upload a named batch with its requirements and due date; follow its progress."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from labelwright.api.deps import current_user, get_ctx
from labelwright.api.schemas import ImportOut
from labelwright.api.staging import require_roles, safe_name, save_upload, staging
from labelwright.services import batches, projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, TooLarge
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["batches"])
MAX_FILES_PER_REQUEST = 1000


class BatchProgressOut(BaseModel):
    """A batch, its requirements, and its items per workflow state."""

    id: int
    name: str
    note: str
    due_date: date | None
    overdue: bool
    created_by: int | None
    created_at: datetime
    completed_at: datetime | None
    total: int
    done: int = Field(description="items accepted or delivered")
    states: dict[str, int]

    @classmethod
    def of(cls, b: batches.BatchProgress) -> BatchProgressOut:
        """The API view of a batch's progress."""
        return cls(
            id=b.id,
            name=b.name,
            note=b.note,
            due_date=b.due_date,
            overdue=b.overdue,
            created_by=b.created_by,
            created_at=b.created_at,
            completed_at=b.completed_at,
            total=b.total,
            done=b.done,
            states=b.states,
        )


class BatchUploadOut(BaseModel):
    """The new batch and what happened to every file."""

    batch: BatchProgressOut
    report: ImportOut


class BatchPatch(BaseModel):
    """Changes to a batch; leave out what stays."""

    name: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=10_000)
    due_date: date | None = None
    clear_due_date: bool = False


def _parse_due(raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"due_date {raw!r}: write it as YYYY-MM-DD") from None


def _upload(
    ctx: Context, user: User, project_id: int, uploads: list[UploadFile], form: dict, folder: Path
) -> BatchUploadOut:
    paths = []
    for n, upload in enumerate(uploads):
        own = folder / str(n)  # one folder each: two uploads may share a name
        own.mkdir()
        paths.append(save_upload(upload, own / safe_name(upload.filename or "upload")))
    report = batches.upload_batch(
        ctx,
        user,
        project_id,
        paths,
        name=form["name"],
        note=form["note"],
        due_date=form["due_date"],
    )
    with ctx.db.session(readonly=True) as sess:
        progress = batches.batch_progress(sess, user, project_id, report.batch_id)
    return BatchUploadOut(batch=BatchProgressOut.of(progress), report=ImportOut(**report.as_dict()))


@router.post(
    "/batches",
    response_model=BatchUploadOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                            "name": {"type": "string"},
                            "note": {"type": "string"},
                            "due_date": {"type": "string", "format": "date"},
                        },
                        "required": ["files", "name"],
                    }
                }
            }
        }
    },
)
async def upload_batch(
    project_id: int,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> BatchUploadOut:
    """Upload images (or archives, URL lists) as one named batch (clients and managers).

    `note` holds the requirements, `due_date` (YYYY-MM-DD) when the labels are wanted.
    """
    await require_roles(ctx, user, project_id, projects.UPLOAD)
    length = int(request.headers.get("content-length") or 0)
    if length > ctx.settings.max_upload_bytes:
        raise TooLarge(
            f"upload of {length} bytes is over the limit of {ctx.settings.max_upload_bytes}"
        )
    with staging(ctx, "batch-") as folder:
        async with request.form(max_files=MAX_FILES_PER_REQUEST, max_fields=10) as form:
            uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
            if not uploads:
                raise Invalid("send at least one file in the multipart field 'files'")
            fields = {
                "name": str(form.get("name") or ""),
                "note": str(form.get("note") or ""),
                "due_date": _parse_due(str(form.get("due_date") or "")),
            }
            batches.check_details(fields["name"], fields["note"])  # before any file is imported
            batches.check_due(fields["due_date"])
            if not fields["name"].strip():
                raise Invalid("batch name: name the batch so the team can refer to it")
            return await run_in_threadpool(_upload, ctx, user, project_id, uploads, fields, folder)


@router.get("/batch-progress", response_model=list[BatchProgressOut])
def list_batch_progress(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[BatchProgressOut]:
    """Every batch with its due date and its items per state, newest first (any member)."""
    with ctx.db.session(readonly=True) as sess:
        return [BatchProgressOut.of(b) for b in batches.list_progress(sess, user, project_id)]


@router.get("/batches/{batch_id}", response_model=BatchProgressOut)
def get_batch(
    project_id: int,
    batch_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> BatchProgressOut:
    """One batch with its requirements and progress (any member)."""
    with ctx.db.session(readonly=True) as sess:
        return BatchProgressOut.of(batches.batch_progress(sess, user, project_id, batch_id))


@router.patch("/batches/{batch_id}", response_model=BatchProgressOut)
def update_batch(
    project_id: int,
    batch_id: int,
    body: BatchPatch,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> BatchProgressOut:
    """Rename a batch or change its note or due date (managers, or the client who sent it)."""
    found = batches.update_batch(
        ctx,
        user,
        project_id,
        batch_id,
        name=body.name,
        note=body.note,
        due_date=body.due_date,
        clear_due=body.clear_due_date,
    )
    return BatchProgressOut.of(found)
