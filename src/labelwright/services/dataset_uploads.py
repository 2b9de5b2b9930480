"""Datasets sent over HTTP: unpacked with the intake's archive checks, then queued as a job."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from labelwright.media.errors import RejectedFile
from labelwright.media.sources import TAR_SUFFIXES, SourceLimits, iter_candidates
from labelwright.services.context import Context
from labelwright.services.dataset_import import queue_import
from labelwright.services.datasets import find_format
from labelwright.services.errors import Invalid
from labelwright.services.predictions import check_name
from labelwright.store.tables import User


def is_archive(path: Path) -> bool:
    """Whether the file is a zip or tar archive (by name, as the intake decides)."""
    lower = path.name.lower()
    return lower.endswith(".zip") or lower.endswith(TAR_SUFFIXES)


def unpack_dataset(upload: Path, workdir: Path, limits: SourceLimits) -> Path:
    """The dataset root inside an uploaded archive (or the uploaded file itself).

    Members with absolute or `..` paths, links, or an expansion past the size limit refuse
    the whole dataset, naming the members; a single top folder is stepped into, since most
    archives wrap the dataset in one.
    """
    if not is_archive(upload):
        return upload
    refused = [c for c in iter_candidates([upload], workdir, limits) if isinstance(c, RejectedFile)]
    if refused:
        listed = "; ".join(str(r) for r in refused[:5])
        more = f" (and {len(refused) - 5} more)" if len(refused) > 5 else ""
        raise Invalid(
            f"{upload.name}: refused: {listed}{more}",
            refused=[{"name": r.name, "reason": r.reason} for r in refused[:100]],
        )
    root = next(p for p in workdir.iterdir() if p.is_dir())
    while True:
        entries = [e for e in root.iterdir() if not e.name.startswith(".")]
        if len(entries) != 1 or not entries[0].is_dir():
            return root
        root = entries[0]


def queue_uploaded_import(
    ctx: Context,
    user: User,
    project_id: int,
    upload: Path,
    *,
    fmt: str | None = None,
    as_predictions: str | None = None,
) -> int:
    """Unpack an uploaded dataset into a scratch folder and queue its import; returns the job id.

    An unsafe archive, an unknown format or a bad model name is refused now, and the
    folder removed; otherwise the job owns the folder and removes it when it ends.
    """
    if fmt:
        find_format(fmt)  # the cheap checks before unpacking anything
    if as_predictions is not None:
        check_name("model", as_predictions)
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="dataset-", dir=ctx.settings.tmp_dir))
    try:
        limits = SourceLimits(max_archive_bytes=ctx.settings.max_archive_bytes)
        if is_archive(upload):
            root = unpack_dataset(upload, workdir, limits)
        else:  # a main file alone (COCO JSON, say): kept beside nothing else
            root = Path(shutil.move(upload, workdir / upload.name))
        return queue_import(
            ctx, user, project_id, root, fmt, as_predictions=as_predictions, upload_dir=workdir
        )
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
