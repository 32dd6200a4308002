"""Glue between the pure engine and the database: the sector catalogue and zones come from the tables.

    facts = validate_facts(session, body)            # ValidationError located at the bad field
    result = screen_facts(session, facts)            # Result; .localized(lang) is the API shape

The sector catalogue is built from the `sector` table (so a sector staff add is known at once) and
cached by the table's content; the compiled ruleset is cached by the engine's loader per catalogue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError
from sqlalchemy import Integer, cast, func
from sqlmodel import Session, col, select

from portal import clock
from portal.catalogue.models import Sector, Zone, ZoneSector
from portal.catalogue.service import bounded_ids
from portal.screening import (
    DEFAULT_RULESET,
    Result,
    Ruleset,
    ScreeningFacts,
    SectorCatalog,
    ZoneFacts,
    load_ruleset,
    screen,
)
from portal.screening.environment import load_law
from portal.screening.facts import WastewaterPlant
from portal.screening.sectors import Resolution, catalog_from_records, load_crosswalk, matching, resolve

_PLANT_STATES: frozenset[str] = frozenset(WastewaterPlant.__args__)  # type: ignore[attr-defined]
_lock = threading.Lock()
_catalog_cache: dict[tuple, SectorCatalog] = {}


# --- catalogue and ruleset ------------------------------------------------------------------------


def _sector_rows(session: Session) -> tuple[tuple, ...]:
    rows = session.exec(
        select(
            Sector.code,
            Sector.name_vi,
            Sector.name_en,
            Sector.priority,
            Sector.sensitive,
            Sector.pollution_risk,
            Sector.pollution_risk_confirmed,
            Sector.sensitive_basis,
            Sector.name_en_source,
            Sector.keywords,
        ).order_by(Sector.code)
    ).all()
    return tuple((*row[:-1], tuple(row[-1] or ())) for row in rows)


def _fingerprint_statement():
    flags = [func.sum(cast(column, Integer)) for column in (Sector.priority, Sector.sensitive, Sector.pollution_risk)]
    texts = func.sum(
        func.length(Sector.name_vi)
        + func.length(Sector.name_en)
        + func.length(func.coalesce(Sector.sensitive_basis, ""))
        + func.length(Sector.name_en_source)
    )
    return select(func.count(), func.max(Sector.code), texts, *flags)


_FINGERPRINT = _fingerprint_statement()  # built once (building it cost more than running it on SQLite)


def _fingerprint(session: Session) -> tuple:
    """A one-row summary of the `sector` table that changes whenever a row is added, removed or renamed or
    changes class (lengths of the texts, counts of the flags): the 495 rows are read again only then."""
    return tuple(session.exec(_FINGERPRINT).one())


_fingerprints: dict[tuple, tuple] = {}


def get_catalog(session: Session) -> SectorCatalog:
    """The sector catalogue as the `sector` table holds it now: one aggregate query per call (per request
    session: a read-only session keeps what it read), the rows themselves only when that summary changed
    (cached object)."""
    if session.info.get("read_only") and "screening.catalog" in session.info:
        return session.info["screening.catalog"]
    catalog = _catalog(session)
    if session.info.get("read_only"):
        session.info["screening.catalog"] = catalog
    return catalog


def _catalog(session: Session) -> SectorCatalog:
    fingerprint = _fingerprint(session)
    rows = _fingerprints.get(fingerprint)
    if rows is None:
        rows = _sector_rows(session)
        if len(_fingerprints) > 8:
            _fingerprints.clear()
        _fingerprints[fingerprint] = rows
    cached = _catalog_cache.get(rows)
    if cached is not None:
        return cached
    with _lock:
        cached = _catalog_cache.get(rows)
        if cached is None:
            cached = catalog_from_records(
                {
                    "code": code,
                    "name_vi": name_vi,
                    "name_en": name_en,
                    "priority": priority,
                    "sensitive": sensitive,
                    "pollution_risk": risk,
                    "pollution_risk_confirmed": confirmed if risk else None,
                    "sensitive_basis": basis,
                    "name_en_source": en_source,
                    "keywords": keywords,
                }
                for code, name_vi, name_en, priority, sensitive, risk, confirmed, basis, en_source, keywords in rows
            )
            if len(_catalog_cache) > 8:  # the table changed several times: drop old versions
                _catalog_cache.clear()
            _catalog_cache[rows] = cached
    return cached


def get_ruleset(session: Session, *, catalog: SectorCatalog | None = None) -> Ruleset:
    """The shipped ruleset compiled against the database's sector catalogue (cached by the loader)."""
    return load_ruleset(DEFAULT_RULESET, catalog or get_catalog(session))


def matching_sectors(session: Session, text: str) -> list[str]:
    """Codes of the classes whose code, names or keywords contain every word of `text` (accents and case
    ignored), as the sector picker's filter box shows them."""
    return list(matching(get_catalog(session), text))


# --- zones ------------------------------------------------------------------------------------------


def zone_facts(zone: Any, priority_sectors: Iterable[str]) -> ZoneFacts:
    """What screening reads about a catalogue zone (a Zone or a row with its columns). An unknown plant state
    stays None (not published)."""
    plant = zone.wastewater_status if zone.wastewater_status in _PLANT_STATES else None
    kind = zone.kind if zone.kind in ("kcn", "ccn", "kkt") else "kcn"
    return ZoneFacts(
        slug=zone.slug,
        kind=kind,
        name_vi=zone.name_vi,
        name_en=zone.name_en,
        status=zone.status,
        wastewater_plant=plant,
        priority_sectors=frozenset(priority_sectors),
    )


def zone_priorities(session: Session, zone_ids: list[int]) -> dict[int, set[str]]:
    """zone id → its priority sector codes; more than `MAX_IN` zones read every zone's pairs (no `IN (…)`
    list that grows with the catalogue)."""
    out: dict[int, set[str]] = {zone_id: set() for zone_id in zone_ids}
    if not zone_ids:
        return out
    stmt = select(ZoneSector.zone_id, ZoneSector.sector_code).where(ZoneSector.relation == "priority")
    bounded = bounded_ids(zone_ids)
    if bounded is not None:
        stmt = stmt.where(col(ZoneSector.zone_id).in_(bounded))
    for zone_id, code in session.exec(stmt).all():
        if zone_id in out:
            out[zone_id].add(code)
    return out


def zone_facts_for(session: Session, *, zones: list) -> dict[int, ZoneFacts]:
    """ZoneFacts for many zones (Zone objects or rows with the columns `zone_facts` reads) with one query
    for their priority sectors."""
    ids = [z.id for z in zones if z.id is not None]
    priorities = zone_priorities(session, ids)
    return {z.id: zone_facts(z, priorities.get(z.id, ())) for z in zones if z.id is not None}


def get_zone(session: Session, *, slug: str) -> Zone | None:
    """A published zone by slug (drafts are not offered to the public)."""
    return session.exec(select(Zone).where(Zone.slug == slug, Zone.published == True)).first()  # noqa: E712


def published_zones(session: Session) -> list[Zone]:
    return list(session.exec(select(Zone).where(Zone.published == True).order_by(Zone.kind, Zone.slug)).all())  # noqa: E712


# --- validation and screening ----------------------------------------------------------------------


def _error(loc: tuple, kind: str, message: str, value: Any, **ctx: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message, ctx or None), loc=loc, input=value)


def _zone_ref(session: Session, slug: str):
    """The columns screening reads of a published zone (not its large provenance JSON), or None."""
    columns = (Zone.id, Zone.slug, Zone.kind, Zone.name_vi, Zone.name_en, Zone.status, Zone.wastewater_status)
    published = col(Zone.published).is_(True)
    return session.exec(select(*columns).where(Zone.slug == slug, published)).first()


@dataclass(frozen=True)
class Prepared:
    """Facts whose references were checked (sectors as VSIC 2025 codes), with what screening needs from
    the database, and how each stated sector code was read."""

    facts: ScreeningFacts
    zone_id: int | None
    zone: ZoneFacts | None
    ruleset: Ruleset
    sectors: tuple[Resolution, ...] = ()
    given: ScreeningFacts | None = None  # the facts as stated (codes in the stated system)

    def screen(self, *, as_of: date | None = None) -> Result:
        return screen(self.facts, self.zone, self.ruleset, as_of=as_of or clock.today())

    def answer(self, result: Result, lang: str) -> dict[str, Any]:
        """The API's answer: the result in one language and how the stated sector codes were read."""
        return {**result.localized(lang), "sectors": sector_notes(self.sectors, self.ruleset.catalog, lang)}


def sector_notes(resolutions: Iterable[Resolution], catalog: SectorCatalog, lang: str) -> list[dict[str, Any]]:
    notes = []
    for r in resolutions:
        vi, en = catalog.labels(r.code) if r.code else (r.given, r.given)
        notes.append(
            {
                "given": r.given,
                "classification": r.system,
                "code": r.code,
                "label": vi if lang == "vi" else en,
                "basis": r.basis,
            }
        )
    return notes


def sector_snapshot(resolutions: Iterable[Resolution], catalog: SectorCatalog) -> list[dict[str, Any]]:
    """How the stated codes were read, in both languages (stored with a proposal's screening)."""
    vi, en = sector_notes(resolutions, catalog, "vi"), sector_notes(resolutions, catalog, "en")
    return [{**a, "label": {"vi": a["label"], "en": b["label"]}} for a, b in zip(vi, en, strict=True)]


def _labels_en(catalog: SectorCatalog, codes: Iterable[str]) -> str:
    return "; ".join(catalog.labels(code)[1] for code in codes)


def _sector_errors(resolutions: Iterable[Resolution], catalog: SectorCatalog) -> list[InitErrorDetails]:
    errors = []
    for r in resolutions:
        loc = ("sectors", r.index)
        options = list(r.options)
        shown = _labels_en(catalog, options)
        if r.basis == "unknown":
            message = "Unknown VSIC 2025 class {code}" + ("; closest classes: {closest}" if options else "")
            errors.append(_error(loc, "unknown_sector", message, r.given, code=r.given, closest=shown, options=options))
        elif r.basis == "not-a-code":
            message = "{text!r} is not a VSIC code (4 or 5 digits)" + (
                "; classes matching it: {closest}" if options else ""
            )
            errors.append(_error(loc, "not_a_code", message, r.given, text=r.given, closest=shown, options=options))
        elif r.basis == "ambiguous":
            errors.append(
                _error(
                    loc,
                    "ambiguous_sector",
                    "VSIC 2018 code {code} now covers several VSIC 2025 classes; say which: {closest}",
                    r.given,
                    code=r.given,
                    closest=shown,
                    options=options,
                )
            )
        elif r.basis == "mixed":
            if r.system == "vsic-2018":
                message = "{code} is a VSIC 2025 class, not a VSIC 2018 code; one proposal uses one system"
            else:
                message = (
                    "{code} is a VSIC 2018 code that is not a VSIC 2025 class; give its VSIC 2025 class ({closest}) "
                    "or state classification vsic-2018 for every code"
                )
            errors.append(
                _error(loc, "mixed_classification", message, r.given, code=r.given, closest=shown, options=options)
            )
    return errors


def _capacity_errors(facts: ScreeningFacts, keys: tuple[str, ...], as_of: date) -> list[InitErrorDetails]:
    capacity = facts.capacity
    if capacity is None:
        return []
    law = load_law()
    units = law.units_for(keys)
    if units and capacity.unit not in units:
        return [
            _error(
                ("capacity", "unit"),
                "capacity_unit",
                "The Appendix II row of these sectors counts capacity in {units}, not {unit}",
                capacity.unit,
                units=", ".join(sorted(units)),
                unit=capacity.unit,
            )
        ]
    regime = law.regime_for(as_of)
    if regime is None or capacity.operating_days is not None:
        return []
    pers = {
        t.per
        for key in keys
        for row in regime.rows_by_sector.get(key, ())
        for t in row.thresholds
        if t.unit == capacity.unit
    }
    given = capacity.per or "none"
    if pers and given not in pers and {given, *pers} <= {"year", "day"}:
        return [
            _error(
                ("capacity", "operating_days"),
                "operating_days_required",
                "The row counts capacity per {row_per}; give operating_days to convert a capacity per {per}",
                None,
                row_per="/".join(sorted(pers)),
                per=given,
            )
        ]
    return []


def _reference_errors(catalog: SectorCatalog, sectors: Iterable[str], zone: str | None, zone_found: bool) -> list:
    errors = _sector_errors(resolve(list(sectors), "vsic-2025", catalog, load_crosswalk()), catalog)
    if zone is not None and not zone_found:
        errors.append(_error(("zone",), "unknown_zone", "Unknown zone {slug}", zone, slug=zone))
    return errors


def check_as_of(as_of: date) -> None:
    """Raise a ValidationError at `as_of` for a date before the first regime the portal holds."""
    first = load_law().first_day
    if as_of < first:
        raise ValidationError.from_exception_data(
            ScreeningFacts.__name__,
            [
                _error(
                    ("as_of",),
                    "as_of_too_early",
                    "The portal holds no classification rules before {first}",
                    as_of.isoformat(),
                    first=first.isoformat(),
                )
            ],
        )


def prepare(session: Session, facts: ScreeningFacts, *, as_of: date | None = None) -> Prepared:
    """Read the stated sector codes as VSIC 2025 classes (5-digit subclasses, VSIC 2018 codes through the
    crosswalk), check the zone against the published zones and the capacity against the Appendix II rows,
    and load what screening reads: 2–3 small queries. Raises pydantic's ValidationError at `sectors[i]`,
    `zone` or `capacity.*`; an unknown or ambiguous code names the classes to choose from."""
    day = as_of or clock.today()
    catalog = get_catalog(session)
    resolutions = resolve(facts.sectors, facts.classification, catalog, load_crosswalk())
    errors = _sector_errors(resolutions, catalog)
    row = _zone_ref(session, facts.zone) if facts.zone is not None else None
    if facts.zone is not None and row is None:
        errors.append(_error(("zone",), "unknown_zone", "Unknown zone {slug}", facts.zone, slug=facts.zone))
    if not errors:
        codes = tuple(dict.fromkeys(r.code for r in resolutions if r.code))
        errors += _capacity_errors(facts, tuple(catalog.key(c) or c for c in codes), day)
    if errors:
        raise ValidationError.from_exception_data(ScreeningFacts.__name__, errors)
    codes = tuple(dict.fromkeys(r.code for r in resolutions if r.code))
    resolved = (
        facts
        if facts.classification == "vsic-2025" and codes == facts.sectors
        else facts.model_copy(update={"sectors": codes, "classification": "vsic-2025"})
    )
    zone = zone_facts(row, zone_priorities(session, [row.id])[row.id]) if row is not None else None
    return Prepared(
        resolved,
        row.id if row is not None else None,
        zone,
        get_ruleset(session, catalog=catalog),
        resolutions,
        facts,
    )


def check_codes(session: Session, *, sectors: Iterable[str], zone: str | None, system: str = "vsic-2025") -> None:
    """Raise a ValidationError at `sectors[i]` for codes that are not classes (with the classes to choose
    from) and at `zone` for a slug that is not a published zone (for forms, where the rest of the facts
    may be invalid)."""
    catalog = get_catalog(session)
    errors = _sector_errors(resolve(list(sectors), system, catalog, load_crosswalk()), catalog)
    if zone is not None and _zone_ref(session, zone) is None:
        errors.append(_error(("zone",), "unknown_zone", "Unknown zone {slug}", zone, slug=zone))
    if errors:
        raise ValidationError.from_exception_data(ScreeningFacts.__name__, errors)


def check_references(session: Session, facts: ScreeningFacts) -> None:
    """Sectors, zone and capacity of validated facts against the database and the law data (shapes, ranges
    and enums are checked by ScreeningFacts itself). Raises ValidationError naming the field."""
    prepare(session, facts)


def validate_facts(session: Session, data: Mapping[str, Any], *, as_of: date | None = None) -> ScreeningFacts:
    """Parse and check facts against the database. Raises pydantic's ValidationError naming each field."""
    facts = ScreeningFacts.model_validate(dict(data), context={"as_of": as_of or clock.today()})
    check_references(session, facts)
    return facts


def screen_facts(session: Session, facts: ScreeningFacts, *, as_of: date | None = None) -> Result:
    """Check the references and screen, reading the chosen zone from the database. Raises ValidationError
    for an unknown sector or zone."""
    return prepare(session, facts, as_of=as_of).screen(as_of=as_of)


def screen_against(
    facts: ScreeningFacts, zone: ZoneFacts | None, ruleset: Ruleset, *, as_of: date | None = None
) -> Result:
    """Screen with an already-built zone (land matching screens the same facts against every zone)."""
    return screen(facts, zone, ruleset, as_of=as_of or clock.today())


# --- re-screening ------------------------------------------------------------------------------------


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """What a re-screen changed between two stored snapshots (`Result.as_dict()` shapes): verdict, ruleset
    version, regime, group, procedures, and the findings added and removed. Pure."""

    def group(snap: Mapping[str, Any]) -> str | None:
        found = snap.get("classification") or {}
        return found.get("group") if found.get("determined") else None

    def procedures(snap: Mapping[str, Any]) -> list[str]:
        return sorted((snap.get("classification") or {}).get("procedures") or [])

    def rules(snap: Mapping[str, Any]) -> list[str]:
        return [f.get("rule") for f in snap.get("findings") or []]

    def titles(snap: Mapping[str, Any], ids: list[str]) -> list[dict[str, Any]]:
        found = {f.get("rule"): f.get("title") for f in snap.get("findings") or []}
        return [{"rule": rule, "title": found.get(rule) or {"vi": rule, "en": rule}} for rule in ids]

    out: dict[str, Any] = {}
    pairs = {
        "verdict": (old.get("verdict"), new.get("verdict")),
        "ruleset_version": ((old.get("ruleset") or {}).get("version"), (new.get("ruleset") or {}).get("version")),
        "regime": (old.get("regime"), new.get("regime")),
        "group": (group(old), group(new)),
        "procedures": (procedures(old), procedures(new)),
    }
    for key, (before, after) in pairs.items():
        if before != after:
            out[key] = {"before": before, "after": after}
    added = [r for r in rules(new) if r not in rules(old)]
    removed = [r for r in rules(old) if r not in rules(new)]
    if added:
        out["findings_added"] = titles(new, added)
    if removed:
        out["findings_removed"] = titles(old, removed)
    return out
