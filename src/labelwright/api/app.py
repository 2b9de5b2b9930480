"""The FastAPI application: routers, error shapes, OpenAPI at /api/docs, the web app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from labelwright import __version__
from labelwright.api.errors import ERROR_RESPONSES, install_error_handlers
from labelwright.api.routers import (
    activity,
    annotations,
    auth,
    batches,
    datasets,
    deliveries,
    inbox,
    items,
    jobs,
    labelschema,
    models,
    projects,
    quality,
    queue,
    review,
    similarity,
    stats,
    synthesis,
    uploads,
    users,
    webhooks,
)
from labelwright.api.web import mount_web
from labelwright.config import Settings
from labelwright.services import jobs as job_service
from labelwright.services import webhooks as webhook_service
from labelwright.services.context import Context

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run background jobs and send webhooks in this process while it serves (settings.run_jobs)."""
    ctx: Context = app.state.ctx
    runner = job_service.start_runner(ctx) if ctx.settings.run_jobs else None
    sender = webhook_service.start_sender(ctx) if ctx.settings.run_jobs else None
    app.state.runner = runner
    try:
        yield
    finally:
        if runner is not None:
            runner.stop()
        if sender is not None:
            sender.stop()


def create_app(ctx: Context | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app over an open context (or open one from settings / the environment)."""
    ctx = ctx or Context.open(settings or Settings.from_env())
    app = FastAPI(
        lifespan=_lifespan,
        title="Labelwright",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        responses=ERROR_RESPONSES,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    for module in (
        auth,
        users,
        projects,
        items,
        uploads,
        labelschema,
        annotations,
        queue,
        datasets,
        jobs,
        models,
        quality,
        review,
        stats,
        synthesis,
        batches,
        deliveries,
        activity,
        webhooks,
        inbox,
        similarity,
    ):
        app.include_router(module.router)

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness and version."""
        return {"status": "ok", "version": __version__}

    if WEB_DIR.is_dir():
        mount_web(app, WEB_DIR)
    return app
