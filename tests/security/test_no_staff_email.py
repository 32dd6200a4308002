"""No staff e-mail address on any public page or API: a figure staff entered is sourced publicly as
"provincial staff, <date>"; the person stays in the audit log."""

from __future__ import annotations

from fastapi.routing import APIRoute
from sqlmodel import select

from portal import clock
from portal.audit.models import AuditEvent
from portal.publishing import plots as publishing
from portal.registry.schemas import ProjectIn
from tests.conftest import csrf_token
from tests.factories import login
from tests.publishing.factories import post_zone, zone, zone_form

STAFF_EMAIL = "figure.keeper@soctrang-staff.example.vn"
PRIVATE_PREFIXES = ("/{lang}/staff", "/{lang}/admin", "/{lang}/review", "/{lang}/dev", "/api/docs", "/api/openapi")


def public_urls(slugs: list[str]) -> list[str]:
    """Every GET route of every domain that is not for staff, with {lang} filled in and zone pages for `slugs`."""
    from portal.app import ROUTERS

    routes = [(prefix, route) for router, prefix in ROUTERS for route in router.routes]
    urls = []
    for prefix, route in routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        path = prefix + route.path
        if path.startswith(PRIVATE_PREFIXES):
            continue
        params = set(route.param_convertors)
        for lang in ("vi", "en"):
            if params <= {"lang"}:
                urls.append(path.replace("{lang}", lang))
            elif params in ({"lang", "slug"}, {"slug"}):
                urls += [path.replace("{lang}", lang).replace("{slug}", s) for s in slugs]
    return sorted(set(urls))


def test_staff_figures_are_sourced_by_role_and_date_never_by_email(client, session, app):
    staff = login(client, session, roles=["staff"], email=STAFF_EMAIL)
    csrf = csrf_token(client)
    form = zone_form(session, "kcn-tran-de", total_area_ha="150", contact_email="bql@soctrang.example")
    assert post_zone(client, csrf, form).status_code == 303
    from portal.publishing.schemas import PlotIn

    publishing.create_plot(
        session,
        zone=zone(session, "kcn-tran-de"),
        data=PlotIn(code="S-1", area_ha=3.0, status="available"),
        actor=staff,
    )
    from portal.registry import service as registry

    registry.create_project(
        session,
        data=ProjectIn(
            investor_name="Staff Entered Co",
            name_vi="Dự án",
            name_en="Project",
            sector_code="1020",
            zone_id=zone(session, "kcn-tran-de").id,
            land_ha=2.0,
            published=True,
        ),
        actor=staff,
    )
    session.commit()
    session.refresh(zone(session, "kcn-tran-de"))
    fact = zone(session, "kcn-tran-de").facts["total_area_ha"]
    assert fact["source"] == "staff" and fact["ref"] == clock.today().isoformat()

    client.cookies.clear()  # an anonymous visitor
    urls = public_urls(["kcn-tran-de", "kcn-an-nghiep"])
    assert "/vi/zones/kcn-tran-de" in urls and "/api/v1/registry.csv" in urls and len(urls) > 20
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        checked += 1
        assert STAFF_EMAIL not in response.text, url
        assert "soctrang-staff.example.vn" not in response.text, url
    assert checked > 20
    page = client.get("/en/zones/kcn-tran-de").text
    assert f"provincial staff, {clock.today().isoformat()}" in page
    assert f"cán bộ của tỉnh, {clock.today().isoformat()}" in client.get("/vi/zones/kcn-tran-de").text
    # the person is in the audit log
    events = session.exec(select(AuditEvent).where(AuditEvent.actor_id == staff.id)).all()
    assert events
