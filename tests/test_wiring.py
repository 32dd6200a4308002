"""Explicit wiring holds: every domain's routers, models and commands are listed, and every route either
demands a role or is declared public (portal/web/access.py)."""

from __future__ import annotations

from importlib import import_module

import pytest
from fastapi import APIRouter
from typer.testing import CliRunner

from portal import PACKAGE_DIR
from portal import cli as portal_cli
from portal.models import MODEL_MODULES
from portal.web.access import PUBLIC, route_map


def _modules(name: str) -> list:
    return [import_module(f"portal.{p.parent.name}.{name}") for p in sorted(PACKAGE_DIR.glob(f"*/{name}.py"))]


def _endpoints(app) -> set:
    return {r.handler for r in route_map(app)}


def _route_modules() -> list:
    """Every portal module that makes a router (whatever its file name)."""
    paths = [p for p in sorted(PACKAGE_DIR.rglob("*.py")) if "APIRouter(" in p.read_text(encoding="utf-8")]
    names = [".".join(("portal", *p.relative_to(PACKAGE_DIR).with_suffix("").parts)) for p in paths]
    return [import_module(n) for n in names if n not in ("portal.app", "portal.accounts.deps")]


@pytest.mark.parametrize("module", _route_modules(), ids=lambda m: m.__name__)
def test_every_routes_module_is_wired(app, module):
    served = _endpoints(app)
    routers = [v for v in vars(module).values() if isinstance(v, APIRouter)]
    assert routers, f"{module.__name__} defines no router"
    for router in routers:
        for route in router.routes:
            endpoint = getattr(route, "endpoint", None)
            if endpoint is not None:
                handler = f"{endpoint.__module__}:{endpoint.__qualname__}"
                assert handler in served, f"{handler} is not served: add its router to portal.app.ROUTERS"


def test_every_models_module_is_imported():
    assert {m.__name__ for m in _modules("models")} == {m.__name__ for m in MODEL_MODULES}


def test_every_domain_command_module_is_registered():
    assert {m.__name__ for m in _modules("cli")} == {m.__name__ for m in portal_cli.DOMAIN_CLIS}


def test_every_route_demands_a_role_or_is_declared_public(app):
    undeclared = [f"{r.key} ({r.handler})" for r in route_map(app) if not r.roles and not r.public]
    assert not undeclared, "routes with no role and not in portal.web.access.PUBLIC:\n" + "\n".join(undeclared)


def test_no_route_is_both_protected_and_listed_public(app):
    both = [r.key for r in route_map(app) if r.roles and r.public]
    assert not both


def test_every_public_entry_names_a_route(app):
    keys = {r.key for r in route_map(app)}
    assert sorted(PUBLIC - keys) == []


def test_a_new_staff_page_without_a_role_is_caught(app):
    router = APIRouter(prefix="/{lang}")

    @router.get("/staff/forgotten")
    def forgotten(lang: str):
        return {}

    app.include_router(router)
    undeclared = [r.key for r in route_map(app) if not r.roles and not r.public]
    assert undeclared == ["GET /{lang}/staff/forgotten"]


def test_portal_routes_prints_every_url_with_handler_and_role(settings, monkeypatch):
    monkeypatch.setattr(portal_cli, "get_settings", lambda: settings)
    result = CliRunner().invoke(portal_cli.app, ["routes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    decide = [line for line in lines if "/{lang}/review/{proposal_id}/decide" in line]
    assert len(decide) == 1
    assert decide[0].split() == [
        "POST",
        "/{lang}/review/{proposal_id}/decide",
        "portal.review.routes:decide",
        "screener|admin",
    ]
    assert any(line.split()[-1] == "public" and " /{lang}/zones/{slug} " in line for line in lines)


def test_a_catalogue_port_nobody_provided_is_refused_not_guessed(session, monkeypatch):
    from portal.catalogue import ports, service
    from portal.events import NotWired

    monkeypatch.setattr(ports, "_leased_outside_plots", None)
    with pytest.raises(NotWired):
        service.land_figures(session, service.all_zones(session)[:1])
