"""`labelwright synth`: render a scene recipe into a project or a dataset folder.

Only Typer is imported here; rendering modules load when the command runs, so
`labelwright --help` stays instant.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from labelwright.cli.common import cli_user, console, context, fail, progress, project_id, run


def synth_cmd(
    recipe: Annotated[Path, typer.Argument(help="Scene recipe, YAML or JSON.")],
    count: Annotated[int, typer.Option(help="How many images to make.")],
    project: Annotated[
        str | None, typer.Option(help="Project (name or id) to add the images to.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write a dataset folder here instead of a project.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Dataset format of --out (default coco).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the recipe's).")] = None,
    start: Annotated[
        int, typer.Option(help="Number of the first image, to continue an earlier run.")
    ] = 0,
    workers: Annotated[
        int, typer.Option(help="Rendering processes (at most one per 250 images).")
    ] = os.cpu_count() or 1,
) -> None:
    """Render images with exact labels (boxes, polygons, masks, keypoints) from 3D scenes.

    With --project the images join the project as one batch of accepted items, their labels
    saved as ground truth (source synthetic); a project without a schema gets the recipe's
    classes. With --out they are written as a dataset in --format. The same recipe, seed
    and image numbers always give the same images.
    """
    if (project is None) == (out is None):
        raise fail("give either --project (add to a project) or --out (write a folder)")
    if fmt is not None and out is None:
        raise fail("--format applies to --out; a project keeps its images as they are")
    from labelwright.services import synthesis
    from labelwright.synth.errors import RecipeError

    loaded = run(lambda: synthesis.read_recipe(recipe))
    try:
        loaded = loaded.with_seed(seed)
    except RecipeError as exc:
        raise fail(str(exc)) from None
    workers = synthesis.worth_starting(workers, count)
    ctx = context()
    user = cli_user(ctx)
    if out is not None:
        _to_folder(ctx, user, loaded, out, fmt or "coco", count, start, workers)
        return
    target, name = project_id(ctx, project or "")
    with progress() as bar:
        task = bar.add_task(f"rendering into {name}", total=count)
        report = run(
            lambda: synthesis.synthesize_into_project(
                ctx,
                user,
                target,
                loaded,
                count=count,
                start=start,
                workers=workers,
                progress=lambda done, _n: bar.update(task, completed=done),
            )
        )
    console.print(
        f"[green]{report['images_added']} images added[/green], {report['duplicates']} "
        f"already there, {report['annotations_written']} annotations written "
        f"(batch {report['batch_id']}, job {report['job_id']})"
    )
    _print_counts(report)


def _to_folder(ctx, user, recipe, out: Path, fmt: str, count: int, start: int, workers: int):
    """Write the images as a dataset and print what it holds."""
    from labelwright.services import synthesis
    from labelwright.services.datasets import find_format

    run(lambda: find_format(fmt))  # an unknown format fails before any rendering
    with progress() as bar:
        task = bar.add_task(f"rendering into {out}", total=count)
        manifest, report = run(
            lambda: synthesis.synthesize_to_folder(
                ctx,
                user,
                recipe,
                out,
                fmt,
                count=count,
                start=start,
                workers=workers,
                progress=lambda done, _n: bar.update(task, completed=done),
            )
        )
    console.print(f"{manifest.images} images, {manifest.objects} objects written to {out}")
    _print_counts(report)


def _print_counts(report: dict) -> None:
    """Instances labeled and dropped, and any problems."""
    console.print(
        f"{report['instances_labeled']} instances labeled ({report['objects_written']} "
        f"annotation objects); dropped: {report['instances_hidden']} hidden, "
        f"{report['instances_below_share']} below the visible share; "
        f"{report['instances_flagged']} flagged as occluded"
    )
    if report["problem_list"]:
        from rich.table import Table

        table = Table("file", "problem", "detail")
        for problem in report["problem_list"][:200]:
            table.add_row(problem["file"], problem["reason"], problem["detail"])
        console.print(table)
