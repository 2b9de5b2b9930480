"""Exports as background jobs: queued by the API or CLI, written and zipped by a job runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select

from labelwright.formats.dataset import DatasetImage, FormatError
from labelwright.jobs.runner import JobControl, JobFailed
from labelwright.services import datasets, jobs, projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid
from labelwright.store.tables import Item, User

OPTIONS = ("split", "seed", "states", "classes", "include_predictions", "batch_ids")
"""The export options a job carries (as `services.datasets.project_dataset` takes them)."""


def queue_export(ctx: Context, user: User, project_id: int, fmt: str, **options: Any) -> int:
    """Check the request now (format, split, states), then queue the export; returns the job id."""
    datasets.find_format(fmt)  # an unknown format fails now, not in the background
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise Invalid(f"unknown export options: {', '.join(sorted(unknown))}")
    params = {"format": fmt, **datasets.json_params(options)}
    datasets.project_dataset(ctx, project_id, **options)  # bad states/classes/split fail now
    return jobs.queue_job(ctx, user, project_id, "export", params, projects.MANAGE)


def _item_count(ctx: Context, project_id: int, states: Iterable[str] | None) -> int:
    with ctx.db.session(readonly=True) as sess:
        query = select(func.count(Item.id)).where(Item.project_id == project_id)
        if states:
            query = query.where(Item.state.in_(list(states)))
        return sess.scalar(query) or 0


def _reported(
    images: Iterable[DatasetImage], control: JobControl, total: int
) -> Iterator[DatasetImage]:
    done = 0
    for image in images:
        yield image
        done += 1
        control.progress(done, total, image.file_name)
    control.progress(done, total, force=True)


def run_export_job(ctx: Context, control: JobControl) -> dict[str, Any]:
    """Write the dataset into a scratch folder, zip it to the job's archive, drop the folder."""
    params = dict(control.params)
    fmt = params.pop("format")
    options = {k: v for k, v in params.items() if k in OPTIONS}
    project_id = control.job.project_id
    folder = ctx.settings.data_dir / "exports" / str(control.job.id)
    shutil.rmtree(folder, ignore_errors=True)  # a resumed job starts its folder afresh
    try:
        dataset = datasets.project_dataset(ctx, project_id, **options)
        total = _item_count(ctx, project_id, options.get("states"))
        dataset.images = _reported(dataset.images, control, total)
        manifest = datasets.find_format(fmt).write(dataset, folder, copy_images=True)
        datasets.zip_folder(folder, datasets.archive_path(ctx, control.job.id))
    except (FormatError, ValueError) as exc:
        raise JobFailed(str(exc)) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the zip is what is kept
    return {
        "manifest": asdict(manifest),
        "archive": datasets.archive_path(ctx, control.job.id).name,
    }
