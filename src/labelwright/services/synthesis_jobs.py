"""Synthetic images as a background job: a recipe sent over the API, rendered into a project."""

from __future__ import annotations

from typing import Any

from labelwright.jobs.runner import JobControl, JobFailed
from labelwright.services import jobs, projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, ServiceError
from labelwright.services.synthesis import synthesize_into_project
from labelwright.store.tables import User
from labelwright.synth.errors import RecipeError
from labelwright.synth.recipe import Recipe
from labelwright.synth.recipe_files import parse_recipe


def recipes_dir(ctx: Context):
    """Where mesh, texture and background files named by API recipes must lie."""
    return ctx.settings.data_dir / "recipes"


def checked_recipe(ctx: Context, data: Any) -> Recipe:
    """A recipe sent by someone else: validated, every file confined to the recipes folder."""
    try:
        return parse_recipe(data, source="recipe", base_dir=recipes_dir(ctx), confine=True)
    except RecipeError as exc:
        raise Invalid(str(exc)) from None


def queue_synthesis(
    ctx: Context, user: User, project_id: int, recipe: Any, *, count: int, start: int = 0
) -> int:
    """Check the recipe now, then queue the rendering (managers); returns the job id."""
    checked_recipe(ctx, recipe)
    params = {"recipe": recipe, "count": count, "start": start}
    return jobs.queue_job(ctx, user, project_id, "synth", params, projects.MANAGE)


def run_synth_job(ctx: Context, control: JobControl) -> dict[str, Any]:
    """Render the recipe's images into the project, reporting each image brought in."""
    params = control.params
    recipe = checked_recipe(ctx, params["recipe"])
    count = int(params["count"])
    with ctx.db.session(readonly=True) as sess:
        user = sess.get(User, control.job.created_by)
    if user is None:
        raise JobFailed("the account that asked for this job no longer exists")
    try:
        return synthesize_into_project(
            ctx,
            user,
            control.job.project_id,
            recipe,
            count=count,
            start=int(params.get("start", 0)),
            workers=ctx.settings.job_workers,
            progress=lambda done, name: control.progress(done, count, name),
            job_id=control.job.id,
            ray_address=ctx.settings.ray_address or None,
        )
    except ServiceError as exc:
        raise JobFailed(exc.message) from None
