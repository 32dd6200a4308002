"""Proposals: create (screened, idempotent, with attachments), look up by tracking token, timeline; and
land matching. Takes a Session, returns plain results; no web types here.

Idempotency: the key (a UUID from the form, or the API's `Idempotency-Key` header) is stored as
SHA-256("channel:key") under a UNIQUE constraint. The tracking token is derived from it with the
server secret, HMAC-SHA256(secret, "tracking:" + key hash) in base64url (256 bits), so a replay shows
the same tracking link although the token itself is never stored — only SHA-256(token).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal import clock
from portal.audit import service as audit
from portal.audit.models import AuditEvent
from portal.catalogue import service as catalogue
from portal.catalogue.models import Zone
from portal.facts import present as facts_present
from portal.facts import service as facts_service
from portal.i18n import fmt_number, text_language, translate
from portal.intake import matching
from portal.intake.models import Attachment, Proposal, utcnow
from portal.intake.schemas import MatchFinding, MatchReason, MatchRequest, MatchZone, ProposalCreate
from portal.intake.tokens import TOKEN_RE, key_hash, token_for, token_hash, tracking_token
from portal.intake.uploads import StagedFile, discard, finalize
from portal.notify import service as notify
from portal.places import service as places
from portal.screening import DEFAULT_RULESET, environment, screen
from portal.screening import service as screening
from portal.screening.text import Text
from portal.web.caching import StampedLRU

#: Audit actions on a proposal that the investor sees on the status page. Another domain can make any
#: event public by putting `"public": true` in its `after`; the text shown is `after["message"]` (a string
#: or {"vi": ..., "en": ...}).
PUBLIC_ACTIONS: set[str] = {"proposal.submitted"}


# --- keys and tokens ------------------------------------------------------------------------------------


def request_hash(data: ProposalCreate) -> str:
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


# --- reading ---------------------------------------------------------------------------------------------


def get(session: Session, *, proposal_id: int) -> Proposal | None:
    return session.get(Proposal, proposal_id)


def get_by_idempotency_key(session: Session, *, key: str, channel: str) -> Proposal | None:
    return session.exec(select(Proposal).where(Proposal.idempotency_key == key_hash(channel, key))).first()


def get_by_token(session: Session, *, token: str) -> Proposal | None:
    """The proposal a tracking token opens; None for a malformed or unknown token alike."""
    if not TOKEN_RE.match(token or ""):
        return None
    return session.exec(select(Proposal).where(Proposal.tracking_token_hash == token_hash(token))).first()


def list_by_email(session: Session, *, email: str) -> list[Proposal]:
    """The proposals submitted with this contact address (case ignored), newest first."""
    from sqlalchemy import func

    return list(
        session.exec(
            select(Proposal)
            .where(func.lower(Proposal.contact_email) == email.strip().lower())
            .order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc())
            .limit(50)
        ).all()
    )


def send_tracking_links(db: Any, *, email: str, locale: str) -> None:
    """Mail the tracking links of this address's proposals to it (nothing when there are none). The caller
    answers the same whatever happens here, so the page never tells whether an address has proposals."""
    with db.write() as session:
        found = list_by_email(session, email=email)
        if found:
            notify.tracking_links(session, email=found[0].contact_email, proposals=found, locale=locale)


def list_attachments(session: Session, *, proposal: Proposal) -> list[Attachment]:
    return list(
        session.exec(select(Attachment).where(Attachment.proposal_id == proposal.id).order_by(col(Attachment.id))).all()
    )


def zone_of(session: Session, *, proposal: Proposal) -> Zone | None:
    return session.get(Zone, proposal.zone_id) if proposal.zone_id else None


def findings(proposal: Proposal, lang: str) -> dict[str, Any]:
    """The stored screening snapshot in one language: {verdict, ruleset, findings: [...]} (the API shape)."""
    snap = proposal.screening or {}
    return {
        "verdict": snap.get("verdict", proposal.verdict),
        "ruleset": _ruleset(snap.get("ruleset") or {"id": proposal.ruleset_id, "version": proposal.ruleset_version}),
        "as_of": _day(snap.get("as_of")),
        "classification": _classification(snap.get("classification"), lang),
        "sectors": [{**s, "label": _pick(s.get("label"), lang)} for s in snap.get("sectors") or []],
        "findings": [
            {
                "rule": f.get("rule"),
                "outcome": f.get("outcome"),
                "title": _pick(f.get("title"), lang),
                "message": _pick(f.get("message"), lang),
                "citation": (f.get("citation") or {}).get(lang) or {},
            }
            for f in snap.get("findings", [])
        ],
    }


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _ruleset(data: dict) -> dict:
    return {**data, "effective_from": _day(data.get("effective_from"))}


def _classification(data: Any, lang: str) -> dict | None:
    """A stored classification in one language (reasons and row names are kept in both)."""
    if not isinstance(data, dict):
        return None

    out = dict(data)
    regime = (data.get("regime") or {}).get("id")
    try:
        title = environment.load_law().regime(regime).title.get(lang) if regime else None
    except KeyError:
        title = regime
    out["regime"] = {"id": regime, "title": title}
    if isinstance(data.get("appendix_ii"), dict):
        out["appendix_ii"] = {**data["appendix_ii"], "name": _pick(data["appendix_ii"].get("name"), lang)}
    out["authority"] = {
        proc: None if body is None else {"id": body, "name": environment.BODIES[body].get(lang)}
        for proc, body in (data.get("authority") or {}).items()
    }
    law = environment.load_law()
    out["reasons"] = []
    for reason in data.get("reasons") or []:
        cite = law.citations.get(reason.get("citation") or "")
        out["reasons"].append(
            {
                "code": reason.get("code"),
                "text": _pick(reason.get("text"), lang),
                "citation": cite.localized(lang, _documents()) if cite else None,
            }
        )
    return out


@functools.cache
def _documents() -> dict:
    """Document titles of the shipped ruleset (the classification's citations name them)."""
    with open(DEFAULT_RULESET, encoding="utf-8") as fh:
        docs = yaml.safe_load(fh)["documents"]
    return {key: Text(v["vi"], v["en"]) for key, v in docs.items()}


def _pick(text: Any, lang: str) -> str:
    if isinstance(text, dict):
        return str(text.get(lang) or text.get("vi") or "")
    return "" if text is None else str(text)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    status: str | None
    message: str | dict | None

    def text(self, lang: str) -> str | None:
        return _pick(self.message, lang) or None if self.message is not None else None


def timeline(session: Session, proposal: Proposal) -> list[TimelineEntry]:
    """The audit events of this proposal that the investor may see, oldest first."""
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.object_type == "proposal", AuditEvent.object_id == str(proposal.id))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    out = []
    for ev in events:
        after = ev.after or {}
        if ev.action in PUBLIC_ACTIONS or after.get("public") is True:
            out.append(TimelineEntry(ev.at, ev.action, after.get("status"), after.get("message")))
    return out


# --- creating --------------------------------------------------------------------------------------------


class IdempotencyConflict(Exception):
    """The key was used before with a different submission."""

    def __init__(self, proposal: Proposal) -> None:
        super().__init__("idempotency key reused with a different request")
        self.proposal = proposal


@dataclass
class Submission:
    proposal: Proposal
    token: str
    created: bool
    attachments: list[Attachment] = field(default_factory=list)


def replay(
    session: Session,
    *,
    key: str,
    channel: str,
    secret: str,
    data: ProposalCreate | None = None,
) -> Submission | None:
    """The earlier submission with this key, if any. With `data`, a different submission raises
    IdempotencyConflict (the API's rule; the form shows the first receipt whatever was typed)."""
    existing = get_by_idempotency_key(session, key=key, channel=channel)
    if existing is None:
        return None
    if data is not None and existing.request_hash != request_hash(data):
        raise IdempotencyConflict(existing)
    return Submission(existing, token_for(existing, secret=secret), created=False)


def submit(
    db: Any,
    *,
    data: ProposalCreate,
    key: str,
    channel: str,
    locale: str,
    secret: str,
    files: list[StagedFile] | None = None,
    address: str | None = None,
    as_of: date | None = None,
    strict_replay: bool = False,
) -> Submission:
    """Screen and store one proposal in one short write transaction of `db` (a `portal.db.Database`).

    A second call with the same key returns the first proposal (`created=False`), also when two race:
    the loser's INSERT fails on the UNIQUE key, is rolled back, and the winner is read back. Staged
    files (staged before, outside the write) are moved into place just before the commit and deleted if
    anything fails. Raises pydantic's ValidationError at `sectors[i]` / `zone` for unknown references.
    """
    files = files or []
    try:
        with db.write() as session:
            return create(
                session,
                data=data,
                key=key,
                channel=channel,
                locale=locale,
                secret=secret,
                files=files,
                address=address,
                as_of=as_of,
            )
    except IntegrityError:
        discard(files)
        with db.session() as session:
            again = replay(session, key=key, channel=channel, secret=secret, data=data if strict_replay else None)
        if again is None:
            raise
        return again
    except BaseException:
        discard(files)
        raise


def create(
    session: Session,
    *,
    data: ProposalCreate,
    key: str,
    channel: str,
    locale: str,
    secret: str,
    files: list[StagedFile] | None = None,
    address: str | None = None,
    as_of: date | None = None,
) -> Submission:
    """Screen one proposal and add it (with its attachments and audit event) to `session`, a write
    transaction the caller commits (`submit` does). Staged files are moved into place last."""
    files = files or []
    day = as_of or clock.today()
    prepared = screening.prepare(session, data.facts(), as_of=day)
    facts = prepared.facts
    result = prepared.screen(as_of=day)
    snapshot = {**result.as_dict(), "sectors": screening.sector_snapshot(prepared.sectors, prepared.ruleset.catalog)}
    khash = key_hash(channel, key)
    token = tracking_token(secret, khash)
    now = utcnow()
    proposal = Proposal(
        status="submitted",
        locale=locale,
        channel=channel,
        **data.model_dump(mode="json", exclude={"zone", "sectors", "classification"}),
        sector_system=data.classification,
        sectors=list(facts.sectors),
        zone_id=prepared.zone_id,
        facts=facts.model_dump(mode="json"),
        screening=snapshot,
        verdict=result.verdict,
        ruleset_id=result.ruleset_id,
        ruleset_version=result.ruleset_version,
        regime=result.regime,
        tracking_token_hash=token_hash(token),
        idempotency_key=khash,
        request_hash=request_hash(data),
        created_at=now,
        updated_at=now,
    )
    session.add(proposal)
    session.flush()
    proposal.reference = f"ST-{now.year}-{proposal.id:06d}"
    stored = [
        Attachment(
            proposal_id=proposal.id,
            stored_name=f.stored_name,
            original_name=f.original_name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            created_at=now,
        )
        for f in files
    ]
    session.add_all(stored)
    audit.record(
        session,
        actor=None,
        actor_label="investor",
        action="proposal.submitted",
        object_type="proposal",
        object_id=proposal.id,
        address=address,
        after={
            "reference": proposal.reference,
            "status": proposal.status,
            "verdict": result.verdict,
            "ruleset": {"id": result.ruleset_id, "version": result.ruleset_version},
            "regime": result.regime,
            "channel": channel,
            "attachments": len(stored),
        },
    )
    notify.proposal_submitted(session, proposal=proposal, token=token)
    session.flush()
    finalize(files)
    return Submission(proposal, token, created=True, attachments=stored)


# --- land matching ----------------------------------------------------------------------------------------


def check_match(session: Session, request: MatchRequest, *, as_of: date | None = None) -> screening.Prepared:
    """Unknown, ambiguous or mixed sector codes → ValidationError at sectors[i]; a capacity unit no row
    uses → at capacity.unit."""
    return screening.prepare(session, request.facts(), as_of=as_of)


#: Public-fact topics that say how a zone is reached (roads, rivers, ports): quoted on the match page.
ACCESS_TOPICS = ("distances", "access", "infrastructure_access")
PORT_PLACE = "tran-de-port"


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@functools.cache
def _port():
    """Trần Đề port's point from the places data (a shipped file: read once), or None."""
    return dict(places.reference_places()).get(PORT_PLACE)


def port_distance(zone: Any, *, labels: bool = True) -> tuple[float | None, dict[str, str]]:
    """Straight-line km from the zone (a Zone or a row with slug, lat, lon, location_approximate) to Trần Đề
    port (places data) and where it is measured from: the location staff set, else the centre of the zone's
    commune (approximate). (None, {}) when neither is known. `labels=False`: the km only (ranking)."""
    port = _port()
    if port is None:
        return None, {}
    if zone.lat is not None and zone.lon is not None and not zone.location_approximate:
        where = {lang: translate(lang, "the zone's location") for lang in ("vi", "en")} if labels else {}
        return _km(zone.lat, zone.lon, port.lat, port.lon), where
    place = places.zone_place(zone.slug)
    if place is None or place.point is None:
        return None, {}
    where = (
        {
            lang: translate(lang, "the centre of %(place)s (approximate)", place=place.point_label(lang))
            for lang in ("vi", "en")
        }
        if labels
        else {}
    )
    return _km(place.point.lat, place.point.lon, port.lat, port.lon), where


def _access(facts: list) -> tuple[matching.Access, ...]:
    return tuple(
        matching.Access(
            quote=f.quote,
            source=f.source_title,
            date={lang: facts_present.date_label(f, lang) for lang in ("vi", "en")},
        )
        for f in facts
        if f.topic in ACCESS_TOPICS
    )


def _verdict_key(zf: Any, match_set: frozenset[str] = frozenset()) -> Any:
    """What of a zone the ruleset can read for a verdict (its kind, status, plant, and of its priorities
    whether it published any and which of them are the project's codes or their classes, `match_set`):
    zones alike in these get the same verdict, so a catalogue of 2,000 zones is screened once per kind of
    zone. The zones shown are screened again one by one (their findings name them), and a verdict that
    differs sends the whole ranking through exact screening (`match_page`)."""
    return _verdict_base(zf), _read(zf.priority_sectors, match_set)


_STAR = frozenset({"*"})


def _read(priorities: frozenset[str], match_set: frozenset[str]) -> frozenset[str]:
    """What of a zone's priorities the ruleset reads: whether it published any ("*") and which of them are
    the project's codes or their classes."""
    if not priorities:
        return frozenset()
    if match_set.isdisjoint(priorities):
        return _STAR
    return frozenset(c for c in priorities if c in match_set) | _STAR


@functools.lru_cache(maxsize=8192)
def _verdict_base(zf: Any) -> Any:
    """The zone's screening facts without what names it or its priorities (`_verdict_key` adds what of
    those the ruleset reads); kept per zone, as building a ZoneFacts checks its fields."""
    return dataclasses.replace(zf, slug="", name_vi="", name_en="", priority_sectors=frozenset())


#: the columns of a zone that ranking reads (rows, not zone objects: a catalogue of 2,000 zones is scored
#: from these, and only the zones shown get their labels and quoted sources)
MATCH_COLUMNS = (
    Zone.id,
    Zone.slug,
    Zone.kind,
    Zone.name_vi,
    Zone.name_en,
    Zone.status,
    Zone.total_area_ha,
    Zone.industrial_land_ha,
    Zone.wastewater_status,
    Zone.lat,
    Zone.lon,
    Zone.location_approximate,
)


@dataclass
class _Catalogue:
    """What one ranking read: the candidates, and for each slug the zone's row and its screening facts (to
    screen the zones shown again) and the ruleset."""

    candidates: list[matching.Candidate]
    zone_facts: dict[str, Any]
    ruleset: Any
    rows: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Zone:
    """A published zone as ranking reads it, whatever the project: plain data, kept per catalogue generation."""

    row: Any  # its MATCH_COLUMNS
    available_ha: float | None
    facts: Any  # its ZoneFacts
    port_km: float | None


def _zones(session: Session) -> tuple[_Zone, ...]:
    """Every published zone's ranking data: read once per catalogue generation in a request's (read-only)
    session, every time elsewhere (a write may be rolled back, and its generation number come round again)."""

    def build(s: Session) -> tuple[_Zone, ...]:
        rows = catalogue.published_rows(s, *MATCH_COLUMNS)
        land = catalogue.land_figures(s, rows)
        facts = screening.zone_facts_for(s, zones=rows)
        return tuple(_Zone(z, land[z.id].available_ha, facts[z.id], port_distance(z, labels=False)[0]) for z in rows)

    if not session.info.get("read_only"):
        return build(session)
    return catalogue.per_generation(session, "intake.match_zones", build)


@dataclass(frozen=True)
class _Table:
    """The catalogue's candidates as ranking reads them whatever the project (no verdict yet), for one
    `_zones` value and one sector catalogue (its province-wide priorities): built once per catalogue
    generation; a request adds only the verdicts (`_verdicts`)."""

    zones: tuple[_Zone, ...]
    catalog: Any  # the SectorCatalog (one object per state of the sector table)
    candidates: tuple[matching.Candidate, ...]  # verdict "": `matching.rank_page(verdicts=...)` gives it
    bases: tuple[int, ...]  # each zone's `_verdict_base`, numbered (alike zones, the same number)
    by_slug: dict[str, _Zone]


_table_slot: list[_Table] = []  # the last table kept (a new `_zones` value or sector catalogue: a new table)


def _table(zones: tuple[_Zone, ...], catalog: Any, *, keep: bool) -> _Table:
    """The table of `zones` (the last one built when it is of the same `zones` and sector catalogue); `keep`:
    kept for the next request (`zones` is the per-generation value, not one read in a writing session)."""
    for table in _table_slot:
        if table.zones is zones and table.catalog is catalog:
            return table
    numbers: dict[Any, int] = {}
    province = catalog.codes_in_class("priority")
    table = _Table(
        zones,
        catalog,
        tuple(
            matching.Candidate(
                slug=z.row.slug,
                kind=z.row.kind,
                name_vi=z.row.name_vi,
                name_en=z.row.name_en,
                status=z.row.status,
                total_area_ha=z.row.total_area_ha,
                available_ha=z.available_ha,
                wastewater_plant=z.facts.wastewater_plant,
                priority_sectors=z.facts.priority_sectors,
                province_priorities=province,
                verdict="",
                port_km=z.port_km,
            )
            for z in zones
        ),
        tuple(numbers.setdefault(_verdict_base(z.facts), len(numbers)) for z in zones),
        {z.row.slug: z for z in zones},
    )
    if keep:
        _table_slot[:] = [table]
    return table


def _verdicts(table: _Table, request: MatchRequest, match_set: frozenset[str], ruleset: Any, day: date) -> list[str]:
    """Each zone's verdict for this project, screened once per `_verdict_key` (the first zone of each key, as
    `_candidates` does): the key here is the base's number and what of the zone's priorities the ruleset reads."""
    screened: dict[Any, str] = {}
    verdicts = []
    for zone, base in zip(table.zones, table.bases, strict=True):
        key = (base, _read(zone.facts.priority_sectors, match_set))
        verdict = screened.get(key)
        if verdict is None:
            verdict = screened[key] = screen(request.facts_for(zone.row.slug), zone.facts, ruleset, as_of=day).verdict
        verdicts.append(verdict)
    return verdicts


def _candidates(session: Session, request: MatchRequest, *, day: date, exact: bool) -> _Catalogue:
    """Every published zone as a candidate (`_zones`). Without `exact`, zones are screened once per verdict
    key and carry no findings, port labels or quoted sources (`match_page` adds them to the zones shown; none
    of them weighs: `access_public` and the label have no points)."""
    zones = _zones(session)
    quoted = exact or matching.WEIGHTS.get("access_public", 0) != 0
    public = facts_service.facts_by_zone(session, [z.row.id for z in zones]) if quoted else {}
    catalog = screening.get_catalog(session)
    ruleset = screening.get_ruleset(session, catalog=catalog)
    province = catalog.codes_in_class("priority")
    codes = tuple(request.sectors)
    match_set = frozenset(codes) | frozenset(catalog.key(c) or c for c in codes)
    verdicts: dict[Any, Any] = {}
    candidates = []
    for zone in zones:
        row, zf = zone.row, zone.facts
        key = row.slug if exact else _verdict_key(zf, match_set)
        if key not in verdicts:
            verdicts[key] = screen(request.facts_for(row.slug), zf, ruleset, as_of=day)
        result = verdicts[key]
        candidates.append(
            matching.Candidate(
                slug=row.slug,
                kind=row.kind,
                name_vi=row.name_vi,
                name_en=row.name_en,
                status=row.status,
                total_area_ha=row.total_area_ha,
                available_ha=zone.available_ha,
                wastewater_plant=zf.wastewater_plant,
                priority_sectors=zf.priority_sectors,
                province_priorities=province,
                verdict=result.verdict,
                findings=result.findings if exact else (),
                port_km=zone.port_km,
                port_from=port_distance(row)[1] if exact else {},
                access=_access(public.get(row.id, ())),
            )
        )
    return _Catalogue(candidates, {z.row.slug: z.facts for z in zones}, ruleset, {z.row.slug: z.row for z in zones})


def _need(request: MatchRequest) -> matching.Need:
    return matching.Need(tuple(request.sectors), request.land_ha, request.wastewater_m3_day, bool(request.near_port))


def match(session: Session, *, request: MatchRequest, as_of: date | None = None) -> list[matching.Match]:
    """Every published zone (planned ones too), ranked for this project, each with the pre-check verdict
    and findings for that zone (every zone screened)."""
    prepared = check_match(session, request, as_of=as_of)
    request = request.model_copy(update={"sectors": list(prepared.facts.sectors), "classification": "vsic-2025"})
    read = _candidates(session, request, day=as_of or clock.today(), exact=True)
    return matching.rank(_need(request), read.candidates)


#: pages of the ranking kept per catalogue generation (`match_page(remember=True)`): the projects asked most
#: recently, at most this many
ANSWERS_KEPT = 256


def match_page(
    session: Session, *, request: MatchRequest, as_of: date | None = None, remember: bool = False
) -> matching.MatchPage:
    """One page of the ranking (`request.page`, `request.per_page`; planned zones only with
    `request.include_planned`). The work is bounded: zones are screened once per kind of zone
    (`_verdict_key`), and the zones of the page once each, for their findings.

    `remember` (the app caches its public pages): in a request's (read-only) session the page is kept for
    the same request, day and sector catalogue until the catalogue generation moves on (a `StampedLRU`); the
    same project asked again is not ranked again. A request the pre-check refuses is never kept."""
    if not (remember and session.info.get("read_only")):
        return _match_page(session, request=request, as_of=as_of)
    # a new store per catalogue generation; each page stamped with the sector catalogue it was ranked with (the
    # sector table has its own summary, not the generation)
    answers = catalogue.per_generation(session, "intake.match_answers", lambda _s: StampedLRU(ANSWERS_KEPT))
    key = (as_of or clock.today(), request.model_dump_json())
    return answers.fetch(
        key, screening.get_catalog(session), lambda: _match_page(session, request=request, as_of=as_of)
    )


def _match_page(session: Session, *, request: MatchRequest, as_of: date | None = None) -> matching.MatchPage:
    prepared = check_match(session, request, as_of=as_of)
    request = request.model_copy(update={"sectors": list(prepared.facts.sectors), "classification": "vsic-2025"})
    day = as_of or clock.today()
    need = _need(request)
    options = {"page": request.page, "per_page": request.per_page, "include_planned": request.include_planned}
    if matching.WEIGHTS.get("access_public", 0) != 0:  # quoted sources weigh: every zone's are read
        read = _candidates(session, request, day=day, exact=False)
        result = matching.rank_page(need, read.candidates, **options)
        zone_facts, ruleset, rows = read.zone_facts, read.ruleset, read.rows
    else:
        catalog = screening.get_catalog(session)
        ruleset = screening.get_ruleset(session, catalog=catalog)
        table = _table(_zones(session), catalog, keep=bool(session.info.get("read_only")))
        codes = tuple(request.sectors)
        match_set = frozenset(codes) | frozenset(catalog.key(c) or c for c in codes)
        verdicts = _verdicts(table, request, match_set, ruleset, day)
        result = matching.rank_page(need, table.candidates, verdicts=verdicts, **options)
        shown_zones = [table.by_slug[m.candidate.slug] for m in result.matches]
        zone_facts = {z.row.slug: z.facts for z in shown_zones}
        rows = {z.row.slug: z.row for z in shown_zones}
    page_rows = [rows[m.candidate.slug] for m in result.matches]
    public = facts_service.facts_by_zone(session, [z.id for z in page_rows])
    shown = []
    for m, zone in zip(result.matches, page_rows, strict=True):
        slug = m.candidate.slug
        exact = screen(request.facts_for(slug), zone_facts[slug], ruleset, as_of=day)
        if exact.verdict != m.candidate.verdict:  # the ruleset read something else of the zone: rank exactly
            return matching.rank_page(need, _candidates(session, request, day=day, exact=True).candidates, **options)
        _, where = port_distance(zone)
        candidate = dataclasses.replace(
            m.candidate, findings=exact.findings, port_from=where, access=_access(public[zone.id])
        )
        shown.append(matching.score(need, candidate))
    return dataclasses.replace(result, matches=shown)


def _param(value: Any, lang: str) -> str:
    """A reason's parameter in one language: numbers formatted, {lang: text} picked, the portal's own
    words (msgids) translated, and anything else (a quoted public source) as it is."""
    if isinstance(value, int | float):
        return fmt_number(value, lang)
    if isinstance(value, dict):
        return str(value.get(lang) or next(iter(value.values()), ""))
    if value in matching.PLANT_STATE_TEXT.values():
        return translate(lang, value)
    return str(value)


def present_match(m: matching.Match, lang: str) -> MatchZone:
    """One ranked zone in one language (for the page and the API)."""
    z = m.candidate
    reasons = []
    for r in m.reasons:
        cite = r.params.get("cite")
        params = {k: _param(v, lang) for k, v in r.params.items() if k != "cite"}
        text = translate(lang, r.text, **params)
        if cite is None:
            reasons.append(MatchReason(key=r.key, tone=r.tone, points=r.points, text=text))
            continue
        reasons.append(
            MatchReason(
                key=r.key,
                tone=r.tone,
                points=r.points,
                text=text,
                quote=cite.quote,
                quote_lang=text_language(cite.quote),
                source=cite.source,
                source_lang=text_language(cite.source),
            )
        )
    return MatchZone(
        slug=z.slug,
        name=z.name(lang),
        kind=z.kind,
        status=z.status or "",
        planned=z.planned,
        score=m.score,
        verdict=z.verdict,
        url=f"/{lang}/zones/{z.slug}",
        port_km=None if z.port_km is None else round(z.port_km, 1),
        reasons=reasons,
        findings=[MatchFinding(rule=f.rule_id, outcome=f.outcome, title=f.title.get(lang)) for f in z.findings],
    )


def match_note(lang: str) -> str:
    return translate(
        lang,
        "Zones are ranked on published data only. Where the province has not published a "
        "figure (area, free land, wastewater plant), the zone earns no points for it and the "
        "reason says it is unknown; ask the zone's management board to confirm.",
    )


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)
