"""Progress towards the targets of the two resolutions (portal/data/targets.yaml).

Pure functions over the database: each `metric` of a target is computed from the catalogue and the
project registry, or explained as not computable — never shown as zero when unknown. Texts are
English msgids (translated by dashboard/present.py).

Definitions (also shown on the page):
- operating zones: published zones whose status is "operating", by kind.
- new zones operating: operating zones that were not operating when Resolution 03-NQ/TU was adopted
  (29 June 2021). The sources name no zone as operating then (BASELINE_OPERATING_2021 is empty), so
  every zone now marked operating counts as new.
- fill rate of operating zones: Σ leased land / Σ leasable land over the operating zones whose
  fill rate is computable (catalogue.service.land_figures; leasable = industrial land, else plots).
- jobs: Σ `Project.jobs` of PUBLISHED registry projects with status "operating" (jobs that exist);
  licensed and building projects are reported beside it as planned jobs, not counted.
- new parks planned: published industrial parks (kind kcn) with status "planned" (expansions of an
  existing park have their own status, expansion_planned, and are not counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.catalogue import service as catalogue
from portal.catalogue.models import Zone, ZoneKind, ZoneStatus
from portal.data import load
from portal.i18n import N_
from portal.registry.models import Project, ProjectStatus
from portal.registry.service import has_published_projects  # the registry owns its figures

BASELINE_OPERATING_2021: frozenset[str] = frozenset()
JOB_STATUSES_COUNTED = (ProjectStatus.operating,)
JOB_STATUSES_PLANNED = (ProjectStatus.licensed, ProjectStatus.building)
NO_DATA = N_("The portal holds no data for this.")


@dataclass(frozen=True)
class Text:
    """An English msgid and its parameters (numbers stay numbers; formatted per locale when shown)."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Measure:
    key: str  # kcn | ccn | ratio | jobs | parks
    label: str  # msgid
    unit: str  # count | ratio | jobs
    current: float | None
    target: float
    target_max: float | None = None

    @property
    def reached(self) -> bool | None:
        if self.current is None:
            return None
        return self.current >= self.target


@dataclass(frozen=True)
class Progress:
    measures: list[Measure]
    reason: Text | None = None  # why there is no current value
    notes: list[Text] = field(default_factory=list)  # how the value is computed, coverage

    @property
    def computable(self) -> bool:
        return self.reason is None and any(m.current is not None for m in self.measures)


@dataclass(frozen=True)
class TargetProgress:
    id: str
    year: int
    metric: str | None
    target: dict
    source: str
    ref: str
    quote: str
    title_vi: str
    title_en: str
    progress: Progress


# --- metrics ------------------------------------------------------------------------------------


def _zones(session: Session) -> list:
    """The published zones' few columns the metrics count (rows, not objects), read once per session."""
    cached = session.info.get("dashboard.zones")
    if cached is None:
        cached = list(
            session.exec(
                select(Zone.id, Zone.slug, Zone.kind, Zone.status, Zone.total_area_ha, Zone.industrial_land_ha)
                .where(Zone.published == True)  # noqa: E712
                .order_by(Zone.kind, Zone.slug)
            ).all()
        )
        session.info["dashboard.zones"] = cached
    return cached


def operating_counts(zones: list[Zone], *, exclude: frozenset[str] = frozenset()) -> dict[str, int]:
    counts = {k.value: 0 for k in ZoneKind}
    for z in zones:
        if z.status == ZoneStatus.operating and z.slug not in exclude:
            counts[z.kind] = counts.get(z.kind, 0) + 1
    return counts


KIND_LABEL = {"kcn": N_("Industrial parks"), "ccn": N_("Industrial clusters")}


def _kinds_progress(counts: dict[str, int], target: dict, note: Text) -> Progress:
    measures = [
        Measure(k, KIND_LABEL[k], "count", float(counts.get(k, 0)), float(target[k]))
        for k in ("kcn", "ccn")
        if k in target
    ]
    return Progress(measures, notes=[note])


def metric_operating_zones(session: Session, target: dict) -> Progress:
    return _kinds_progress(
        operating_counts(_zones(session)),
        target,
        Text(N_("Counted from the catalogue: published zones whose status is “operating”.")),
    )


def metric_new_zones_operating(session: Session, target: dict) -> Progress:
    return _kinds_progress(
        operating_counts(_zones(session), exclude=BASELINE_OPERATING_2021),
        target,
        Text(
            N_(
                "Counted from the catalogue: zones now marked “operating” that were not operating when the resolution "
                "was adopted in 2021. The sources name no zone as operating at that date, so every operating zone "
                "counts as new."
            )
        ),
    )


def metric_fill_rate_operating(session: Session, target: dict) -> Progress:
    operating = [z for z in _zones(session) if z.status == ZoneStatus.operating]
    measure = Measure("ratio", N_("Fill rate"), "ratio", None, float(target["ratio"]))
    if not operating:
        return Progress([measure], reason=Text(N_("No zone in the catalogue is marked as operating.")))
    land = session.info.get("dashboard.operating_land")
    if land is None:  # two targets measure the fill rate: their land figures are read once
        land = session.info["dashboard.operating_land"] = catalogue.land_figures(session, operating)
    leased = leasable = 0.0
    counted = 0
    for z in operating:
        figures = land[z.id]
        if figures.fill_rate is None or figures.leased_ha is None:
            continue
        base = figures.industrial_ha if figures.industrial_ha is not None else figures.plots_ha
        if not base:
            continue
        leased += figures.leased_ha
        leasable += base
        counted += 1
    if not counted:
        return Progress(
            [measure],
            reason=Text(
                N_("None of the %(count)d operating zones has both its leased land and its leasable land recorded."),
                {"count": len(operating)},
            ),
        )
    measure = Measure("ratio", N_("Fill rate"), "ratio", leased / leasable, float(target["ratio"]))
    return Progress(
        [measure],
        notes=[
            Text(
                N_(
                    "Leased land divided by leasable land (industrial land, or the plots' area where it is not "
                    "published), over %(counted)d of the %(total)d operating zones."
                ),
                {"counted": counted, "total": len(operating)},
            )
        ],
    )


def _jobs_by_status(session: Session) -> dict[str, tuple[int, int, int]]:
    """status → (sum of jobs, projects reporting jobs, projects) for published projects of published zones."""
    rows = session.exec(
        select(Project.status, func.sum(Project.jobs), func.count(col(Project.jobs)), func.count())
        .join(Zone, col(Zone.id) == Project.zone_id)
        .where(Project.published == True, Zone.published == True)  # noqa: E712
        .group_by(Project.status)
    ).all()
    return {status: (int(total or 0), int(with_jobs), int(n)) for status, total, with_jobs, n in rows}


def metric_jobs(session: Session, target: dict) -> Progress:
    by_status = _jobs_by_status(session)
    total = sum(by_status.get(s, (0, 0, 0))[0] for s in JOB_STATUSES_COUNTED)
    reporting = sum(by_status.get(s, (0, 0, 0))[1] for s in JOB_STATUSES_COUNTED)
    projects = sum(by_status.get(s, (0, 0, 0))[2] for s in JOB_STATUSES_COUNTED)
    planned = sum(by_status.get(s, (0, 0, 0))[0] for s in JOB_STATUSES_PLANNED)
    planned_reporting = sum(by_status.get(s, (0, 0, 0))[1] for s in JOB_STATUSES_PLANNED)
    target_min, target_max = float(target["min"]), float(target.get("max") or target["min"])
    notes = []
    if planned_reporting:
        notes.append(
            Text(
                N_(
                    "Licensed projects and projects under construction plan %(jobs)s more jobs; they are "
                    "not counted until the projects operate."
                ),
                {"jobs": planned},
            )
        )
    if not reporting:
        return Progress(
            [Measure("jobs", N_("Jobs"), "jobs", None, target_min, target_max)],
            reason=Text(N_("No operating project in the published registry reports its number of jobs.")),
            notes=notes,
        )
    notes.insert(
        0,
        Text(
            N_(
                "Jobs reported by the %(reporting)d operating projects of the published project "
                "registry that state them (%(projects)d operating projects in all)."
            ),
            {"reporting": reporting, "projects": projects},
        ),
    )
    return Progress([Measure("jobs", N_("Jobs"), "jobs", float(total), target_min, target_max)], notes=notes)


def metric_new_parks_planned(session: Session, target: dict) -> Progress:
    count = sum(1 for z in _zones(session) if z.kind == ZoneKind.kcn and z.status == ZoneStatus.planned)
    return Progress(
        [
            Measure(
                "parks",
                N_("New industrial parks planned"),
                "count",
                float(count),
                float(target["min"]),
                float(target.get("max") or target["min"]),
            )
        ],
        notes=[
            Text(
                N_(
                    "Counted from the catalogue: industrial parks whose status is “proposed”. "
                    "Expansions of existing parks are not counted."
                )
            )
        ],
    )


METRICS = {
    "operating_zones": metric_operating_zones,
    "new_zones_operating": metric_new_zones_operating,
    "fill_rate_operating": metric_fill_rate_operating,
    "jobs": metric_jobs,
    "new_parks_planned": metric_new_parks_planned,
}


def progress_of(session: Session, metric: str | None, target: dict) -> Progress:
    fn = METRICS.get(metric or "")
    if fn is None:
        return Progress([], reason=Text(NO_DATA))
    return fn(session, target)


def list_targets(session: Session, *, targets: list[dict] | None = None) -> list[TargetProgress]:
    """Every target of targets.yaml (or `targets`) with its current progress, in file order. The file's
    targets are computed once per catalogue generation in a request's (read-only) session (every change to
    zones, plots or registry projects moves it), every time elsewhere."""
    if targets is None and session.info.get("read_only"):
        return list(catalogue.per_generation(session, "dashboard.targets", lambda s: tuple(_progress_of_all(s))))
    return _progress_of_all(session, targets)


def _progress_of_all(session: Session, targets: list[dict] | None = None) -> list[TargetProgress]:
    out = []
    for t in targets if targets is not None else load("targets")["targets"]:
        out.append(
            TargetProgress(
                id=t["id"],
                year=int(t["year"]),
                metric=t.get("metric"),
                target=dict(t["target"]),
                source=t["source"],
                ref=str(t["ref"]),
                quote=t["quote"],
                title_vi=t["title_vi"],
                title_en=t["title_en"],
                progress=progress_of(session, t.get("metric"), dict(t["target"])),
            )
        )
    return out


#: metrics counted from the zones' statuses (measured once staff set a status; the seed's come from 2021)
STATUS_METRICS = frozenset({"new_zones_operating", "operating_zones", "new_parks_planned", "fill_rate_operating"})


def measured_metrics(session: Session) -> set[str]:
    """The metrics whose figures come from data staff keep current: zone counts once any zone's status
    was set by staff; jobs once the registry publishes a project (once per catalogue generation in a
    request's session, as `list_targets`)."""
    if session.info.get("read_only"):
        return set(catalogue.per_generation(session, "dashboard.measured", lambda s: frozenset(_measured(s))))
    return _measured(session)


def _measured(session: Session) -> set[str]:
    out: set[str] = set()
    staff_status = Zone.facts[("status", "source")].as_string() == "staff"  # asked in SQL: no zone's JSON read
    if session.exec(select(Zone.id).where(col(Zone.published).is_(True), staff_status).limit(1)).first() is not None:
        out |= STATUS_METRICS

    if has_published_projects(session):
        out.add("jobs")
    return out
