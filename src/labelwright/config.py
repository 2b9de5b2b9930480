"""Settings read from LABELWRIGHT_* environment variables (CLI flags override them)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

ENV_PREFIX = "LABELWRIGHT_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def _env_flag(name: str, default: bool) -> bool:
    value = (_env(name) or "").strip().lower()
    return default if not value else value in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV_PREFIX}{name}={raw!r} is not a whole number") from exc


@dataclass(frozen=True)
class Settings:
    """Where Labelwright keeps its data and the limits it applies to input."""

    data_dir: Path
    database_url: str
    storage_url: str
    max_image_pixels: int = 178_956_970
    max_upload_bytes: int = 20 * 2**30
    max_archive_bytes: int = 20 * 2**30
    url_allow_networks: tuple[str, ...] = ()
    url_timeout_s: float = 10.0
    thumb_size: int = 256
    session_days: int = 14
    cookie_secure: bool = False
    run_jobs: bool = True
    """Whether each server process runs background jobs (off for API-only processes)."""
    ray_address: str = ""
    """A Ray cluster (`ray://host:10001` or `auto`) for jobs that can fan out; empty: local pool."""
    job_workers: int = 2
    """Worker processes (or Ray actors) a fan-out job uses."""
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls,
        data_dir: str | Path | None = None,
        database_url: str | None = None,
        storage_url: str | None = None,
    ) -> Settings:
        """Build settings from arguments, falling back to the environment, then defaults."""
        root = Path(data_dir or _env("DATA_DIR") or "./labelwright-data").resolve()
        db = database_url or _env("DATABASE_URL") or f"sqlite:///{root / 'labelwright.db'}"
        storage = storage_url or _env("STORAGE_URL") or str(root / "blobs")
        allow = tuple(n.strip() for n in (_env("URL_ALLOW_NETWORKS") or "").split(",") if n.strip())
        return cls(
            data_dir=root,
            database_url=db,
            storage_url=storage,
            max_image_pixels=_env_int("MAX_IMAGE_PIXELS", cls.max_image_pixels),
            max_upload_bytes=_env_int("MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_archive_bytes=_env_int("MAX_ARCHIVE_BYTES", cls.max_archive_bytes),
            url_allow_networks=allow,
            cookie_secure=_env_flag("COOKIE_SECURE", False),
            run_jobs=_env_flag("RUN_JOBS", True),
            ray_address=_env("RAY_ADDRESS") or "",
            job_workers=_env_int("JOB_WORKERS", cls.job_workers),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (tests and CLI flags use this)."""
        return replace(self, **changes)

    @property
    def tmp_dir(self) -> Path:
        """Scratch space on the same disk as the data, for streamed uploads and archives."""
        return self.data_dir / "tmp"

    def secret_key(self) -> str:
        """This install's own secret, generated on first use and kept in the data dir."""
        return _secret_key(self.data_dir / "secret.key")


@lru_cache(maxsize=8)
def _secret_key(path: Path) -> str:
    # Read once per process: the key never changes once written.
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race; use its key
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
            fh.flush()
            os.fsync(fh.fileno())
    return path.read_text().strip()
