"""What every CLI command shares: the consoles, the global options, context and errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from labelwright.services.context import Context

console = Console()
err = Console(stderr=True)


class _Options:
    data_dir: Path | None = None
    database_url: str | None = None
    storage_url: str | None = None


_opts = _Options()


def context() -> Context:
    """Open the installation the global options (or the environment) point at."""
    from labelwright.config import Settings
    from labelwright.services.context import Context

    settings = Settings.from_env(_opts.data_dir, _opts.database_url, _opts.storage_url)
    return Context.open(settings)


def fail(message: str) -> typer.Exit:
    """Print an error and return the exit to raise."""
    err.print(f"[red]error:[/red] {escape(message)}")  # messages quote user text
    return typer.Exit(code=1)


def run(fn):
    """Call a service function, turning its expected errors into a clean exit."""
    from labelwright.services.errors import ServiceError

    try:
        return fn()
    except ServiceError as exc:
        raise fail(exc.message) from None


def progress():
    """A Rich progress display with a bar, counts and elapsed time."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def cli_user(ctx: Context):
    """The account the CLI acts as: the first instance admin (created when missing)."""
    from sqlalchemy import select

    from labelwright.services.setup import ensure_admin
    from labelwright.store.tables import User

    ensure_admin(ctx)
    with ctx.db.session(readonly=True) as sess:
        return sess.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))


def project_id(ctx: Context, project: str) -> tuple[int, str]:
    """A project's id and name from its name or id (a clean exit when there is none)."""
    from labelwright.services import projects

    with ctx.db.session(readonly=True) as sess:
        proj = run(lambda: projects.find_project(sess, project))
        return proj.id, proj.name


def json_object(text: str, option: str = "--settings") -> dict:
    """A command-line option given as a JSON object (a clean exit when it is not one)."""
    import json

    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"{option} is not JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise fail(f"{option} must be a JSON object")
    return parsed


def run_job(ctx: Context, job_id: int, label: str):
    """Run a queued job here with a progress bar; a clean exit unless it ends done."""
    from labelwright.services import jobs

    with progress() as bar:
        task = bar.add_task(label, total=None)
        job = run(
            lambda: jobs.run_inline(
                ctx, job_id, lambda j: bar.update(task, completed=j.done, total=j.total)
            )
        )
    if job.state != "done":
        raise fail(f"job {job_id} {job.state}: {job.error}")
    return job
