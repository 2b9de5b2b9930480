"""Image embeddings, similar images and near-duplicate groups of a project."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx, wake_runner
from labelwright.api.schemas import JobOut
from labelwright.services import embeddings, similarity
from labelwright.services.context import Context
from labelwright.store.tables import Job, User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["similarity"])
MODEL_QUERY = Query(
    embeddings.DEFAULT_MODEL, max_length=200, description="the model whose embeddings to use"
)


class EmbedIn(BaseModel):
    """Which model embeds which items; items that already have its embedding are skipped."""

    model: str = Field(embeddings.DEFAULT_MODEL, max_length=200)
    settings: dict[str, Any] = Field(
        default_factory=dict, description="model settings; file paths are inside <data>/models"
    )
    states: list[str] = Field(default_factory=list, description="only items in these states")
    executor: str | None = Field(None, pattern="^(local|ray|inline)$")


class SimilarItemOut(BaseModel):
    """One match and the cosine of its embedding to the query item's (1: the same)."""

    item_id: int
    file_name: str
    score: float
    thumbnail_url: str


class SimilarOut(BaseModel):
    """The items most like one item, best first."""

    item_id: int
    model: str
    items: list[SimilarItemOut]


class GroupItemOut(BaseModel):
    """A member of a near-duplicate group."""

    item_id: int
    file_name: str
    thumbnail_url: str


class DuplicateGroupOut(BaseModel):
    """Items that look alike, and the pass that found them.

    `weakest`: for the hash pass, the largest Hamming distance of a link in the group; for the
    embedding pass, the lowest cosine of a link.
    """

    found_by: Literal["hash", "embedding"]
    weakest: float
    items: list[GroupItemOut]


class DuplicatesOut(BaseModel):
    """Near-duplicate groups, largest first, with what each pass compared."""

    max_distance: int
    min_cosine: float
    model: str
    hashed: int = Field(description="items compared by difference hash")
    embedded: int = Field(description="items not grouped by hash, compared by embedding")
    embedding_note: str = Field(description="why the embedding pass did not run, if it did not")
    total_groups: int
    groups: list[DuplicateGroupOut]


def _thumbnail(project_id: int, item_id: int) -> str:
    return f"/api/projects/{project_id}/items/{item_id}/thumbnail"


@router.post("/embeddings", response_model=JobOut, status_code=202)
def start_embeddings(
    project_id: int,
    body: EmbedIn,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> JobOut:
    """Queue an embedding job (managers); watch it at /jobs/{job_id}, cancel it there."""
    wanted = embeddings.EmbedRequest.of(body.model_dump())
    job_id = embeddings.queue_embed(ctx, user, project_id, wanted, confine=True)
    wake_runner(request)
    with ctx.db.session(readonly=True) as sess:
        return JobOut.of(sess.get(Job, job_id))


@router.get("/items/{item_id}/similar", response_model=SimilarOut)
def similar_items(
    project_id: int,
    item_id: int,
    k: int = Query(12, ge=1, le=similarity.MAX_K, description="how many matches"),
    model: str = MODEL_QUERY,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> SimilarOut:
    """The items whose embeddings are closest to this item's (409 until the embed job ran)."""
    answer = similarity.similar_items(ctx, user, project_id, item_id, k=k, model=model)
    return SimilarOut(
        item_id=answer.item_id,
        model=answer.model,
        items=[
            SimilarItemOut(
                item_id=m.item_id,
                file_name=m.file_name,
                score=m.score,
                thumbnail_url=_thumbnail(project_id, m.item_id),
            )
            for m in answer.items
        ],
    )


@router.get("/duplicates", response_model=DuplicatesOut)
def duplicates(
    project_id: int,
    max_distance: int = Query(
        6, ge=0, le=similarity.MAX_HASH_DISTANCE, description="most differing hash bits"
    ),
    min_cosine: float = Query(0.95, gt=0, le=1, description="least embedding cosine"),
    model: str = MODEL_QUERY,
    limit: int = Query(100, ge=1, le=1000, description="groups to list at most"),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> DuplicatesOut:
    """Near-duplicate groups (managers, reviewers): by hash first, then by embedding."""
    report = similarity.find_duplicates(
        ctx,
        user,
        project_id,
        max_distance=max_distance,
        min_cosine=min_cosine,
        model=model,
        limit=limit,
    )
    groups = [
        DuplicateGroupOut(
            found_by=g.found_by,
            weakest=g.weakest,
            items=[
                GroupItemOut(item_id=i, file_name=name, thumbnail_url=_thumbnail(project_id, i))
                for i, name in g.items
            ],
        )
        for g in report.groups
    ]
    return DuplicatesOut(
        max_distance=report.max_distance,
        min_cosine=report.min_cosine,
        model=report.model,
        hashed=report.hashed,
        embedded=report.embedded,
        embedding_note=report.embedding_note,
        total_groups=report.total_groups,
        groups=groups,
    )
