"""Datasets sent over HTTP: unpack an uploaded archive with the intake's checks, then import."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from labelwright.media.errors import RejectedFile
from labelwright.media.sources import TAR_SUFFIXES, SourceLimits, iter_candidates
from labelwright.services.context import Context
from labelwright.services.datasets import import_dataset
from labelwright.services.errors import Invalid
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


def import_uploaded_dataset(
    ctx: Context,
    user: User,
    project_id: int,
    upload: Path,
    *,
    fmt: str | None = None,
    as_predictions: str | None = None,
) -> dict[str, Any]:
    """Unpack an uploaded dataset into scratch space and import it; the scratch is removed."""
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="dataset-", dir=ctx.settings.tmp_dir))
    try:
        limits = SourceLimits(max_archive_bytes=ctx.settings.max_archive_bytes)
        root = unpack_dataset(upload, workdir, limits)
        return import_dataset(ctx, user, project_id, root, fmt, as_predictions=as_predictions)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
