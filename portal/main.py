"""ASGI entry point: `uvicorn portal.main:app`."""

from portal.app import create_app

app = create_app()
