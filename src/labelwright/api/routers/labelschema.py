"""A project's label schema and written guidelines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx
from labelwright.api.routers.annotations import PRECONDITION, _expected
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
        ctx, user, project_id, body.schema_, expected_version=_expected(if_match), remap=body.remap
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
