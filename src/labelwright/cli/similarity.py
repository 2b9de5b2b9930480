"""`labelwright embed`, `similar` and `duplicates`: embeddings, similar images, near-duplicates."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
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

DEFAULT_MODEL = "imagenet-mobilenet-v2"  # services.embeddings.DEFAULT_MODEL, without importing it
MODEL_HELP = "Embedding model (see `labelwright models`)."


def embed(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    model: Annotated[str, typer.Option(help=MODEL_HELP)] = DEFAULT_MODEL,
    state: Annotated[
        list[str] | None, typer.Option(help="Only items in this state (repeatable).")
    ] = None,
    executor: Annotated[
        str | None, typer.Option(help="local (a process pool), ray, or inline.")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes or Ray actors.")] = None,
    settings: Annotated[
        str, typer.Option(help="Model settings as JSON, e.g. '{\"batch_size\": 32}'.")
    ] = "{}",
) -> None:
    """Compute image embeddings of a project's items (those lacking one), with a progress bar."""
    from labelwright.services.embeddings import EmbedRequest, queue_embed

    parsed = json_object(settings)
    ctx = context()
    pid, name = project_id(ctx, project)
    user = cli_user(ctx)
    request = EmbedRequest(
        model=model,
        settings=parsed,
        states=tuple(state or ()),
        executor=executor,
        workers=workers,
    )
    job_id = run(lambda: queue_embed(ctx, user, pid, request))
    job = run_job(ctx, job_id, f"{escape(model)} embeddings of {escape(name)}")
    result = job.result
    console.print(
        f"[green]{result.get('images', 0)} images embedded[/green] by {model} on "
        f"{result['executor']} (job {job_id}); {result.get('failed', 0)} images failed"
    )


def similar(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    item_id: Annotated[int, typer.Argument(help="The item to find look-alikes of.")],
    k: Annotated[int, typer.Option("-k", "--k", help="How many matches.")] = 12,
    model: Annotated[str, typer.Option(help=MODEL_HELP)] = DEFAULT_MODEL,
) -> None:
    """List the items whose embeddings are closest to an item's, best first."""
    from labelwright.services.similarity import similar_items

    ctx = context()
    pid, _ = project_id(ctx, project)
    user = cli_user(ctx)
    answer = run(lambda: similar_items(ctx, user, pid, item_id, k=k, model=model))
    table = Table("item", "file", "cosine")
    for match in answer.items:
        table.add_row(str(match.item_id), escape(match.file_name), f"{match.score:.3f}")
    console.print(table)


def duplicates(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    max_distance: Annotated[
        int, typer.Option(help="Most differing bits of two difference hashes (0-7).")
    ] = 6,
    min_cosine: Annotated[
        float, typer.Option(help="Least cosine of two embeddings (second pass).")
    ] = 0.95,
    model: Annotated[str, typer.Option(help=MODEL_HELP)] = DEFAULT_MODEL,
    limit: Annotated[int, typer.Option(help="Groups to print at most.")] = 100,
) -> None:
    """Print near-duplicate groups: by perceptual hash first, then by embedding."""
    from labelwright.services.similarity import find_duplicates

    ctx = context()
    pid, name = project_id(ctx, project)
    user = cli_user(ctx)
    report = run(
        lambda: find_duplicates(
            ctx,
            user,
            pid,
            max_distance=max_distance,
            min_cosine=min_cosine,
            model=model,
            limit=limit,
        )
    )
    console.print(
        f"{escape(name)}: {report.hashed} items compared by hash, {report.embedded} by embedding; "
        f"{report.total_groups} groups"
    )
    if report.embedding_note:
        console.print(f"[yellow]embedding pass: {report.embedding_note}[/yellow]")
    table = Table("group", "found by", "weakest link", "items")
    for number, group in enumerate(report.groups, 1):
        link = f"{group.weakest:.0f} bits" if group.found_by == "hash" else f"{group.weakest:.3f}"
        files = "\n".join(f"{item_id}  {escape(file_name)}" for item_id, file_name in group.items)
        table.add_row(str(number), group.found_by, link, files)
    console.print(table)
