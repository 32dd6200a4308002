"""Publishing test helpers: current form values, posting forms, plots made through the service."""

from __future__ import annotations

from portal.catalogue.models import Plot, Zone
from portal.publishing import plots, zones
from portal.publishing.schemas import PlotIn, form_value


def zone(session, slug: str = "kcn-tran-de") -> Zone:
    z = zones.get_zone(session, slug=slug)
    assert z is not None
    return z


def zone_form(session, slug: str = "kcn-tran-de", **changes) -> dict:
    """The edit form as a browser would post it: every current value, then `changes`."""
    z = zone(session, slug)
    session.refresh(z)
    values = zones.zone_values(session, z)
    form = {k: form_value(v) for k, v in values.items() if k != "priority_sectors"}
    form["priority_sectors"] = values["priority_sectors"]
    form["version"] = str(z.version)
    form["action"] = "publish" if z.published else "draft"
    form.update({k: v for k, v in changes.items()})
    return form


def post_zone(client, csrf: str, form: dict, *, slug: str = "kcn-tran-de", lang: str = "en"):
    return client.post(f"/{lang}/staff/zones/{slug}/edit", data={**form, "csrf_token": csrf}, follow_redirects=False)


def make_plot(
    session,
    slug: str = "kcn-tran-de",
    *,
    code: str = "P1",
    area_ha: float = 10.0,
    status: str = "available",
    actor=None,
    **extra,
) -> Plot:
    plot = plots.create_plot(
        session, zone=zone(session, slug), data=PlotIn(code=code, area_ha=area_ha, status=status, **extra), actor=actor
    )
    session.commit()
    return plot


def plot_form(plot: Plot, **changes) -> dict:
    form = {k: form_value(v) for k, v in plots.plot_values(plot).items()}
    form["version"] = str(plot.version)
    form.update(changes)
    return form
