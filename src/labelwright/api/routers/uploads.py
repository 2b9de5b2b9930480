"""Uploads: files stream to disk, then go through the same intake as the CLI's import."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from labelwright.api.deps import current_user, get_ctx
from labelwright.api.schemas import ImportOut
from labelwright.api.staging import require_roles, safe_name, save_upload, staging
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, TooLarge
from labelwright.services.intake import import_paths
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}/uploads", tags=["uploads"])
MAX_FILES_PER_REQUEST = 1000


def _run_import(
    ctx: Context, project_id: int, files: list[Path], user: User, batch: str
) -> ImportOut:
    report = import_paths(ctx, project_id, files, user_id=user.id, batch_name=batch)
    return ImportOut(**report.as_dict())


@router.post(
    "",
    response_model=ImportOut,
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
                            "batch": {"type": "string"},
                        },
                        "required": ["files"],
                    }
                }
            }
        }
    },
)
async def upload_files(
    project_id: int,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> ImportOut:
    """Upload images, archives (.zip, .tar…) or URL lists as multipart `files`: one batch."""
    await require_roles(ctx, user, project_id, projects.UPLOAD)
    length = int(request.headers.get("content-length") or 0)
    if length > ctx.settings.max_upload_bytes:
        raise TooLarge(
            f"upload of {length} bytes is over the limit of {ctx.settings.max_upload_bytes}"
        )
    with staging(ctx, "upload-") as folder:
        async with request.form(max_files=MAX_FILES_PER_REQUEST, max_fields=10) as form:
            uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
            if not uploads:
                raise Invalid("send at least one file in the multipart field 'files'")
            batch = str(form.get("batch") or "")[:200]
            paths = await run_in_threadpool(_stage_uploads, uploads, folder)
        return await run_in_threadpool(_run_import, ctx, project_id, paths, user, batch)


def _stage_uploads(uploads: list[UploadFile], staging: Path) -> list[Path]:
    """Copy each spooled upload to its own folder under its own (made safe) name."""
    paths = []
    for n, upload in enumerate(uploads):
        folder = staging / str(n)  # one folder each: two uploads may share a name
        folder.mkdir()
        paths.append(save_upload(upload, folder / safe_name(upload.filename or "upload")))
    return paths


@router.put(
    "/{file_name}",
    response_model=ImportOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
            "required": True,
        }
    },
)
async def upload_raw(
    project_id: int,
    file_name: str,
    request: Request,
    batch: str = Query("", max_length=200),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> ImportOut:
    """Upload one file as the raw request body, streamed to disk: for very large archives."""
    await require_roles(ctx, user, project_id, projects.UPLOAD)
    limit = ctx.settings.max_upload_bytes
    with staging(ctx, "upload-") as folder:
        dest = folder / safe_name(file_name)
        written = 0
        with dest.open("wb") as out:
            async for chunk in request.stream():
                written += len(chunk)
                if written > limit:
                    raise TooLarge(f"{file_name}: upload is over the limit of {limit} bytes")
                out.write(chunk)
        return await run_in_threadpool(_run_import, ctx, project_id, [dest], user, batch)
