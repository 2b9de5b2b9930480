"""ASGI entry point for uvicorn and other servers: settings come from the environment."""

from labelwright.api.app import create_app

app = create_app()
