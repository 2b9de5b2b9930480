"""Accounts, passwords (Argon2) and bearer tokens (API tokens and browser sessions)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.services.errors import Conflict, Invalid, NotFound, Unauthorized
from labelwright.store.tables import Token, User, utcnow

_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD = 8
# Verifying against a real hash when the user is unknown keeps the timing the same.
_DUMMY_HASH = _hasher.hash("labelwright-timing-equaliser")


@dataclass(frozen=True)
class UserView:
    """What may be shown of a user: never the password hash."""

    id: int
    username: str
    display_name: str
    is_admin: bool
    is_active: bool

    @classmethod
    def of(cls, user: User) -> UserView:
        """The public view of a stored user."""
        return cls(user.id, user.username, user.display_name, user.is_admin, user.is_active)


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password: must be at least {MIN_PASSWORD} characters long")


def create_user(
    sess: Session,
    username: str,
    password: str,
    *,
    display_name: str = "",
    is_admin: bool = False,
) -> User:
    """Create an account; the username must be free and well-formed."""
    if not USERNAME_RE.match(username):
        raise Invalid(
            f"username {username!r}: use 1-64 letters, digits, '_', '.', '@' or '-', "
            "starting with a letter or digit"
        )
    _check_password_rules(password)
    if sess.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is already taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        is_admin=is_admin,
    )
    sess.add(user)
    sess.flush()
    return user


def set_password(sess: Session, user: User, password: str) -> None:
    """Replace a user's password and end their sessions."""
    _check_password_rules(password)
    user.password_hash = hash_password(password)
    for token in sess.scalars(
        select(Token).where(Token.user_id == user.id, Token.kind == "session")
    ):
        token.revoked = True


def get_user(sess: Session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = sess.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def find_user(sess: Session, ref: str) -> User:
    """A user by numeric id or username."""
    user = None
    if ref.isdigit():
        user = sess.get(User, int(ref))
    if user is None:
        user = sess.scalar(select(User).where(User.username == ref))
    if user is None:
        raise NotFound(f"user {ref!r} does not exist")
    return user


def authenticate(sess: Session, username: str, password: str) -> User:
    """The active user with these credentials, or Unauthorized (same error either way)."""
    user = sess.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("wrong username or password") from None
    if user is None or not user.is_active:
        raise Unauthorized("wrong username or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    sess: Session, user: User, *, kind: str, name: str = "", lifetime: timedelta | None = None
) -> str:
    """Create a token and return its secret; only its hash is stored."""
    prefix = "lws_" if kind == "session" else "lwt_"
    secret = prefix + secrets.token_urlsafe(32)
    expires = utcnow() + lifetime if lifetime else None
    sess.add(
        Token(user_id=user.id, kind=kind, name=name, token_hash=_digest(secret), expires_at=expires)
    )
    sess.flush()
    return secret


def resolve_token(sess: Session, secret: str, *, kind: str | None = None) -> User:
    """The active user a token belongs to, or Unauthorized."""
    row = sess.execute(
        select(Token, User)
        .join(User, User.id == Token.user_id)
        .where(Token.token_hash == _digest(secret))
    ).first()
    if row is None:
        raise Unauthorized("invalid or revoked credentials")
    token, user = row
    if token.revoked or (kind and token.kind != kind):
        raise Unauthorized("invalid or revoked credentials")
    if token.expires_at is not None and _aware(token.expires_at) < utcnow():
        raise Unauthorized("the session has expired; sign in again")
    if not user.is_active:
        raise Unauthorized("invalid or revoked credentials")
    return user


def revoke_token_secret(sess: Session, secret: str) -> None:
    """Revoke the token with this secret (sign-out)."""
    token = sess.scalar(select(Token).where(Token.token_hash == _digest(secret)))
    if token is not None:
        token.revoked = True


def list_api_tokens(sess: Session, user: User) -> list[Token]:
    """The user's live API tokens (never their secrets)."""
    stmt = select(Token).where(
        Token.user_id == user.id, Token.kind == "api", Token.revoked.is_(False)
    )
    return list(sess.scalars(stmt.order_by(Token.id)))


def revoke_api_token(sess: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's own API tokens."""
    token = sess.get(Token, token_id)
    if token is None or token.user_id != user.id or token.kind != "api":
        raise NotFound(f"token {token_id} does not exist")
    token.revoked = True


def csrf_token(secret_key: str, session_secret: str) -> str:
    """The CSRF token bound to one browser session (HMAC, so nothing extra is stored)."""
    return hmac.new(secret_key.encode(), session_secret.encode(), hashlib.sha256).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)
