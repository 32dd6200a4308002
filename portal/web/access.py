"""Who may call each route: the roles its dependencies demand, or public by declaration.

A route demands a role through a `require_roles(...)` dependency (the `StaffUser`, `ScreenerUser`,
`AdminUser`, `SignedInUser` parameters of portal.accounts.deps), on the route or on its router. A route
that demands none must be listed in PUBLIC: tests/test_wiring.py fails for a route that does neither, so
a new staff page cannot go out unprotected by omission. `portal routes` prints the map.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

#: Routes anyone may call ("METHODS path", methods sorted and joined by ","). Investors' pages and the
#: open data are public; a proposal's private pages are reached by their unguessable token.
PUBLIC = frozenset(
    {
        # Prometheus metrics: production answers 404 unless PORTAL_METRICS_TOKEN is sent (portal/web/metrics.py)
        "GET /metrics",
        # the API's own documents (not served in production)
        "GET,HEAD /api/openapi.json",
        "GET,HEAD /api/docs",
        "GET,HEAD /docs/oauth2-redirect",
        # catalogue
        "GET /api/v1/zones",
        "GET /api/v1/zones.csv",
        "GET /api/v1/zones.json",
        "GET /api/v1/zones/{slug}",
        "GET /{lang}/",
        "GET /{lang}/zones",
        "GET /{lang}/zones/{slug}",
        "POST /{lang}/zones/{slug}/enquiry",
        "GET /{lang}/sectors",
        "GET /{lang}/sectors/{code}",
        "GET /{lang}/rules",
        # opendata
        "GET /api/v1/plots.csv",
        "GET /api/v1/plots.json",
        "GET /api/v1/sectors.csv",
        "GET /api/v1/sectors.json",
        "GET /api/v1/registry.csv",
        "GET /api/v1/registry.json",
        "GET /{lang}/open-data",
        "GET /robots.txt",
        "GET /favicon.ico",
        "GET /sitemap.xml",
        # accounts: signing in and out
        "GET /{lang}/staff/login",
        "POST /{lang}/staff/login",
        "POST /{lang}/staff/logout",
        # alerts: subscribing needs no account; confirming and stopping go by the private token mailed
        "POST /{lang}/alerts",
        "GET /{lang}/alerts/sent",
        "GET /{lang}/alerts/confirm/{token}",
        "POST /{lang}/alerts/confirm/{token}",
        "GET /{lang}/alerts/unsubscribe/{token}",
        "POST /{lang}/alerts/unsubscribe/{token}",
        # compare
        "GET /api/v1/compare",
        "GET /{lang}/compare",
        # dashboard
        "GET /{lang}/targets",
        # intake
        "POST /api/v1/match",
        "POST /api/v1/proposals",
        "GET /{lang}/match",
        "GET /{lang}/proposals/new",
        "POST /{lang}/proposals/new",
        "GET /{lang}/proposals/receipt/{token}",
        "GET /{lang}/proposals/links",  # "send me my tracking links": the same answer for every address
        "POST /{lang}/proposals/links",
        # notify: the development mailbox (404 outside development)
        "GET /{lang}/dev/mail",
        "GET /{lang}/dev/mail/{name}",
        "GET /{lang}/dev/mail/{name}/html",
        # pipeline: public figures, no company names
        "GET /api/v1/pipeline.csv",
        "GET /{lang}/pipeline",
        "GET /{lang}/proposals/status/{token}",
        "GET /{lang}/proposals/report/{token}",
        # maps
        "GET /api/v1/zones.geojson",
        "GET /api/v1/plots.geojson",
        "GET /{lang}/map",
        # registry
        "GET /api/v1/registry/projects",
        "GET /{lang}/registry",
        # review: the investor's answer and withdrawal, by the proposal's private token
        "POST /{lang}/proposals/status/{token}/answer",
        "POST /{lang}/proposals/status/{token}/withdraw",
        # screening
        "POST /api/v1/screening",
        "GET /{lang}/precheck",
        "POST /{lang}/precheck",
        "POST /{lang}/precheck/report",
        # searchpages
        "GET /api/v1/search",
        "GET /{lang}/search",
        # the app: language redirect, health check
        "GET /",
        "GET /healthz",
        # static files
        "GET /static/{path}",
    }
)


@dataclass(frozen=True)
class RouteAccess:
    methods: str
    path: str
    handler: str  # module:function
    roles: tuple[str, ...] | None  # None: no role demanded

    @property
    def key(self) -> str:
        return f"{self.methods} {self.path}"

    @property
    def public(self) -> bool:
        return self.key in PUBLIC

    @property
    def access(self) -> str:
        if self.roles:
            return "|".join(self.roles)
        return "public" if self.public else "UNDECLARED"


def _roles(dependant) -> tuple[str, ...] | None:
    for dep in dependant.dependencies:
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return tuple(roles)
        found = _roles(dep)
        if found is not None:
            return found
    return None


def route_map(app) -> list[RouteAccess]:
    """Every URL of `app` with its methods, handler and the roles it demands, in matching order."""
    out = []
    for context in iter_route_contexts(app.routes):  # included routers flattened, with their prefixes
        route = context.original_route
        if isinstance(route, Mount):
            out.append(RouteAccess("GET", f"{context.path}/{{path}}", f"mount:{route.name}", None))
            continue
        methods = ",".join(sorted(context.methods or ()))
        endpoint = context.endpoint
        handler = f"{endpoint.__module__}:{endpoint.__qualname__}" if endpoint else type(route).__name__
        roles = _roles(context.dependant) if isinstance(route, APIRoute) else None
        out.append(RouteAccess(methods, context.path, handler, roles))
    return out
