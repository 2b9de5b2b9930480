"""The `labelwright` command. Heavy modules load inside commands so `--help` stays instant."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from labelwright.cli import models as model_commands
from labelwright.cli import quality as quality_commands
from labelwright.cli import similarity as similarity_commands
from labelwright.cli import synth as synth_commands
from labelwright.cli.common import (
    _opts,
    cli_user,
    console,
    context,
    fail,
    progress,
    project_id,
    run,
)

app = typer.Typer(help="Labelwright: an open-source image labeling platform.", no_args_is_help=True)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
project_app = typer.Typer(help="Manage projects.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(project_app, name="project")
app.command("models")(model_commands.list_models)
app.command("prelabel")(model_commands.prelabel)
app.command("report")(quality_commands.report)
app.command("check")(quality_commands.check)
app.command("embed")(similarity_commands.embed)
app.command("similar")(similarity_commands.similar)
app.command("duplicates")(similarity_commands.duplicates)
app.command("synth")(synth_commands.synth_cmd)


@app.callback()
def main(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="LABELWRIGHT_DATA_DIR", help="Where data lives (default ./labelwright-data)."
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="LABELWRIGHT_DATABASE_URL",
            help="SQLAlchemy URL (default SQLite in the data dir).",
        ),
    ] = None,
    storage_url: Annotated[
        str | None,
        typer.Option(
            envvar="LABELWRIGHT_STORAGE_URL",
            help="Blob storage path or fsspec URL (default the data dir).",
        ),
    ] = None,
) -> None:
    """Every command works on an empty data dir, initialising it when needed."""
    _opts.data_dir, _opts.database_url, _opts.storage_url = data_dir, database_url, storage_url


@app.command()
def init(
    admin: Annotated[str, typer.Option(help="Username of the first admin.")] = "admin",
) -> None:
    """Create the data dir and database, and the first admin account (credentials printed once)."""
    from labelwright.services.setup import ensure_admin

    ctx = context()
    username, password = ensure_admin(ctx, admin)
    console.print(f"Data dir: [bold]{ctx.settings.data_dir}[/bold]")
    if password:
        console.print(f"Admin account created: [bold]{username}[/bold] / [bold]{password}[/bold]")
        console.print(
            f"(also written to {ctx.settings.data_dir / 'initial-admin.txt'}; delete it once noted)"
        )
    else:
        console.print("Already initialised.")


@app.command()
def demo() -> None:
    """Load the demo project (real sample photos plus generated images); safe to run again."""
    from labelwright.services.setup import ensure_admin, initial_admin_note, load_demo

    ctx = context()
    ensure_admin(ctx)
    with progress() as bar:
        task = bar.add_task("demo images", total=None)
        demo_id, report = load_demo(ctx, lambda done, _n: bar.update(task, completed=done))
    if report is None:
        console.print(f"Demo project already present (id {demo_id}).")
    else:
        console.print(f"Demo project {demo_id}: {report.summary()}")
    note = initial_admin_note(ctx)
    if note:
        console.print("Sign in with:\n" + note.strip())


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="LABELWRIGHT_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="LABELWRIGHT_PORT")] = 8080,
    workers: Annotated[int, typer.Option(help="Web worker processes.")] = 1,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (costs about 5% of the server's CPU).")
    ] = False,
) -> None:
    """Serve the web app and REST API (OpenAPI at /api/docs)."""
    import uvicorn

    from labelwright.services.setup import ensure_admin

    ctx = context()  # migrate and create the admin before workers start
    _, password = ensure_admin(ctx)
    if password:
        console.print(f"Admin account created: [bold]admin[/bold] / [bold]{password}[/bold]")
    settings = ctx.settings
    ctx.close()
    os.environ["LABELWRIGHT_DATA_DIR"] = str(settings.data_dir)
    os.environ["LABELWRIGHT_DATABASE_URL"] = settings.database_url
    os.environ["LABELWRIGHT_STORAGE_URL"] = settings.storage_url
    console.print(f"Labelwright on [bold]http://{host}:{port}[/bold]  (API docs: /api/docs)")
    uvicorn.run(
        "labelwright.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
    )


@user_app.command("create")
def user_create(
    username: str,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="LABELWRIGHT_NEW_PASSWORD",
        ),
    ],
    admin: Annotated[bool, typer.Option("--admin", help="Make an instance admin.")] = False,
    display_name: str = "",
) -> None:
    """Create an account."""
    from labelwright.services import users

    ctx = context()
    with ctx.db.session() as sess:
        user = run(
            lambda: users.create_user(
                sess, username, password, display_name=display_name, is_admin=admin
            )
        )
        console.print(f"Created user {user.username} (id {user.id}){' as admin' if admin else ''}.")


@user_app.command("list")
def user_list() -> None:
    """List accounts."""
    from sqlalchemy import select

    from labelwright.store.tables import User

    ctx = context()
    table = Table("id", "username", "name", "admin", "active")
    with ctx.db.session() as sess:
        for u in sess.scalars(select(User).order_by(User.id)):
            table.add_row(
                str(u.id),
                u.username,
                u.display_name,
                "yes" if u.is_admin else "",
                "yes" if u.is_active else "no",
            )
    console.print(table)


@user_app.command("set-role")
def user_set_role(
    user: Annotated[str, typer.Argument(help="Username or id.")],
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    role: Annotated[
        str, typer.Argument(help="manager, annotator, reviewer, client, or 'none' to remove.")
    ],
) -> None:
    """Give a user a role in a project (or remove them with 'none')."""
    from labelwright.services import projects, users

    ctx = context()
    with ctx.db.session() as sess:
        account = run(lambda: users.find_user(sess, user))
        proj = run(lambda: projects.find_project(sess, project))
        if role == "none":
            run(lambda: projects.remove_member(sess, proj, account.id))
            console.print(f"Removed {account.username} from {proj.name}.")
            return
        parsed = run(lambda: projects.parse_role(role))
        run(lambda: projects.set_member(sess, proj, account, parsed))
        console.print(f"{account.username} is now {parsed.value} in {proj.name}.")


@project_app.command("create")
def project_create(name: str, description: str = "", overlap: int = 1) -> None:
    """Create a project (the first admin becomes its manager)."""
    from sqlalchemy import select

    from labelwright.services import projects
    from labelwright.services.setup import ensure_admin
    from labelwright.store.tables import User

    ctx = context()
    ensure_admin(ctx)
    with ctx.db.session() as sess:
        admin = sess.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
        proj = run(
            lambda: projects.create_project(
                sess, name, description=description, creator=admin, overlap=overlap
            )
        )
        console.print(f"Created project {proj.name} (id {proj.id}).")


@project_app.command("list")
def project_list() -> None:
    """List projects with their item counts."""
    from sqlalchemy import func, select

    from labelwright.store.tables import Item, Project

    ctx = context()
    table = Table("id", "name", "items", "description")
    with ctx.db.session() as sess:
        counts = dict(
            sess.execute(select(Item.project_id, func.count()).group_by(Item.project_id)).all()
        )
        for p in sess.scalars(select(Project).order_by(Project.id)):
            table.add_row(str(p.id), p.name, str(counts.get(p.id, 0)), p.description[:60])
    console.print(table)


@project_app.command("show")
def project_show(project: Annotated[str, typer.Argument(help="Project name or id.")]) -> None:
    """Show a project: items per state, batches and members."""
    from labelwright.services import items, projects

    ctx = context()
    with ctx.db.session() as sess:
        proj = run(lambda: projects.find_project(sess, project))
        console.print(f"[bold]{proj.name}[/bold] (id {proj.id})  {proj.description}")
        counts = projects.state_counts(sess, proj.id)
        console.print(
            "Items: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")
        )
        table = Table("member", "role")
        for user, role in projects.members(sess, proj):
            table.add_row(user.username, role.value)
        console.print(table)
        batches = Table("batch", "name", "created")
        for b in items.batches(sess, proj.id):
            batches.add_row(str(b.id), b.name, f"{b.created_at:%Y-%m-%d %H:%M}")
        console.print(batches)


@app.command("import")
def import_cmd(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    paths: Annotated[
        list[Path], typer.Argument(help="Files, folders, archives, or .txt lists of URLs.")
    ],
    batch: Annotated[str, typer.Option(help="Batch name (default: the paths' names).")] = "",
    workers: Annotated[int, typer.Option(help="Processes that decode images.")] = os.cpu_count()
    or 1,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Import a labeled dataset in this format ('auto' to detect) instead of images.",
        ),
    ] = None,
    as_predictions: Annotated[
        str | None,
        typer.Option(help="With --format: store the labels as predictions of this model name."),
    ] = None,
) -> None:
    """Import images into a project; each file gets an outcome (added, duplicate, rejected).

    With --format, PATH is a dataset (folder or main file): its images are matched to items
    by file name (missing ones are imported) and its labels saved as a new revision of the
    admin's annotations, or as predictions with --as-predictions.
    """
    from labelwright.services import projects
    from labelwright.services.intake import import_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}")
    if fmt is not None:
        if len(paths) != 1:
            raise fail("--format imports one dataset: give one folder or file")
        _import_dataset(project, paths[0], fmt, as_predictions)
        return
    if as_predictions is not None:
        raise fail("--as-predictions needs --format (it applies to labeled datasets)")
    ctx = context()
    with ctx.db.session() as sess:
        proj = run(lambda: projects.find_project(sess, project))
    with progress() as bar:
        task = bar.add_task(f"importing into {proj.name}", total=None)
        report = import_paths(
            ctx,
            proj.id,
            paths,
            batch_name=batch,
            workers=workers,
            progress=lambda done, _n: bar.update(task, completed=done),
        )
    s = report.summary()
    console.print(
        f"[green]{s['added']} added[/green], {s['duplicates']} duplicates, "
        f"[red]{s['rejected']} rejected[/red] (batch {report.batch_id}, job {report.job_id})"
    )
    if report.rejected:
        table = Table("rejected file", "reason", "detail")
        for r in report.rejected[:200]:
            table.add_row(r["name"], r["reason"], r["detail"])
        console.print(table)


def _import_dataset(project: str, path: Path, fmt: str, as_predictions: str | None) -> None:
    """Import a labeled dataset through services.dataset_import and print its report."""
    from labelwright.services import dataset_import

    ctx = context()
    pid, name = project_id(ctx, project)
    user = cli_user(ctx)
    with progress() as bar:
        task = bar.add_task(f"importing dataset into {name}", total=None)
        report = run(
            lambda: dataset_import.import_dataset(
                ctx,
                user,
                pid,
                path,
                None if fmt == "auto" else fmt,
                as_predictions=as_predictions,
                progress=lambda done, _n: bar.update(task, completed=done),
            )
        )
    written = report["predictions_written"] if as_predictions else report["annotations_written"]
    kind = "predictions" if as_predictions else "annotations"
    console.print(
        f"{report['items_matched']} items matched, {report['images_added']} images added, "
        f"[green]{written} {kind} written[/green], {report['annotations_unchanged']} unchanged, "
        f"[red]{report['items_skipped']} items skipped[/red] (job {report['job_id']})"
    )
    for reason, count in sorted(report["objects_skipped"].items()):
        console.print(f"[yellow]{count} objects skipped: {reason}[/yellow]")
    if report["problems"]:
        table = Table("file", "problem", "detail")
        for p in report["problems"][:200]:
            table.add_row(p["file"], p["reason"], p["detail"])
        console.print(table)


def _parse_split(split: str | None) -> tuple[float, ...] | str | None:
    if split is None or split == "tags":
        return split
    try:
        return tuple(float(part) for part in split.split(","))
    except ValueError:
        raise fail(f"--split {split!r}: give ratios like 0.8,0.1,0.1 or 'tags'") from None


@app.command("export")
def export_cmd(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    fmt: Annotated[str, typer.Option("--format", help="Dataset format, e.g. coco.")],
    out: Annotated[Path, typer.Option(help="Folder to write the dataset into.")],
    split: Annotated[
        str | None,
        typer.Option(help="Train/val/test ratios like 0.8,0.1,0.1, or 'tags' (the split tag)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split (same seed, same split).")] = 0,
    state: Annotated[
        list[str] | None, typer.Option(help="Only items in this state (repeatable).")
    ] = None,
    class_: Annotated[
        list[str] | None,
        typer.Option("--class", help="Only objects of this class name or id (repeatable)."),
    ] = None,
    predictions: Annotated[
        bool, typer.Option("--predictions", help="Add model predictions to the labels.")
    ] = False,
    images: Annotated[bool, typer.Option(help="Copy the image files too.")] = True,
) -> None:
    """Export a project's labels (and images) as a dataset in a format."""
    from labelwright.services import datasets

    ratios = _parse_split(split)
    ctx = context()
    pid, name = project_id(ctx, project)
    run(lambda: datasets.find_format(fmt))  # an unknown format fails before any work
    user = cli_user(ctx)
    with progress() as bar:
        task = bar.add_task(f"exporting {name} as {fmt}", total=None)
        manifest = run(
            lambda: datasets.export_project(
                ctx,
                user,
                pid,
                fmt,
                out,
                progress=lambda done, _n: bar.update(task, completed=done),
                copy_images=images,
                states=state or None,
                classes=class_ or None,
                include_predictions=predictions,
                split=ratios,
                seed=seed,
            )
        )
    console.print(f"{manifest.images} images, {manifest.objects} objects written to {out}")
    table = Table("class", "objects")
    for class_name, count in sorted(manifest.per_class.items()):
        table.add_row(class_name, str(count))
    console.print(table)
    if manifest.per_split:
        console.print(
            "Splits: " + ", ".join(f"{k} {v}" for k, v in sorted(manifest.per_split.items()))
        )


if __name__ == "__main__":
    app()
