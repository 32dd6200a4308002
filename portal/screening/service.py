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
from sqlmodel import Session, col, select

from portal.catalogue.models import Sector, Zone, ZoneSector
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
from portal.screening.facts import WastewaterPlant
from portal.screening.sectors import catalog_from_records

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
        ).order_by(Sector.code)
    ).all()
    return tuple(tuple(row) for row in rows)


def get_catalog(session: Session) -> SectorCatalog:
    """The sector catalogue as the `sector` table holds it now (one small query; cached object)."""
    rows = _sector_rows(session)
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
                }
                for code, name_vi, name_en, priority, sensitive, risk, confirmed in rows
            )
            if len(_catalog_cache) > 8:  # the table changed several times: drop old versions
                _catalog_cache.clear()
            _catalog_cache[rows] = cached
    return cached


def get_ruleset(session: Session, *, catalog: SectorCatalog | None = None) -> Ruleset:
    """The shipped ruleset compiled against the database's sector catalogue (cached by the loader)."""
    return load_ruleset(DEFAULT_RULESET, catalog or get_catalog(session))


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
    out: dict[int, set[str]] = {zone_id: set() for zone_id in zone_ids}
    if not zone_ids:
        return out
    rows = session.exec(
        select(ZoneSector.zone_id, ZoneSector.sector_code).where(
            col(ZoneSector.zone_id).in_(zone_ids), ZoneSector.relation == "priority"
        )
    ).all()
    for zone_id, code in rows:
        out[zone_id].add(code)
    return out


def zone_facts_for(session: Session, *, zones: list[Zone]) -> dict[int, ZoneFacts]:
    """ZoneFacts for many zones with one query for their priority sectors."""
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
    """Facts whose references were checked, with what screening needs from the database."""

    facts: ScreeningFacts
    zone_id: int | None
    zone: ZoneFacts | None
    ruleset: Ruleset

    def screen(self, *, as_of: date | None = None) -> Result:
        return screen(self.facts, self.zone, self.ruleset, as_of=as_of or date.today())


def _reference_errors(catalog: SectorCatalog, sectors: Iterable[str], zone: str | None, zone_found: bool) -> list:
    errors = [
        _error(("sectors", i), "unknown_sector", "Unknown VSIC sector code {code}", code, code=code)
        for i, code in enumerate(sectors)
        if code not in catalog
    ]
    if zone is not None and not zone_found:
        errors.append(_error(("zone",), "unknown_zone", "Unknown zone {slug}", zone, slug=zone))
    return errors


def prepare(session: Session, facts: ScreeningFacts) -> Prepared:
    """Check the sectors against the sector table and the zone against the published zones (raises pydantic's
    ValidationError at `sectors[i]` / `zone`), and load what screening reads: 2–3 small queries."""
    catalog = get_catalog(session)
    row = _zone_ref(session, facts.zone) if facts.zone is not None else None
    errors = _reference_errors(catalog, facts.sectors, facts.zone, row is not None)
    if errors:
        raise ValidationError.from_exception_data(ScreeningFacts.__name__, errors)
    zone = zone_facts(row, zone_priorities(session, [row.id])[row.id]) if row is not None else None
    return Prepared(facts, row.id if row is not None else None, zone, get_ruleset(session, catalog=catalog))


def check_codes(session: Session, *, sectors: Iterable[str], zone: str | None) -> None:
    """Raise a ValidationError at `sectors[i]` for codes not in the sector table and at `zone` for a slug
    that is not a published zone (for forms, where the rest of the facts may be invalid)."""
    found = zone is not None and _zone_ref(session, zone) is not None
    errors = _reference_errors(get_catalog(session), list(sectors), zone, found)
    if errors:
        raise ValidationError.from_exception_data(ScreeningFacts.__name__, errors)


def check_references(session: Session, facts: ScreeningFacts) -> None:
    """Sectors and zone of validated facts against the database (shapes, ranges and enums are checked by
    ScreeningFacts itself). Raises ValidationError naming `sectors[i]` / `zone`."""
    prepare(session, facts)


def validate_facts(session: Session, data: Mapping[str, Any], *, as_of: date | None = None) -> ScreeningFacts:
    """Parse and check facts against the database. Raises pydantic's ValidationError naming each field."""
    facts = ScreeningFacts.model_validate(dict(data), context={"as_of": as_of or date.today()})
    check_references(session, facts)
    return facts


def screen_facts(session: Session, facts: ScreeningFacts, *, as_of: date | None = None) -> Result:
    """Check the references and screen, reading the chosen zone from the database. Raises ValidationError
    for an unknown sector or zone."""
    return prepare(session, facts).screen(as_of=as_of)


def screen_against(
    facts: ScreeningFacts, zone: ZoneFacts | None, ruleset: Ruleset, *, as_of: date | None = None
) -> Result:
    """Screen with an already-built zone (land matching screens the same facts against every zone)."""
    return screen(facts, zone, ruleset, as_of=as_of or date.today())
