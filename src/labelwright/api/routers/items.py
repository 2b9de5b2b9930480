"""Items of a project: listing, details, and their pixels (original, thumbnail, frames)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse

from labelwright.api.deps import current_user, get_ctx
from labelwright.api.schemas import BatchOut, ImageOut, ItemOut, ItemPage
from labelwright.domain.roles import ProjectRole
from labelwright.services import derived, items, projects
from labelwright.services.context import Context
from labelwright.store.tables import Image, Item, User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["items"])
# Content-addressed: the bytes behind a URL never change, so browsers may keep them.
CACHE = "private, max-age=31536000, immutable"


def item_out(item: Item, image: Image) -> ItemOut:
    """The API view of an item."""
    base = f"/api/projects/{item.project_id}/items/{item.id}"
    return ItemOut(
        id=item.id,
        project_id=item.project_id,
        file_name=item.file_name,
        state=item.state,
        batch_id=item.batch_id,
        created_at=item.created_at,
        image=ImageOut(
            id=image.id,
            sha256=image.sha256,
            format=image.format,
            width=image.width,
            height=image.height,
            frame_count=image.frame_count,
            size_bytes=image.size_bytes,
        ),
        image_url=f"{base}/image",
        thumbnail_url=f"{base}/thumbnail",
    )


@router.get("/items", response_model=ItemPage)
def list_items(
    project_id: int,
    state: str | None = Query(None, description="only items in this workflow state"),
    batch: int | None = Query(None, description="only items of this batch id"),
    name: str | None = Query(None, max_length=1000, description="file name starts with this"),
    order: str = Query("id", description="'id' (oldest first) or 'name'"),
    after: str | None = Query(None, max_length=2000, description="the `next` of the previous page"),
    limit: int = Query(100, ge=1, le=500),
    class_id: str | None = Query(None, alias="class", description="has objects of this class id"),
    annotator: int | None = Query(None, description="annotated by this user id"),
    min_objects: int | None = Query(None, ge=0, description="an annotation has at least N objects"),
    max_objects: int | None = Query(None, ge=0, description="an annotation has at most N objects"),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> ItemPage:
    """A page of the project's items; keyset pagination keeps deep pages as fast as the first."""
    by_annotation = {
        "class_id": class_id,
        "annotator_id": annotator,
        "min_objects": min_objects,
        "max_objects": max_objects,
    }
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, projects.READ)
        if access.role in (ProjectRole.annotator, ProjectRole.client):
            by_annotation["only_user_id"] = user.id  # never a window on other people's work
        rows, nxt = items.page_of_items(
            sess,
            project_id,
            state=state,
            batch_id=batch,
            name=name,
            order=order,
            after=after,
            limit=limit,
            annotation_filter=by_annotation,
        )
        return ItemPage(items=[item_out(i, img) for i, img in rows], next=nxt)


@router.get("/items/{item_id}", response_model=ItemOut)
def get_item(
    project_id: int,
    item_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> ItemOut:
    """One item and its image's metadata."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.READ)
        return item_out(*items.item_with_image(sess, project_id, item_id))


def _image_of(ctx: Context, user: User, project_id: int, item_id: int) -> Image:
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.READ)
        return items.item_with_image(sess, project_id, item_id)[1]


def blob_response(ctx: Context, request: Request, key: str, etag: str, media_type: str) -> Response:
    """Serve a content-addressed blob: strong ETag, immutable caching, 304 when unchanged."""
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    local = ctx.blobs.local_path(key)
    if local is not None:
        return FileResponse(local, media_type=media_type, headers=headers)
    return Response(ctx.blobs.read_bytes(key), media_type=media_type, headers=headers)


@router.get(
    "/items/{item_id}/image", response_class=Response, responses={200: {"content": {"image/*": {}}}}
)
def get_image(
    project_id: int,
    item_id: int,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """The original file, byte for byte (strong ETag: its SHA-256)."""
    image = _image_of(ctx, user, project_id, item_id)
    return blob_response(ctx, request, image.blob_key, f'"{image.sha256}"', image.mime)


@router.get(
    "/items/{item_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def get_thumbnail(
    project_id: int,
    item_id: int,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """A small JPEG preview, oriented as a person sees the image."""
    image = _image_of(ctx, user, project_id, item_id)
    key = derived.ensure_thumbnail(ctx, image)
    return blob_response(ctx, request, key, f'"{image.sha256}-thumb"', "image/jpeg")


@router.get(
    "/items/{item_id}/display",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}},
)
def get_display(
    project_id: int,
    item_id: int,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """The image for a first paint: the original, or a JPEG of at most 2048 px a side for
    larger images (oriented like the original; coordinates scale with its size)."""
    image = _image_of(ctx, user, project_id, item_id)
    key = derived.ensure_display(ctx, image)
    if key == image.blob_key:
        return blob_response(ctx, request, key, f'"{image.sha256}"', image.mime)
    return blob_response(ctx, request, key, f'"{image.sha256}-display"', "image/jpeg")


@router.get(
    "/items/{item_id}/frames/{frame}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def get_frame(
    project_id: int,
    item_id: int,
    frame: int,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """One frame of an animated image as PNG (0-based), rendered once and then kept."""
    image = _image_of(ctx, user, project_id, item_id)
    key = derived.ensure_frame(ctx, image, frame)
    return blob_response(ctx, request, key, f'"{image.sha256}-f{frame}"', "image/png")


@router.get("/batches", response_model=list[BatchOut])
def list_batches(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[BatchOut]:
    """The project's batches, oldest first."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.READ)
        return [
            BatchOut(id=b.id, name=b.name, note=b.note, created_at=b.created_at)
            for b in items.batches(sess, project_id)
        ]
