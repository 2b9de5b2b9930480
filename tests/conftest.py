"""Shared fixtures: a fresh installation per test on SQLite, and on PostgreSQL where asked."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from labelwright.config import Settings
from labelwright.services.context import Context

POSTGRES_URL = os.environ.get(
    "LABELWRIGHT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# CI sets the URL explicitly and must fail, not skip, when the server is missing.
POSTGRES_REQUIRED = "LABELWRIGHT_TEST_POSTGRES_URL" in os.environ


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    """Whether the PostgreSQL test server answers."""
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        if POSTGRES_REQUIRED:
            raise
        return False


@pytest.fixture
def postgres_url(postgres_available: bool) -> Iterator[str]:
    """A URL whose connections live in a fresh schema of their own, dropped afterwards."""
    if not postgres_available:
        pytest.skip("PostgreSQL test server not reachable")
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def make_settings(tmp_path: Path, database_url: str | None = None, **changes) -> Settings:
    """Settings for an installation inside tmp_path."""
    settings = Settings.from_env(data_dir=tmp_path / "data", database_url=database_url)
    return settings.with_overrides(**changes) if changes else settings


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    """A fresh installation on SQLite."""
    context = Context.open(make_settings(tmp_path))
    yield context
    context.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ctx(request, tmp_path: Path) -> Iterator[Context]:
    """A fresh installation, once on SQLite and once on PostgreSQL."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    context = Context.open(make_settings(tmp_path, url))
    yield context
    context.close()


def photo_like(width: int, height: int, seed: int = 0) -> np.ndarray:
    """An RGB array with smooth structure and noise, so it compresses like a photo."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            np.sin(xx / (17 + seed % 13)) * 60,
            np.cos(yy / 23) * 60,
            (xx + yy) / (width + height) * 120,
        ],
        -1,
    )
    noise = rng.normal(0, 12, (height, width, 3))
    return np.clip(base + noise + 110, 0, 255).astype(np.uint8)


def write_image(path: Path, width: int = 64, height: int = 48, seed: int = 0, **save) -> Path:
    """Write a small generated image in the format the suffix names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(photo_like(width, height, seed)).save(path, **save)
    return path


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 with tiny cost in tests: the algorithm is the same, only slower in production."""
    from argon2 import PasswordHasher

    from labelwright.services import users

    monkeypatch.setattr(
        users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
