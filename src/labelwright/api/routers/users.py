"""Accounts, managed by instance admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select

from labelwright.api.deps import admin_user, get_ctx
from labelwright.api.routers.auth import user_out
from labelwright.api.schemas import UserCreate, UserOut, UserPatch
from labelwright.services import users
from labelwright.services.context import Context
from labelwright.services.errors import Conflict
from labelwright.store.tables import User

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("", response_model=list[UserOut])
def list_users(
    _admin: User = Depends(admin_user), ctx: Context = Depends(get_ctx)
) -> list[UserOut]:
    """Every account."""
    with ctx.db.session(readonly=True) as sess:
        return [user_out(u) for u in sess.scalars(select(User).order_by(User.username))]


@router.post("", response_model=UserOut, status_code=201)
def create_user(
    body: UserCreate, _admin: User = Depends(admin_user), ctx: Context = Depends(get_ctx)
) -> UserOut:
    """Create an account."""
    with ctx.db.session() as sess:
        user = users.create_user(
            sess,
            body.username,
            body.password,
            display_name=body.display_name,
            is_admin=body.is_admin,
        )
        return user_out(user)


@router.patch("/{user_id}", response_model=UserOut)
def patch_user(
    user_id: int,
    body: UserPatch,
    admin: User = Depends(admin_user),
    ctx: Context = Depends(get_ctx),
) -> UserOut:
    """Change an account's name, admin flag, active flag or password."""
    with ctx.db.session() as sess:
        user = users.get_user(sess, user_id)
        if user.id == admin.id and (body.is_admin is False or body.is_active is False):
            raise Conflict("you cannot remove your own admin rights or deactivate yourself")
        if body.display_name is not None:
            user.display_name = body.display_name
        if body.is_admin is not None:
            user.is_admin = body.is_admin
        if body.is_active is not None:
            user.is_active = body.is_active
        if body.password is not None:
            users.set_password(sess, user, body.password)
        return user_out(user)
