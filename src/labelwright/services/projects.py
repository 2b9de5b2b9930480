"""Projects, memberships and the role checks every project resource goes through."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwright.domain.roles import ProjectRole
from labelwright.services.errors import Conflict, Forbidden, Invalid, NotFound
from labelwright.store.tables import Item, Membership, Project, User

ALL_ROLES = frozenset(ProjectRole)
# Who may do what inside a project; admins may do everything everywhere.
READ = ALL_ROLES
UPLOAD = frozenset({ProjectRole.manager, ProjectRole.client})
MANAGE = frozenset({ProjectRole.manager})
MAX_OVERLAP = 100  # independent annotations per item


@dataclass(frozen=True)
class Access:
    """The caller's standing in one project."""

    project: Project
    role: ProjectRole | None  # None for an admin who is not a member


def parse_role(value: str) -> ProjectRole:
    """A role from its name, with a clear error listing the valid ones."""
    try:
        return ProjectRole(value)
    except ValueError:
        valid = ", ".join(r.value for r in ProjectRole)
        raise Invalid(f"role {value!r} is not one of: {valid}") from None


def find_project(sess: Session, ref: str | int) -> Project:
    """A project by id or by name."""
    project = None
    if isinstance(ref, int) or str(ref).isdigit():
        project = sess.get(Project, int(ref))
    if project is None:
        project = sess.scalar(select(Project).where(Project.name == str(ref)))
    if project is None:
        raise NotFound(f"project {ref!r} does not exist")
    return project


def require(sess: Session, user: User, project_id: int, allowed: frozenset[ProjectRole]) -> Access:
    """The caller's access to a project, if their role is in `allowed`.

    Non-members get NotFound, not Forbidden, so project ids reveal nothing.
    """
    # One round trip: the project and the caller's membership row, if any.
    row = sess.execute(
        select(Project, Membership.role)
        .outerjoin(
            Membership, (Membership.project_id == Project.id) & (Membership.user_id == user.id)
        )
        .where(Project.id == project_id)
    ).first()
    if row is None:
        raise NotFound(f"project {project_id} does not exist")
    project, role = row[0], ProjectRole(row[1]) if row[1] else None
    if user.is_admin:
        return Access(project, role)
    if role is None:
        raise NotFound(f"project {project_id} does not exist")
    if role not in allowed:
        needed = " or ".join(sorted(r.value for r in allowed))
        raise Forbidden(
            f"project {project.name!r}: this needs the {needed} role; you are {role.value}"
        )
    return Access(project, role)


def create_project(
    sess: Session,
    name: str,
    *,
    description: str = "",
    creator: User | None = None,
    overlap: int = 1,
) -> Project:
    """Create a project; its creator becomes its manager."""
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("project name: must be 1-200 characters")
    if name.isdigit():
        raise Invalid(f"project name {name!r}: must not be only digits (those look like ids)")
    if not 1 <= overlap <= MAX_OVERLAP:
        raise Invalid(f"overlap: must be between 1 and {MAX_OVERLAP}")
    if sess.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise Conflict(f"a project named {name!r} already exists")
    project = Project(name=name, description=description, overlap=overlap, settings={})
    project.created_by = creator.id if creator else None
    sess.add(project)
    sess.flush()
    if creator is not None:
        sess.add(
            Membership(project_id=project.id, user_id=creator.id, role=ProjectRole.manager.value)
        )
    return project


def update_project(sess: Session, project: Project, **changes: object) -> Project:
    """Rename or re-describe a project."""
    if "name" in changes and changes["name"] is not None and changes["name"] != project.name:
        name = str(changes["name"]).strip()
        if not name or name.isdigit():
            raise Invalid(f"project name {name!r}: must be 1-200 characters, not only digits")
        if sess.scalar(select(Project.id).where(Project.name == name)) is not None:
            raise Conflict(f"a project named {name!r} already exists")
        project.name = name
    if changes.get("description") is not None:
        project.description = str(changes["description"])
    if changes.get("overlap") is not None:
        overlap = int(changes["overlap"])  # type: ignore[arg-type]
        if not 1 <= overlap <= MAX_OVERLAP:
            raise Invalid(f"overlap: must be between 1 and {MAX_OVERLAP}")
        project.overlap = overlap
    if changes.get("settings") is not None:
        project.settings = {**(project.settings or {}), **changes["settings"]}  # type: ignore[dict-item]
    return project


def visible_projects(sess: Session, user: User) -> list[tuple[Project, ProjectRole | None]]:
    """Projects the user may see with their role (admins see all)."""
    roles = dict(
        sess.execute(
            select(Membership.project_id, Membership.role).where(Membership.user_id == user.id)
        ).all()
    )
    stmt = select(Project).order_by(Project.id)
    if not user.is_admin:
        stmt = stmt.where(Project.id.in_(roles.keys()))
    return [(p, ProjectRole(roles[p.id]) if p.id in roles else None) for p in sess.scalars(stmt)]


def set_member(sess: Session, project: Project, user: User, role: ProjectRole) -> Membership:
    """Add a member or change their role."""
    member = sess.get(Membership, (project.id, user.id))
    if member is None:
        member = Membership(project_id=project.id, user_id=user.id, role=role.value)
        sess.add(member)
    else:
        _keep_a_manager(sess, project, member, role)
        member.role = role.value
    sess.flush()
    return member


def remove_member(sess: Session, project: Project, user_id: int) -> None:
    """Take a user out of a project (the last manager cannot leave)."""
    member = sess.get(Membership, (project.id, user_id))
    if member is None:
        raise NotFound(f"user {user_id} is not a member of project {project.name!r}")
    _keep_a_manager(sess, project, member, None)
    sess.delete(member)


def _keep_a_manager(sess: Session, project: Project, member: Membership, new_role) -> None:
    if member.role != ProjectRole.manager.value or new_role == ProjectRole.manager:
        return
    managers = sess.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.project_id == project.id, Membership.role == ProjectRole.manager.value)
    )
    if managers <= 1:
        raise Conflict(f"project {project.name!r} must keep at least one manager")


def members(sess: Session, project: Project) -> list[tuple[User, ProjectRole]]:
    """Every member with their role, by username."""
    rows = sess.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
        .order_by(User.username)
    ).all()
    return [(u, ProjectRole(r)) for u, r in rows]


def state_counts(sess: Session, project_id: int) -> dict[str, int]:
    """How many items are in each workflow state."""
    return state_counts_by_project(sess, [project_id]).get(project_id, {})


def state_counts_by_project(sess: Session, project_ids: list[int]) -> dict[int, dict[str, int]]:
    """Items per workflow state for several projects, in one query."""
    if not project_ids:
        return {}
    rows = sess.execute(
        select(Item.project_id, Item.state, func.count())
        .where(Item.project_id.in_(project_ids))
        .group_by(Item.project_id, Item.state)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for project_id, state, count in rows:
        counts.setdefault(project_id, {})[state] = count
    return counts
