"""A project's label schema and written guidelines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from labelwright.api.deps import current_user, get_ctx
from labelwright.api.routers.annotations import PRECONDITION, expected_revision
from labelwright.api.routers.items import blob_response
from labelwright.api.staging import safe_name, save_upload, staging
from labelwright.services import labelschema, projects
from labelwright.services.context import Context
from labelwright.services.schema_edits import update_schema
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["schema"])


class SchemaOut(BaseModel):
    """The label schema in force; send `version` back as If-Match: "rev-N" to change it."""

    version: int
    schema_: dict[str, Any] = Field(alias="schema")
    rewritten_annotations: int = 0

    model_config = {"populate_by_name": True}


class SchemaIn(BaseModel):
    """A new schema, and where objects of removed classes go (class id, or null to delete)."""

    schema_: dict[str, Any] = Field(alias="schema")
    remap: dict[str, str | None] = {}


class GuidelinesIn(BaseModel):
    """Guidelines as Markdown."""

    text: str


class GuidelinesOut(BaseModel):
    """The guidelines in force."""

    text: str
    updated_at: datetime | None
    updated_by: int | None


@router.get("/schema", response_model=SchemaOut, response_model_by_alias=True)
def get_schema(
    project_id: int,
    response: Response,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> SchemaOut:
    """The project's label schema (version 0 and empty until one is saved)."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.READ)
        current = labelschema.current_schema(sess, project_id)
    response.headers["ETag"] = f'"rev-{current.version}"'
    return SchemaOut(version=current.version, schema=current.schema.model_dump(mode="json"))


@router.put(
    "/schema", response_model=SchemaOut, response_model_by_alias=True, responses=PRECONDITION
)
def put_schema(
    project_id: int,
    body: SchemaIn,
    response: Response,
    if_match: str | None = Header(None),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> SchemaOut:
    """Replace the schema (managers). Removing a class in use needs a `remap` entry for it."""
    made, rewritten = update_schema(
        ctx,
        user,
        project_id,
        body.schema_,
        expected_version=expected_revision(if_match),
        remap=body.remap,
    )
    response.headers["ETag"] = f'"rev-{made.version}"'
    return SchemaOut(
        version=made.version,
        schema=made.schema.model_dump(mode="json"),
        rewritten_annotations=rewritten,
    )


@router.get("/guidelines", response_model=GuidelinesOut)
def get_guidelines(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> GuidelinesOut:
    """The project's guidelines (Markdown; empty until written)."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.READ)
        row = labelschema.current_guidelines(sess, project_id)
        if row is None:
            return GuidelinesOut(text="", updated_at=None, updated_by=None)
        return GuidelinesOut(text=row.text, updated_at=row.created_at, updated_by=row.created_by)


@router.put("/guidelines", response_model=GuidelinesOut)
def put_guidelines(
    project_id: int,
    body: GuidelinesIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> GuidelinesOut:
    """Replace the guidelines (managers); earlier versions are kept."""
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
        row = labelschema.save_guidelines(sess, project_id, body.text, user)
        return GuidelinesOut(text=row.text, updated_at=row.created_at, updated_by=row.created_by)


class GuidelineImageOut(BaseModel):
    """A stored guideline image and the Markdown that shows it."""

    sha256: str
    url: str
    markdown: str


@router.post("/guidelines/images", response_model=GuidelineImageOut, status_code=201)
async def upload_guideline_image(
    project_id: int,
    file: UploadFile,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> GuidelineImageOut:
    """Upload an image for the guidelines (managers); paste the returned Markdown."""
    name = safe_name(file.filename or "image")
    with staging(ctx, "guide-") as folder:
        dest = await run_in_threadpool(save_upload, file, folder / name)
        row = await run_in_threadpool(
            labelschema.add_guideline_image, ctx, user, project_id, dest, name
        )
    url = f"/api/projects/{project_id}/guidelines/images/{row.sha256}"
    return GuidelineImageOut(sha256=row.sha256, url=url, markdown=f"![{name}]({url})")


@router.get(
    "/guidelines/images/{sha256}",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}},
)
def get_guideline_image(
    project_id: int,
    sha256: str,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """A guideline image of the project (members only)."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.READ)
        row = labelschema.guideline_image(sess, project_id, sha256)
    return blob_response(ctx, request, row.blob_key, f'"{row.sha256}"', row.mime)
