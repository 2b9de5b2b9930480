"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from labelwright.domain.roles import ProjectRole


class UserOut(BaseModel):
    """A user as the API shows it: never a password hash."""

    id: int
    username: str
    display_name: str
    is_admin: bool
    is_active: bool


class LoginIn(BaseModel):
    """Credentials for a browser session."""

    username: str
    password: str


class LoginOut(BaseModel):
    """The signed-in user and the CSRF token to send on state-changing requests."""

    user: UserOut
    csrf_token: str


class UserCreate(BaseModel):
    """A new account."""

    username: str
    password: str
    display_name: str = ""
    is_admin: bool = False


class UserPatch(BaseModel):
    """Changes an admin may make to an account."""

    display_name: str | None = None
    is_admin: bool | None = None
    is_active: bool | None = None
    password: str | None = None


class TokenCreate(BaseModel):
    """A new API token; name it after the script that will use it."""

    name: str = Field(default="", max_length=200)


class TokenOut(BaseModel):
    """An API token without its secret."""

    id: int
    name: str
    created_at: datetime


class TokenCreated(TokenOut):
    """A new API token; the secret is shown this once only."""

    token: str


class ProjectCreate(BaseModel):
    """A new project."""

    name: str
    description: str = ""
    overlap: int = 1


class ProjectSettings(BaseModel):
    """How the work queue behaves in a project."""

    order: Literal["oldest", "priority"] = "oldest"
    lease_seconds: int = Field(300, ge=30, le=86_400)
    review_share: float = Field(
        1.0, ge=0, le=1, description="share of each annotator's submitted items that is reviewed"
    )
    gold_rate: float = Field(
        0.0, ge=0, le=0.5, description="share of an annotator's queue drawn from gold items"
    )
    agreement_threshold: float = Field(
        0.5, ge=0, le=1, description="overlap items agreeing less than this always go to review"
    )
    checks: dict[str, Any] = Field(
        default_factory=dict,
        description="rule check thresholds: min_box_size, outside_tolerance_px, duplicate_iou, "
        "forbidden_overlaps, max_overlap, min_objects, max_objects, class_count_limits",
    )


class ProjectPatch(BaseModel):
    """Changes to a project."""

    name: str | None = None
    description: str | None = None
    overlap: int | None = None
    settings: ProjectSettings | None = None


class ProjectOut(BaseModel):
    """A project with the caller's role and item counts per state."""

    id: int
    name: str
    description: str
    overlap: int
    created_at: datetime
    role: ProjectRole | None
    settings: ProjectSettings
    counts: dict[str, int] = {}


class MemberIn(BaseModel):
    """The role to give a member."""

    role: ProjectRole


class MemberOut(BaseModel):
    """A member and their role."""

    user: UserOut
    role: ProjectRole


class ImageOut(BaseModel):
    """The stored image behind an item (dimensions after EXIF orientation)."""

    id: int
    sha256: str
    format: str
    width: int
    height: int
    frame_count: int
    size_bytes: int


class ItemOut(BaseModel):
    """An image in a project and its workflow state, with links to its pixels."""

    id: int
    project_id: int
    file_name: str
    state: str
    batch_id: int | None
    created_at: datetime
    image: ImageOut
    image_url: str
    thumbnail_url: str


class ItemPage(BaseModel):
    """One page of items; pass `next` as `after` to get the following page."""

    items: list[ItemOut]
    next: str | None


class BatchOut(BaseModel):
    """A group of items that arrived together."""

    id: int
    name: str
    note: str
    created_at: datetime


class RejectedOut(BaseModel):
    """A file that was not imported, and why."""

    name: str
    reason: str
    detail: str


class ImportOut(BaseModel):
    """The outcome of an upload, per file."""

    batch_id: int | None
    job_id: int | None
    added: int
    duplicates: int
    rejected: int
    added_files: list[dict]
    duplicate_files: list[dict]
    rejected_files: list[RejectedOut]


class JobOut(BaseModel):
    """A durable record of long work and its progress."""

    id: int
    kind: str
    state: str
    done: int
    total: int | None
    result: dict
    error: str
    note: str = ""
    cancel_requested: bool = False
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job) -> JobOut:
        """The API view of a stored job."""
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            done=job.done,
            total=job.total,
            result=job.result,
            error=job.error,
            note=job.note or "",
            cancel_requested=bool(job.cancel_requested),
            created_at=job.created_at,
            finished_at=job.finished_at,
        )
