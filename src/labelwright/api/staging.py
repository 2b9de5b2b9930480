"""Files arriving over HTTP: access checked before the body is read, then spooled to disk."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from labelwright.domain.roles import ProjectRole
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.store.tables import User

_UNSAFE = re.compile(r"[^\w.\- ()+,@=]+")
COPY_BUFFER = 1 << 20


def safe_name(name: str) -> str:
    """The base name of an uploaded file with anything odd replaced (no paths, no dot-files)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")[:200]
    return base or "upload"


async def require_roles(
    ctx: Context, user: User, project_id: int, allowed: frozenset[ProjectRole]
) -> None:
    """Refuse the caller before a large body is read, not after."""

    def check() -> None:
        with ctx.db.session(readonly=True) as sess:
            projects.require(sess, user, project_id, allowed)

    await run_in_threadpool(check)


@contextmanager
def staging(ctx: Context, prefix: str) -> Iterator[Path]:
    """A scratch folder on the data disk, removed with everything in it afterwards."""
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=ctx.settings.tmp_dir))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def save_upload(upload: UploadFile, dest: Path) -> Path:
    """Copy a spooled multipart file to dest (blocking: run it in the thread pool)."""
    upload.file.seek(0)
    with dest.open("wb") as out:
        shutil.copyfileobj(upload.file, out, COPY_BUFFER)
    return dest
