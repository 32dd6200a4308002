"""Land matching: rank zones for a project, with the reasons. Pure: no database, no web.

    matches = rank(need, candidates)            # best first; refused zones last, with the reason
    page = rank_page(need, candidates, page=1, per_page=5)   # one page; planned zones left out unless asked
    points(need, candidate)                     # a zone's score without its reasons (how rank_page orders)

Each zone collects reasons; each reason has a tone (good, neutral, unknown, bad) and the points the
weights give it. Unknown data earns no points and is said to be unknown: an area that is not
published never counts as a fit. The weights are data (`WEIGHTS`); pass another mapping to try others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from portal.i18n import N_

Tone = Literal["good", "neutral", "unknown", "bad"]

WEIGHTS: Mapping[str, int] = {
    # land
    "area_available_fits": 4,  # published available land ≥ need
    "area_total_fits": 2,  # total area ≥ need; free land not published
    "area_too_small": -6,
    "area_unknown": 0,
    "area_not_asked": 0,
    # sectors
    "zone_priority": 3,  # a project sector is among the zone's published priorities
    "province_priority": 1,  # … among the province-wide priorities
    "not_priority": 0,
    # wastewater
    "plant_working": 3,
    "plant_not_working": -6,
    "plant_unknown": 0,
    "plant_not_needed": 0,
    # status: operating > building > approved > planned
    "status_operating": 3,
    "status_building": 2,
    "status_approved": 1,
    "status_planned": 0,
    "status_expansion_planned": 0,
    "status_unknown": 0,
    # pre-check verdict for this zone
    "verdict_eligible": 2,
    "verdict_conditional": 1,
    "verdict_needs_information": 0,
    "verdict_refuse": -20,
    # distance to Trần Đề port (straight line from the zone's point), weighed when the investor asks for it
    "port_near": 2,  # ≤ PORT_NEAR_KM
    "port_mid": 1,  # ≤ PORT_MID_KM
    "port_far": 0,
    "port_unknown": 0,
    "port_info": 0,  # not asked: shown, not weighed
    "access_public": 0,  # what public sources say of roads and ports: shown, not weighed
}

PORT_NEAR_KM = 15.0
PORT_MID_KM = 40.0

PLANNED_STATUSES = frozenset({"planned", "expansion_planned"})

#: The sentence for each reason (English msgid; `%(name)s` parameters from Reason.params).
TEXTS: Mapping[str, str] = {
    "area_available_fits": N_("Available land %(available)s ha covers the %(need)s ha you need."),
    "area_total_fits": N_(
        "Total area %(total)s ha is more than the %(need)s ha you need; how much of it is still free is not published."
    ),
    "area_too_small": N_("Too small: %(known)s ha against the %(need)s ha you need."),
    "area_unknown": N_("The area of this zone is not published, so we cannot say whether %(need)s ha fits."),
    "area_not_asked": N_("You did not give the land you need."),
    "zone_priority": N_("Your sector is one of this zone's priority sectors."),
    "province_priority": N_("Your sector is a province-wide priority sector."),
    "not_priority": N_("Your sector is not among the published priority sectors."),
    "plant_working": N_("The central wastewater plant is working."),
    "plant_not_working": N_(
        "The central wastewater plant is not working yet (%(state)s): this zone cannot take a "
        "project with wastewater now."
    ),
    "plant_unknown": N_("The state of the central wastewater plant is not published; it will be checked."),
    "plant_not_needed": N_("You did not state any wastewater, so the wastewater plant was not weighed."),
    "status_operating": N_("The zone is operating."),
    "status_building": N_("Infrastructure is under construction."),
    "status_approved": N_("Planning approved; infrastructure not yet reported."),
    "status_planned": N_("Proposed zone: not open yet."),
    "status_expansion_planned": N_("Planned expansion: not open yet."),
    "status_unknown": N_("The zone's status is not published."),
    "verdict_eligible": N_("Pre-check for this zone: eligible."),
    "verdict_conditional": N_("Pre-check for this zone: eligible with conditions."),
    "verdict_needs_information": N_("Pre-check for this zone: more information needed."),
    "verdict_refuse": N_("Pre-check for this zone: cannot be accepted as described."),
    "port_near": N_("About %(km)s km in a straight line to Trần Đề port, from %(place)s."),
    "port_mid": N_("About %(km)s km in a straight line to Trần Đề port, from %(place)s."),
    "port_far": N_("About %(km)s km in a straight line to Trần Đề port, from %(place)s: far from the port."),
    "port_unknown": N_("The zone's location is not published, so its distance to Trần Đề port is unknown."),
    "port_info": N_("About %(km)s km in a straight line to Trần Đề port, from %(place)s."),
    "access_public": N_("Roads and ports, a public source (%(date)s):"),
}

PLANT_STATE_TEXT: Mapping[str, str] = {
    "building": N_("under construction"),
    "planned": N_("planned"),
    "none": N_("none"),
}


@dataclass(frozen=True)
class Need:
    sectors: tuple[str, ...]
    land_ha: float | None = None
    wastewater_m3_day: float | None = None
    near_port: bool = False  # the investor asked for a zone near Trần Đề port


@dataclass(frozen=True)
class Access:
    """What a public source says of a zone's roads or ports (a public fact: quoted, never a figure of ours)."""

    quote: str
    source: str
    date: Mapping[str, str]  # the page's date, said in each language


@dataclass(frozen=True)
class Candidate:
    """A zone as matching sees it; None = not published."""

    slug: str
    kind: str
    name_vi: str
    name_en: str
    status: str | None
    total_area_ha: float | None
    available_ha: float | None
    wastewater_plant: str | None
    priority_sectors: frozenset[str]
    province_priorities: frozenset[str]
    verdict: str
    findings: tuple[Any, ...] = ()  # the pre-check's findings for this zone (shown, not weighed)
    #: straight-line km to Trần Đề port from the zone's point (None: no point known), and that point's
    #: label in each language ("the centre of Xã Trần Đề (approximate)")
    port_km: float | None = None
    port_from: Mapping[str, str] = field(default_factory=dict)
    access: tuple[Access, ...] = ()

    @property
    def planned(self) -> bool:
        return self.status in PLANNED_STATUSES

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en


@dataclass(frozen=True)
class Reason:
    key: str
    tone: Tone
    points: int
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return TEXTS[self.key]


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    score: int
    reasons: tuple[Reason, ...]

    @property
    def refused(self) -> bool:
        return self.candidate.verdict == "refuse"


def _reason(key: str, tone: Tone, weights: Mapping[str, int], **params: Any) -> Reason:
    return Reason(key, tone, int(weights.get(key, 0)), params)


# Each weighed reason is decided by a `_*_key` function (the one place that decides it); `score` adds the
# sentence's parameters and the tone, `points` only adds up the weights (ranking a whole catalogue).


def _area_key(need: Need, zone: Candidate) -> str:
    if need.land_ha is None:
        return "area_not_asked"
    known = zone.available_ha if zone.available_ha is not None else zone.total_area_ha
    if known is None:
        return "area_unknown"
    if known >= need.land_ha:
        return "area_available_fits" if zone.available_ha is not None else "area_total_fits"
    return "area_too_small"


def _area(need: Need, zone: Candidate, w: Mapping[str, int]) -> Reason:
    key = _area_key(need, zone)
    if key == "area_not_asked":
        return _reason(key, "neutral", w)
    if key == "area_unknown":
        return _reason(key, "unknown", w, need=need.land_ha)
    if key == "area_available_fits":
        return _reason(key, "good", w, available=zone.available_ha, need=need.land_ha)
    if key == "area_total_fits":
        return _reason(key, "good", w, total=zone.total_area_ha, need=need.land_ha)
    known = zone.available_ha if zone.available_ha is not None else zone.total_area_ha
    return _reason(key, "bad", w, known=known, need=need.land_ha)


def _sector_key(need: Need, zone: Candidate) -> str:
    if zone.priority_sectors and any(_in(code, zone.priority_sectors) for code in need.sectors):
        return "zone_priority"
    if any(_in(code, zone.province_priorities) for code in need.sectors):
        return "province_priority"
    return "not_priority"


def _sector(need: Need, zone: Candidate, w: Mapping[str, int]) -> Reason:
    key = _sector_key(need, zone)
    return _reason(key, "neutral" if key == "not_priority" else "good", w)


def _in(code: str, codes: frozenset[str]) -> bool:
    return code in codes or (len(code) == 5 and code[:4] in codes)


def _plant_key(need: Need, zone: Candidate) -> str:
    if not need.wastewater_m3_day:
        return "plant_not_needed"
    if zone.wastewater_plant is None:
        return "plant_unknown"
    if zone.wastewater_plant == "working":
        return "plant_working"
    return "plant_not_working"


_PLANT_TONES: Mapping[str, Tone] = {"plant_not_needed": "neutral", "plant_unknown": "unknown", "plant_working": "good"}


def _plant(need: Need, zone: Candidate, w: Mapping[str, int]) -> Reason:
    key = _plant_key(need, zone)
    if key == "plant_not_working":
        return _reason(key, "bad", w, state=PLANT_STATE_TEXT.get(str(zone.wastewater_plant), "none"))
    return _reason(key, _PLANT_TONES[key], w)


def _status_key(zone: Candidate) -> str:
    return f"status_{zone.status}" if f"status_{zone.status}" in TEXTS else "status_unknown"


def _status(zone: Candidate, w: Mapping[str, int]) -> Reason:
    key = _status_key(zone)
    tone: Tone = (
        "good" if zone.status in ("operating", "building") else "unknown" if key == "status_unknown" else "neutral"
    )
    return _reason(key, tone, w)


def _verdict(zone: Candidate, w: Mapping[str, int]) -> Reason:
    key = f"verdict_{zone.verdict}"
    tone: Tone = {"eligible": "good", "conditional": "neutral", "needs_information": "unknown"}.get(zone.verdict, "bad")
    return _reason(key, tone, w)


def _port_key(need: Need, zone: Candidate) -> str | None:
    if zone.port_km is None:
        return "port_unknown" if need.near_port else None
    if not need.near_port:
        return "port_info"
    if zone.port_km <= PORT_NEAR_KM:
        return "port_near"
    if zone.port_km <= PORT_MID_KM:
        return "port_mid"
    return "port_far"


def _port(need: Need, zone: Candidate, w: Mapping[str, int]) -> Reason | None:
    key = _port_key(need, zone)
    if key is None or key == "port_unknown":
        return None if key is None else _reason(key, "unknown", w)
    assert zone.port_km is not None
    tone: Tone = "good" if key in ("port_near", "port_mid") else "neutral"
    return _reason(key, tone, w, km=round(zone.port_km), place=dict(zone.port_from))


def score(need: Need, zone: Candidate, weights: Mapping[str, int] = WEIGHTS) -> Match:
    reasons = (
        _verdict(zone, weights),
        _area(need, zone, weights),
        _sector(need, zone, weights),
        _plant(need, zone, weights),
        _status(zone, weights),
        _port(need, zone, weights),
        *(_reason("access_public", "neutral", weights, date=dict(a.date), cite=a) for a in zone.access),
    )
    kept = tuple(r for r in reasons if r is not None)
    return Match(zone, sum(r.points for r in kept), kept)


def points(need: Need, zone: Candidate, weights: Mapping[str, int] = WEIGHTS, *, verdict: str | None = None) -> int:
    """`score(need, zone, weights).score` (with `verdict` in place of the zone's own), without the reasons:
    what ranking a whole catalogue needs; only the zones shown are scored with their reasons."""
    w = weights.get
    port = _port_key(need, zone)
    return (
        int(w(f"verdict_{zone.verdict if verdict is None else verdict}", 0))
        + int(w(_area_key(need, zone), 0))
        + int(w(_sector_key(need, zone), 0))
        + int(w(_plant_key(need, zone), 0))
        + int(w(_status_key(zone), 0))
        + (0 if port is None else int(w(port, 0)))
        + len(zone.access) * int(w("access_public", 0))
    )


def _order(refused: bool, score: int, zone: Candidate) -> tuple:
    """The ranking's order: refused zones last, then higher score, open before planned, then slug."""
    return (refused, -score, zone.planned, zone.slug)


def rank(need: Need, zones: Iterable[Candidate], weights: Mapping[str, int] = WEIGHTS) -> list[Match]:
    """Best first. A zone where the pre-check refuses the project always comes after the others (with its
    reason), then higher score, open zones before planned ones, then slug for a stable order."""
    matches = [score(need, zone, weights) for zone in zones]
    return sorted(matches, key=lambda m: _order(m.refused, m.score, m.candidate))


@dataclass(frozen=True)
class MatchPage:
    matches: list[Match]  # this page, best first
    total: int  # zones ranked (planned ones only when asked for)
    page: int
    per_page: int
    planned_hidden: int  # planned and proposed zones left out (shown on asking)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * self.per_page + 1


def rank_page(
    need: Need,
    zones: Iterable[Candidate],
    *,
    page: int = 1,
    per_page: int = 5,
    include_planned: bool = False,
    weights: Mapping[str, int] = WEIGHTS,
    verdicts: Sequence[str] | None = None,
) -> MatchPage:
    """One page of `rank`: planned and proposed zones are left out unless `include_planned` (and counted).
    `verdicts`: each zone's pre-check verdict, in the order of `zones`, in place of the candidates' own (a
    catalogue's candidates are kept whatever the project; the verdict is the project's). Every zone is
    ordered by `points`; only the zones of the page are scored with their reasons."""
    zones = list(zones)
    given = [z.verdict for z in zones] if verdicts is None else list(verdicts)
    if len(given) != len(zones):
        raise ValueError("one verdict per zone")
    shown = [(z, v) for z, v in zip(zones, given, strict=True) if include_planned or not z.planned]
    order = sorted((_order(v == "refuse", points(need, z, weights, verdict=v), z), i) for i, (z, v) in enumerate(shown))
    pages = max(1, -(-len(shown) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    matches = []
    for _key, i in order[start : start + per_page]:
        zone, verdict = shown[i]
        matches.append(score(need, zone if zone.verdict == verdict else replace(zone, verdict=verdict), weights))
    return MatchPage(matches, len(shown), page, per_page, len(zones) - len(shown))
