"""Sign-in, sign-out, the current user, and the caller's API tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request, Response

from labelwright.api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Caller,
    current_user,
    get_caller,
    get_ctx,
)
from labelwright.api.schemas import LoginIn, LoginOut, TokenCreate, TokenCreated, TokenOut, UserOut
from labelwright.services import users
from labelwright.services.context import Context
from labelwright.store.tables import User

router = APIRouter(prefix="/api", tags=["auth"])


def user_out(user: User) -> UserOut:
    """The public view of a user."""
    return UserOut(**vars(users.UserView.of(user)))


@router.post("/auth/login", response_model=LoginOut)
def login(body: LoginIn, response: Response, ctx: Context = Depends(get_ctx)) -> LoginOut:
    """Start a browser session (HttpOnly cookie) and return its CSRF token."""
    days = ctx.settings.session_days
    with ctx.db.session() as sess:
        user = users.authenticate(sess, body.username, body.password)
        secret = users.issue_token(sess, user, kind="session", lifetime=timedelta(days=days))
    csrf = users.csrf_token(ctx.settings.secret_key(), secret)
    max_age = days * 86400
    secure = ctx.settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    # Readable by the page's own scripts, which echo it in the X-CSRF-Token header.
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )
    return LoginOut(user=user_out(user), csrf_token=csrf)


@router.post("/auth/logout", status_code=204)
def logout(
    request: Request,
    response: Response,
    caller: Caller = Depends(get_caller),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """End the browser session."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret and caller.via_cookie:
        with ctx.db.session() as sess:
            users.revoke_token_secret(sess, secret)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/auth/me", response_model=UserOut)
def me(user: User = Depends(current_user)) -> UserOut:
    """The signed-in user."""
    return user_out(user)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[TokenOut]:
    """The caller's API tokens (secrets are never shown again)."""
    with ctx.db.session(readonly=True) as sess:
        return [
            TokenOut(id=t.id, name=t.name, created_at=t.created_at)
            for t in users.list_api_tokens(sess, user)
        ]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(
    body: TokenCreate, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> TokenCreated:
    """Create an API token for scripts: send it as 'Authorization: Bearer <token>'."""
    with ctx.db.session() as sess:
        secret = users.issue_token(sess, user, kind="api", name=body.name)
        token = users.list_api_tokens(sess, user)[-1]
        return TokenCreated(id=token.id, name=token.name, created_at=token.created_at, token=secret)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> Response:
    """Revoke one of the caller's API tokens."""
    with ctx.db.session() as sess:
        users.revoke_api_token(sess, user, token_id)
    return Response(status_code=204)
