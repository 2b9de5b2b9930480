"""Projects and their members."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from labelwright.api.deps import admin_user, current_user, get_ctx
from labelwright.api.routers.auth import user_out
from labelwright.api.schemas import (
    MemberIn,
    MemberOut,
    ProjectCreate,
    ProjectOut,
    ProjectPatch,
    ProjectSettings,
)
from labelwright.domain.roles import ProjectRole
from labelwright.services import projects, users
from labelwright.services.context import Context
from labelwright.services.errors import Forbidden
from labelwright.services.quality_checks import rule_settings
from labelwright.store.tables import Project, User

router = APIRouter(prefix="/api/projects", tags=["projects"])


def project_out(project: Project, role: ProjectRole | None, counts: dict[str, int]) -> ProjectOut:
    """The API view of a project."""
    return ProjectOut(
        id=project.id,
        name=project.name,
        description=project.description,
        overlap=project.overlap,
        created_at=project.created_at,
        role=role,
        settings=ProjectSettings(**(project.settings or {})),
        counts=counts,
    )


@router.get("", response_model=list[ProjectOut])
def list_projects(
    user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[ProjectOut]:
    """Projects the caller is a member of (admins: all)."""
    with ctx.db.session(readonly=True) as sess:
        visible = projects.visible_projects(sess, user)
        counts = projects.state_counts_by_project(sess, [p.id for p, _ in visible])
        return [project_out(p, role, counts.get(p.id, {})) for p, role in visible]


@router.post("", response_model=ProjectOut, status_code=201)
def create_project(
    body: ProjectCreate, admin: User = Depends(admin_user), ctx: Context = Depends(get_ctx)
) -> ProjectOut:
    """Create a project; the creating admin becomes its manager."""
    with ctx.db.session() as sess:
        project = projects.create_project(
            sess, body.name, description=body.description, creator=admin, overlap=body.overlap
        )
        return project_out(project, ProjectRole.manager, {})


@router.get("/{project_id}", response_model=ProjectOut)
def get_project(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> ProjectOut:
    """One project, with item counts per workflow state."""
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, projects.READ)
        return project_out(access.project, access.role, projects.state_counts(sess, project_id))


@router.patch("/{project_id}", response_model=ProjectOut)
def patch_project(
    project_id: int,
    body: ProjectPatch,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> ProjectOut:
    """Rename, re-describe or re-configure a project (managers); unnamed settings stay."""
    changes = body.model_dump(exclude={"settings"})
    if body.settings is not None:
        changes["settings"] = body.settings.model_dump(exclude_unset=True)
        if "checks" in changes["settings"]:
            rule_settings(changes["settings"])  # unknown or bad check settings: 422 now
    with ctx.db.session() as sess:
        access = projects.require(sess, user, project_id, projects.MANAGE)
        projects.update_project(sess, access.project, **changes)
        return project_out(access.project, access.role, {})


@router.delete("/{project_id}", status_code=204)
def delete_project(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> Response:
    """Delete a project and its items (admins); stored images stay for other projects."""
    with ctx.db.session() as sess:
        access = projects.require(sess, user, project_id, projects.READ)  # 404 for outsiders
        if not user.is_admin:
            raise Forbidden("deleting a project needs an instance admin")
        sess.delete(access.project)
    return Response(status_code=204)


@router.get("/{project_id}/members", response_model=list[MemberOut])
def list_members(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[MemberOut]:
    """The project's members and roles."""
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, projects.READ)
        return [
            MemberOut(user=user_out(u), role=r) for u, r in projects.members(sess, access.project)
        ]


@router.put("/{project_id}/members/{user_ref}", response_model=MemberOut)
def put_member(
    project_id: int,
    user_ref: str,
    body: MemberIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> MemberOut:
    """Add a member (by user id or username) or change their role (managers)."""
    with ctx.db.session() as sess:
        access = projects.require(sess, user, project_id, projects.MANAGE)
        member = users.find_user(sess, user_ref)
        projects.set_member(sess, access.project, member, body.role)
        return MemberOut(user=user_out(member), role=body.role)


@router.delete("/{project_id}/members/{user_ref}", status_code=204)
def delete_member(
    project_id: int,
    user_ref: str,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Remove a member (managers); the last manager cannot be removed."""
    with ctx.db.session() as sess:
        access = projects.require(sess, user, project_id, projects.MANAGE)
        member = users.find_user(sess, user_ref)
        projects.remove_member(sess, access.project, member.id)
    return Response(status_code=204)
