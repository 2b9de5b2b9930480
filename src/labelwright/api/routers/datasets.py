"""Dataset exports of a project (as zip files), dataset imports (both as background jobs), and
the formats for both."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from labelwright.api.deps import current_user, get_ctx, wake_runner
from labelwright.api.schemas import JobOut
from labelwright.api.staging import require_roles, safe_name, save_upload, staging
from labelwright.services import datasets, export_jobs, projects
from labelwright.services.context import Context
from labelwright.services.dataset_uploads import queue_uploaded_import
from labelwright.services.errors import Invalid, NotFound
from labelwright.store.tables import Job, User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["datasets"])


class ExportIn(BaseModel):
    """What to export: a format and optional filters and split."""

    format: str = Field(max_length=100, description="a name from GET /formats")
    split: list[float] | Literal["tags"] | None = Field(
        None, description="train/val/test ratios like [0.8, 0.1, 0.1], or 'tags'"
    )
    seed: int = Field(0, description="seed of the split: the same seed gives the same split")
    states: list[str] | None = Field(None, description="only items in these workflow states")
    classes: list[str] | None = Field(None, description="only objects of these class ids or names")
    include_predictions: bool = Field(False, description="add model predictions to the labels")


@router.get("/formats", response_model=list[str])
def list_formats(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[str]:
    """The dataset formats this installation can export and import."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.READ)
    return datasets.available_formats()


@router.post("/exports", response_model=JobOut, status_code=202)
def create_export(
    project_id: int,
    body: ExportIn,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> JobOut:
    """Queue an export of the project as a zip (managers); the job runs in the background.

    Watch it at `/jobs/{job_id}`; when done, its result holds the manifest (images and
    objects per class and split) and the zip is at `/exports/{job_id}/download`.
    """
    job_id = export_jobs.queue_export(
        ctx,
        user,
        project_id,
        body.format,
        split=body.split,
        seed=body.seed,
        states=body.states,
        classes=body.classes,
        include_predictions=body.include_predictions,
    )
    wake_runner(request)
    with ctx.db.session(readonly=True) as sess:
        return JobOut.of(sess.get(Job, job_id))


@router.get(
    "/exports/{job_id}/download",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_export(
    project_id: int,
    job_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> FileResponse:
    """The zip of a finished export; managers and clients (who receive deliveries) may fetch it."""
    with ctx.db.session(readonly=True) as sess:
        job = datasets.export_job(sess, user, project_id, job_id)
        fmt = job.params.get("format", "dataset")
    path = datasets.archive_path(ctx, job_id)
    if not path.is_file():
        raise NotFound(f"export {job_id} has no archive (it was made elsewhere or removed)")
    name = f"project-{project_id}-{fmt}-{job_id}.zip"
    return FileResponse(path, media_type="application/zip", filename=name)


@router.post(
    "/imports",
    response_model=JobOut,
    status_code=202,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "format": {"type": "string"},
                            "as_predictions": {"type": "string"},
                        },
                        "required": ["file"],
                    }
                }
            }
        }
    },
)
async def import_dataset(
    project_id: int,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> JobOut:
    """Queue the import of a dataset (managers): a zip/tar of its folder, or its main file
    (e.g. COCO JSON).

    `format` is detected when left out; `as_predictions` stores the labels as predictions of
    that model instead of annotations. The upload is saved and unpacked (an unsafe archive or
    an unknown format is refused now), then the import runs in the background: watch it at
    `/jobs/{job_id}`; when done, its result is the report, naming every problem with its file
    and object.
    """
    await require_roles(ctx, user, project_id, projects.MANAGE)
    with staging(ctx, "dataset-upload-") as folder:
        async with request.form(max_files=1, max_fields=5) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Invalid("send the dataset in the multipart field 'file'")
            fmt = str(form.get("format") or "") or None
            as_predictions = str(form.get("as_predictions") or "") or None
            dest = folder / safe_name(upload.filename or "dataset")
            await run_in_threadpool(save_upload, upload, dest)
        job_id = await run_in_threadpool(
            queue_uploaded_import,
            ctx,
            user,
            project_id,
            dest,
            fmt=fmt,
            as_predictions=as_predictions,
        )
    wake_runner(request)
    with ctx.db.session(readonly=True) as sess:
        return JobOut.of(sess.get(Job, job_id))
