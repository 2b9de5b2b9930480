"""Request dependencies: the installation context, the caller, and CSRF protection."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Depends, Request

from labelwright.services import users
from labelwright.services.context import Context
from labelwright.services.errors import Forbidden, Unauthorized
from labelwright.store.tables import User

SESSION_COOKIE = "lw_session"
CSRF_COOKIE = "lw_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def get_ctx(request: Request) -> Context:
    """The installation context the app was created with (async: no thread hop)."""
    return request.app.state.ctx


@dataclass(frozen=True)
class Caller:
    """Who is calling, and how they proved it."""

    user: User
    via_cookie: bool


def get_caller(request: Request, ctx: Context = Depends(get_ctx)) -> Caller:
    """The signed-in user: a Bearer token, or a session cookie plus its CSRF token."""
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, secret = auth.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization header must be 'Bearer <token>'")
        with ctx.db.session(readonly=True) as sess:
            return Caller(users.resolve_token(sess, secret.strip(), kind="api"), via_cookie=False)
    session_secret = request.cookies.get(SESSION_COOKIE)
    if not session_secret:
        raise Unauthorized("sign in first, or send 'Authorization: Bearer <token>'")
    with ctx.db.session(readonly=True) as sess:
        user = users.resolve_token(sess, session_secret, kind="session")
    if request.method not in SAFE_METHODS:
        expected = users.csrf_token(ctx.settings.secret_key(), session_secret)
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(expected, sent):
            hint = f"send the value of the {CSRF_COOKIE} cookie"
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header ({hint})")
    return Caller(user, via_cookie=True)


async def current_user(caller: Caller = Depends(get_caller)) -> User:
    """The signed-in user."""
    return caller.user


async def admin_user(user: User = Depends(current_user)) -> User:
    """The signed-in user, who must be an instance admin."""
    if not user.is_admin:
        raise Forbidden("this needs an instance admin")
    return user


def wake_runner(request: Request) -> None:
    """Tell this process's job runner that a job was just queued (others poll)."""
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        runner.wake()
