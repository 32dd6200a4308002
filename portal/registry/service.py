"""The project registry: accepted and existing investment projects per zone.

Registry figures feed the catalogue (leased land outside plots) and the targets dashboard (totals).
Every change is a compare-and-set on `version`, with a revision and an audit event in the same transaction.
A project placed on a plot marks that plot leased (through publishing.plots), so land is never
typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.audit import service as audit
from portal.catalogue.changes import zone_changed
from portal.catalogue.models import Plot, PlotStatus, Sector, Zone
from portal.i18n import N_
from portal.intake.models import Proposal
from portal.publishing import plots
from portal.publishing.schemas import PlotIn
from portal.registry.models import Project, ProjectStatus
from portal.registry.schemas import ProjectIn, ProjectPublic, country_code, published_values
from portal.settings import get_settings
from portal.versioning.service import compare_and_set, require_version, write_revision

PROJECT_FIELDS = tuple(ProjectIn.model_fields)


class RegistryError(ValueError):
    """A registry change refused for a reason tied to one field (msgid + params)."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.params = params


def plot_in_use(session: Session, plot_id: int) -> bool:
    """A project is placed on the plot (publishing refuses to delete it: publishing/ports.py)."""
    return session.exec(select(Project.id).where(Project.plot_id == plot_id)).first() is not None


def counted_statuses(leased_from: str | None = None) -> tuple[str, ...]:
    """The statuses whose projects take land: `leased_from` (PORTAL_REGISTRY_LEASED_FROM, the province's
    choice, default licensed) and every later one."""
    if leased_from is None:
        leased_from = get_settings().registry_leased_from
    order = [s.value for s in ProjectStatus]
    return tuple(order[order.index(leased_from) :]) if leased_from in order else tuple(order[1:])


#: built once (building a statement costs more than running it on SQLite); bound at each call
_LEASED_OUTSIDE_PLOTS = (
    select(Project.zone_id, func.sum(Project.land_ha))
    .where(
        col(Project.plot_id).is_(None),
        col(Project.land_ha).is_not(None),
        col(Project.status).in_(bindparam("statuses", expanding=True)),
    )
    .group_by(Project.zone_id)
)
_LEASED_OUTSIDE_PLOTS_OF = _LEASED_OUTSIDE_PLOTS.where(col(Project.zone_id).in_(bindparam("ids", expanding=True)))


def leased_outside_plots(
    session: Session, zone_ids: list[int] | None, *, statuses: tuple[str, ...] | None = None
) -> dict[int, float]:
    """Land taken by registry projects that are not placed on a plot (a plot marked leased already
    counts its own area; a project on a plot would count it twice), counting only projects whose status
    takes land (`counted_statuses`). `zone_ids=None`: every zone."""
    if zone_ids is not None and not zone_ids:
        return {}
    params = {"statuses": list(statuses if statuses is not None else counted_statuses())}
    if zone_ids is None:
        rows = session.exec(_LEASED_OUTSIDE_PLOTS, params=params).all()
    else:
        rows = session.exec(_LEASED_OUTSIDE_PLOTS_OF, params={**params, "ids": zone_ids}).all()
    return {zone_id: float(total) for zone_id, total in rows if total}


# --- reading ------------------------------------------------------------------------------------------


def has_published_projects(session: Session) -> bool:
    """Whether any published project of a published zone exists (one row read, not the list)."""
    stmt = (
        select(Project.id)
        .join(Zone, col(Zone.id) == Project.zone_id)
        .where(Project.published == True, Zone.published == True)  # noqa: E712
        .limit(1)
    )
    return session.exec(stmt).first() is not None


def list_projects(session: Session, *, published_only: bool = False, zone_id: int | None = None) -> list[Project]:
    stmt = select(Project).order_by(Project.zone_id, Project.investor_name, Project.id)
    if published_only:
        stmt = stmt.join(Zone, col(Zone.id) == Project.zone_id).where(Project.published == True, Zone.published == True)  # noqa: E712
    if zone_id is not None:
        stmt = stmt.where(Project.zone_id == zone_id)
    return list(session.exec(stmt).all())


def get_project(session: Session, *, project_id: int) -> Project | None:
    return session.get(Project, project_id)


def project_of_proposal(session: Session, *, proposal_id: int) -> Project | None:
    """The registry entry an accepted proposal became (the case page links to it)."""
    return session.exec(select(Project).where(Project.proposal_id == proposal_id).order_by(col(Project.id))).first()


def proposal_references(session: Session, projects: list[Project]) -> dict[int, str]:
    """proposal id → its reference, for the registry entries that came from a case."""

    ids = {p.proposal_id for p in projects if p.proposal_id}
    if not ids:
        return {}
    return dict(session.exec(select(Proposal.id, Proposal.reference).where(col(Proposal.id).in_(ids))).all())


def project_values(project: Project) -> dict[str, Any]:
    return {name: getattr(project, name) for name in PROJECT_FIELDS}


@dataclass
class ZoneProjects:
    zone: Zone
    projects: list[Project]


def public_by_zone(session: Session) -> list[ZoneProjects]:
    """Published projects on published zones, grouped by zone (zones in catalogue order)."""
    projects = list_projects(session, published_only=True)
    if not projects:
        return []
    zones = {z.id: z for z in session.exec(select(Zone).where(col(Zone.id).in_({p.zone_id for p in projects})))}
    groups: dict[int, list[Project]] = {}
    for p in projects:
        groups.setdefault(p.zone_id, []).append(p)
    ordered = sorted(groups, key=lambda zid: (zones[zid].kind, zones[zid].slug))
    return [ZoneProjects(zones[zid], groups[zid]) for zid in ordered]


def sectors_by_code(session: Session, codes) -> dict[str, Sector]:
    codes = set(codes)
    if not codes:
        return {}
    return {s.code: s for s in session.exec(select(Sector).where(col(Sector.code).in_(codes))).all()}


def public_projects(session: Session) -> list[ProjectPublic]:
    projects = list_projects(session, published_only=True)
    sectors = sectors_by_code(session, {p.sector_code for p in projects})
    zones = {z.id: z for z in session.exec(select(Zone)).all()} if projects else {}
    out = []
    for p in projects:
        s, z = sectors.get(p.sector_code), zones[p.zone_id]
        out.append(
            ProjectPublic(
                **published_values(p, z.slug),
                sector_name_vi=s.name_vi if s else p.sector_code,
                sector_name_en=s.name_en if s else p.sector_code,
                zone_name_vi=z.name_vi,
                zone_name_en=z.name_en,
            )
        )
    return out


def registry_totals(session: Session, *, published_only: bool = True) -> dict[str, Any]:
    """{jobs, capital_by_currency: {VND: x, USD: y}, land_ha, projects} over the registry.

    Unknown figures are left out of the sums (a project without a job count adds nothing), so totals are
    lower bounds; `projects` counts every project. Published projects only by default (public pages)."""
    projects = list_projects(session, published_only=published_only)
    capital: dict[str, float] = {}
    for p in projects:
        if p.capital_amount is not None and p.capital_currency:
            capital[p.capital_currency] = capital.get(p.capital_currency, 0.0) + p.capital_amount
    return {
        "projects": len(projects),
        "jobs": sum(p.jobs for p in projects if p.jobs is not None),
        "land_ha": sum(p.land_ha for p in projects if p.land_ha is not None),
        "capital_by_currency": capital,
    }


def form_choices(session: Session) -> tuple[dict[str, int], dict[int, int], set[str]]:
    """(zone slug → id, plot id → zone id, sector codes) for validating the staff form."""
    zones = {slug: zid for zid, slug in session.exec(select(Zone.id, Zone.slug)).all()}
    plots = {pid: zid for pid, zid in session.exec(select(Plot.id, Plot.zone_id)).all()}
    sectors = set(session.exec(select(Sector.code)).all())
    return zones, plots, sectors


def plot_choices(session: Session) -> list[tuple[str, str]]:
    """(plot id, "zone-slug · code") for the staff form's plot menu."""
    rows = session.exec(select(Plot, Zone.slug).join(Zone, col(Zone.id) == Plot.zone_id).order_by(Zone.slug, Plot.code))
    return [(str(p.id), f"{slug} · {p.code}") for p, slug in rows.all()]


# --- writing ------------------------------------------------------------------------------------------


def _check_refs(session: Session, data: ProjectIn) -> None:
    if session.get(Zone, data.zone_id) is None:
        raise RegistryError("zone", N_("Choose a zone."))
    if session.get(Sector, data.sector_code) is None:
        raise RegistryError("sector_code", N_("Unknown sector code."))
    if data.plot_id is not None:
        plot = session.get(Plot, data.plot_id)
        if plot is None or plot.zone_id != data.zone_id:
            raise RegistryError("plot_id", N_("This plot is not in the chosen zone."))


def _lease_plot(session: Session, *, plot_id: int | None, status: str, actor: User | None, address: str | None) -> None:
    """A project placed on a plot takes it once its status takes land: mark the plot leased (revision +
    audit via publishing)."""
    if plot_id is None or status not in counted_statuses():
        return

    plot = session.get(Plot, plot_id)
    if plot is None or plot.status == PlotStatus.leased:
        return
    data = PlotIn(**{**plots.plot_values(plot), "status": PlotStatus.leased.value})
    plots.update_plot(
        session,
        plot=plot,
        data=data,
        expected_version=plot.version,
        actor=actor,
        address=address,
        detail="registry project placed on the plot",
    )


def create_project(
    session: Session,
    *,
    data: ProjectIn,
    actor: User | None,
    address: str | None = None,
    proposal_id: int | None = None,
    source: str = "registry",
) -> Project:

    _check_refs(session, data)
    project = Project(
        **data.model_dump(), proposal_id=proposal_id, source=source, created_by=actor.id if actor else None, version=1
    )
    session.add(project)
    session.flush()
    values = project_values(project)
    write_revision(
        session,
        object_type="project",
        object_id=project.id,
        version=1,
        actor=actor,
        action="create",
        changes={k: (None, v) for k, v in values.items() if v is not None},
    )
    audit.record(
        session,
        actor=actor,
        action="project.created",
        object_type="project",
        object_id=project.id,
        after={**values, "proposal_id": proposal_id},
        address=address,
        detail=project.investor_name,
    )
    _lease_plot(session, plot_id=project.plot_id, status=project.status, actor=actor, address=address)
    _zones_changed(session, project.zone_id)
    return project


def _zones_changed(session: Session, *zone_ids: int | None) -> None:
    """A project's land counts in its zone's leased land and fill rate: refresh the zone's search
    document and the public page cache in the same transaction."""
    for zone_id in {z for z in zone_ids if z is not None}:
        zone = session.get(Zone, zone_id)
        if zone is not None:
            zone_changed(session, zone)


def update_project(
    session: Session,
    *,
    project: Project,
    data: ProjectIn,
    expected_version: int,
    actor: User | None,
    address: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Compare-and-set; raises versioning.service.StaleEdit when `expected_version` is old."""

    _check_refs(session, data)
    current = project_values(project)
    changes = {k: (current[k], v) for k, v in data.model_dump().items() if current[k] != v}
    if not changes:
        require_version(session, project, object_type="project", expected_version=expected_version)
        return {}
    values = {k: v for k, (_, v) in changes.items()}
    compare_and_set(session, project, object_type="project", expected_version=expected_version, values=values)
    write_revision(
        session,
        object_type="project",
        object_id=project.id,
        version=project.version,
        actor=actor,
        action="update",
        changes=changes,
    )
    audit.record(
        session,
        actor=actor,
        action="project.updated",
        object_type="project",
        object_id=project.id,
        before={k: a for k, (a, _) in changes.items()},
        after={k: b for k, (_, b) in changes.items()},
        address=address,
        detail=project.investor_name,
    )
    if "plot_id" in changes or "status" in changes:
        _lease_plot(session, plot_id=project.plot_id, status=project.status, actor=actor, address=address)
    _zones_changed(session, project.zone_id, changes.get("zone_id", (None,))[0])
    return changes


def create_from_proposal(
    session: Session,
    *,
    proposal,
    actor: User | None,
    land_ha: float | None = None,
    status: str = ProjectStatus.in_principle,
    address: str | None = None,
) -> Project:
    """Accepting a proposal records it in the registry, accepted in principle (unpublished until staff
    publish it; staff move it on to licensed, building and operating).

    Investor, project name (both languages: the investor wrote it once), first sector, zone, land, capital and
    jobs come from the proposal; `land_ha` overrides the land the investor asked for (e.g. what was granted).
    Raises RegistryError when the proposal names no zone or no known sector."""
    if status not in {s.value for s in ProjectStatus}:
        raise RegistryError("status", N_("Unknown project status."))
    zone_id = getattr(proposal, "zone_id", None)
    if zone_id is None:
        raise RegistryError("zone", N_("The proposal names no zone: choose one before recording the project."))
    sectors = list(getattr(proposal, "sectors", None) or [])
    sector = next((str(s.get("code") if isinstance(s, dict) else s) for s in sectors), None)
    if sector is None or session.get(Sector, sector) is None:
        raise RegistryError("sector_code", N_("The proposal names no known sector."))
    investor = getattr(proposal, "company_name", None) or getattr(proposal, "investor_name", None) or ""
    name = (getattr(proposal, "project_name", None) or investor)[:300]
    currency = getattr(proposal, "capital_currency", None)
    data = ProjectIn(
        investor_name=investor[:200],
        investor_country=country_code(getattr(proposal, "investor_country", None)),
        name_vi=name,
        name_en=name,
        sector_code=sector,
        zone_id=zone_id,
        plot_id=None,
        land_ha=land_ha if land_ha is not None else getattr(proposal, "land_ha", None),
        capital_amount=getattr(proposal, "capital_amount", None),
        capital_currency=currency.upper()
        if isinstance(currency, str) and len(currency) == 3 and currency.isalpha()
        else None,
        jobs=getattr(proposal, "jobs", None),
        status=status,
        published=False,
    )
    if data.capital_currency is None:
        data.capital_amount = None
    return create_project(session, data=data, actor=actor, address=address, proposal_id=proposal.id, source="proposal")
