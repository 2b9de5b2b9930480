"""ASGI entry point for uvicorn and other servers: settings come from the environment."""

from labelwright.api.app import create_app
from labelwright.runtime import tune_gc

app = create_app()
tune_gc()
