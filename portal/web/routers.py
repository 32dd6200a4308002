"""The one place routers are registered: every domain package with a `routes.py` exposing `router`
(pages under /{lang}) and/or `api` (JSON under /api/v1). Order: catalogue first, then the others
sorted; a domain may set `ORDER` (int, default 100) in routes.py to go earlier."""

from __future__ import annotations

from importlib import import_module

from fastapi import FastAPI

from portal import PACKAGE_DIR


def domains() -> list:
    modules = [import_module(f"portal.{p.parent.name}.routes") for p in PACKAGE_DIR.glob("*/routes.py")]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def include_all(app: FastAPI) -> None:
    for module in domains():
        if hasattr(module, "api"):
            app.include_router(module.api, prefix="/api/v1")
        if hasattr(module, "router"):
            app.include_router(module.router)
