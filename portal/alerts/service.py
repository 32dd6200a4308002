"""Alerts: subscribe to a zone-list filter, confirm (double opt-in), unsubscribe, and the alert itself.

    subscribe(session, email=..., lang=..., filters=ZoneFilters, address=...)   pending; confirmation mailed
    confirm(session, token=...)        pending → active (again: harmless); None for a forged token
    unsubscribe(session, token=...)    → unsubscribed (again: harmless); None for a forged token
    on_public_data_changed(session, change)   the portal.events subscriber (portal/wiring.py)

Tokens are `<key>.<HMAC(secret, purpose:key)>`: the key finds the one subscription, the MAC proves the link
came from us, and the purpose ("confirm" / "unsubscribe") keeps one link from doing the other's work. A
forged or altered token finds nothing, so it can touch no subscription.

An alert is sent when a published zone that matches an active subscription's filter gains land the
subscribers had not heard of: the zone was just published, a plot in it became available (or was added
as available), or its available land grew. The filter is matched by the catalogue's own zone-list
conditions (`catalogue.service.matching_zone_ids`). Land taken (leased, reserved) sends nothing.
Messages go through the notify outbox, in the subscription's language, with a one-click unsubscribe link
(RFC 8058 headers) in every one. Services take a Session and never commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from portal import data as refdata
from portal.alerts.models import AlertSubscription, AlertZoneState
from portal.catalogue import labels as catalogue_labels
from portal.catalogue import service as catalogue
from portal.catalogue.models import Plot, PlotStatus, Sector, Zone
from portal.catalogue.schemas import ZoneFilters, parse_zone_filters
from portal.events import PublicDataChanged
from portal.i18n import N_, fmt_area, translate
from portal.notify import service as notify
from portal.notify.mailer import valid_address

#: subscription floods: per client address and per e-mail address (portal.accounts.ratelimit)
PER_CLIENT = "10 per 10 minutes"
PER_EMAIL = "3 per 10 minutes"
#: what one address may hold at once (pending and active); more is refused without saying why
MAX_PER_EMAIL = 20
FILTER_FIELDS = ("kind", "locality", "status", "sector", "zone")
SUBJECT_CONFIRM = N_("Confirm your land alert")
SUBJECT_ALERT = N_("Land available: %(zones)s")


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- filters ---------------------------------------------------------------------------------------------


def normalise(filters: ZoneFilters) -> dict:
    """The filter as stored: the zone list's parameters, values sorted, no sort order (it selects nothing)."""
    out: dict[str, Any] = {name: sorted(getattr(filters, name)) for name in FILTER_FIELDS if getattr(filters, name)}
    if filters.min_area_ha is not None:
        out["min_area"] = filters.min_area_ha
    return out


def filters_of(stored: dict) -> ZoneFilters:
    """The stored filter as the catalogue's ZoneFilters. Built directly, not parsed again: a value that is no
    longer known (a sector removed) then matches nothing rather than being dropped and matching everything."""
    return ZoneFilters(
        **{name: tuple(stored.get(name, ())) for name in FILTER_FIELDS},
        min_area_ha=stored.get("min_area"),
    )


def query_of(stored: dict) -> str:
    return urlencode(filters_of(stored).query_items())


def describe(stored: dict, lang: str, session: Session) -> list[str]:
    """The filter in words ("Type: Industrial park (KCN)"), for the pages and the messages."""
    parts: list[str] = []
    if stored.get("kind"):
        names = ", ".join(
            translate(lang, catalogue_labels.KIND[k]) for k in stored["kind"] if k in catalogue_labels.KIND
        )
        parts.append(translate(lang, "Type: %(values)s", values=names))
    if stored.get("status"):
        names = ", ".join(
            translate(lang, catalogue_labels.STATUS[s]) for s in stored["status"] if s in catalogue_labels.STATUS
        )
        parts.append(translate(lang, "Status: %(values)s", values=names))
    if stored.get("locality"):
        names = ", ".join(refdata.locality_name(k, lang) or k for k in stored["locality"])
        parts.append(translate(lang, "Locality: %(values)s", values=names))
    if stored.get("sector"):
        sectors = {s.code: s for s in session.exec(select(Sector).where(col(Sector.code).in_(stored["sector"]))).all()}
        names = ", ".join(
            f"{code} — {getattr(sectors[code], f'name_{lang}')}" if code in sectors else code
            for code in stored["sector"]
        )
        parts.append(translate(lang, "Priority sector: %(values)s", values=names))
    if stored.get("zone"):
        zones = {z.slug: z for z in session.exec(select(Zone).where(col(Zone.slug).in_(stored["zone"]))).all()}
        names = ", ".join(getattr(zones[s], f"name_{lang}") if s in zones else s for s in stored["zone"])
        parts.append(translate(lang, "Zone: %(values)s", values=names))
    if stored.get("min_area") is not None:
        parts.append(translate(lang, "At least %(area)s", area=fmt_area(stored["min_area"], lang)))
    return parts or [translate(lang, "Every zone")]


# --- parsing the form ------------------------------------------------------------------------------------


@dataclass
class Parsed:
    email: str = ""
    filters: ZoneFilters = field(default_factory=ZoneFilters)
    errors: dict[str, str] = field(default_factory=dict)  # field → msgid


def parse(items: list[tuple[str, str]], *, known: dict[str, set[str]]) -> Parsed:
    """The subscription form: an e-mail address and the zone list's own filter parameters (parsed by the
    catalogue). An address with a control character (CR/LF: header injection) or that cannot receive mail
    is refused; so is a filter with values the zone list does not know."""
    raw = next((v for k, v in items if k == "email"), "")
    email = raw.strip(" \t")
    out = Parsed(email=email)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in email) or not valid_address(email) or len(email) > 254:
        out.errors["email"] = N_("Give an e-mail address we can write to.")
    parsed = parse_zone_filters([(k, v) for k, v in items if k in (*FILTER_FIELDS, "min_area")], known=known)
    out.filters = parsed.filters
    if parsed.errors:
        out.errors["filters"] = N_("This search has filters the zone list does not know; search again.")
    return out


# --- tokens ----------------------------------------------------------------------------------------------


def _mac(secret: str, purpose: str, key: str) -> str:
    digest = hmac.new(secret.encode(), f"alert-{purpose}:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token(subscription: AlertSubscription, purpose: str, *, secret: str) -> str:
    return f"{subscription.key}.{_mac(secret, purpose, subscription.key)}"


def find(session: Session, *, token: str, purpose: str, secret: str) -> AlertSubscription | None:
    """The subscription a token names, or None when the token is malformed, unknown or not signed by us."""
    key, _, mac = (token or "").partition(".")
    if not key or not mac or len(token) > 200:
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, purpose, key).encode()):
        return None
    return session.exec(select(AlertSubscription).where(AlertSubscription.key == key)).first()


def _urls(sub: AlertSubscription, cfg: notify.MailConfig) -> dict[str, str]:
    base = f"{cfg.base_url}/{sub.lang}"
    return {
        "confirm_url": f"{base}/alerts/confirm/{token(sub, 'confirm', secret=cfg.secret)}",
        "unsubscribe_url": f"{base}/alerts/unsubscribe/{token(sub, 'unsubscribe', secret=cfg.secret)}",
        "list_url": f"{base}/zones" + (f"?{sub.query}" if sub.query else ""),
    }


# --- subscribing -----------------------------------------------------------------------------------------


def subscribe(
    session: Session, *, email: str, lang: str, filters: ZoneFilters, address: str | None
) -> AlertSubscription | None:
    """A pending subscription and its confirmation mail. The same address and filter again: the pending
    one's confirmation is sent again, an active one is left as it is (nothing mailed). Returns None when
    nothing was done; the page answers the same either way, so it never tells what an address holds."""
    stored = normalise(filters)
    query = query_of(stored)
    same = session.exec(
        select(AlertSubscription).where(
            func.lower(AlertSubscription.email) == email.lower(),
            AlertSubscription.query == query,
            col(AlertSubscription.status).in_(["pending", "active"]),
        )
    ).first()
    if same is not None and same.status == "active":
        return None
    if same is None:
        held = session.exec(
            select(func.count())
            .select_from(AlertSubscription)
            .where(
                func.lower(AlertSubscription.email) == email.lower(),
                col(AlertSubscription.status).in_(["pending", "active"]),
            )
        ).one()
        if held >= MAX_PER_EMAIL:
            return None
        same = AlertSubscription(
            email=email, lang=lang, filters=stored, query=query, key=secrets.token_urlsafe(18), address=address
        )
        session.add(same)
        session.flush()
    cfg = notify.config_for(session)
    urls = _urls(same, cfg)
    notify.enqueue(
        session,
        kind="alert_confirm",
        to=same.email,
        locale=same.lang,
        subject=translate(same.lang, SUBJECT_CONFIRM),
        context={**urls, "criteria": describe(stored, same.lang, session)},
        unsubscribe_url=urls["unsubscribe_url"],
    )
    return same


def confirm(session: Session, *, token: str, secret: str) -> AlertSubscription | None:
    """Pending → active, from now on (what is available now is the baseline). Confirming again, or a
    subscription already stopped, changes nothing: a replayed link does not subscribe anyone again."""
    sub = find(session, token=token, purpose="confirm", secret=secret)
    if sub is None or sub.status != "pending":
        return sub
    sub.status, sub.confirmed_at = "active", utcnow()
    session.add(sub)
    _remember(session, session.exec(select(Zone)).all())
    return sub


def unsubscribe(session: Session, *, token: str, secret: str) -> AlertSubscription | None:
    sub = find(session, token=token, purpose="unsubscribe", secret=secret)
    if sub is None or sub.status == "unsubscribed":
        return sub
    sub.status, sub.unsubscribed_at = "unsubscribed", utcnow()
    session.add(sub)
    return sub


def view(sub: AlertSubscription, session: Session) -> dict:
    """What the confirmation and unsubscribe pages show of a subscription (no address in full)."""
    local, _, domain = sub.email.partition("@")
    return {
        "status": sub.status,
        "email": f"{local[:1]}…@{domain}",
        "criteria": describe(sub.filters, sub.lang, session),
        "list_url": f"/{sub.lang}/zones" + (f"?{sub.query}" if sub.query else ""),
    }


# --- the alert -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneNow:
    published: bool
    available_ha: float | None
    plots: frozenset[int]


def _now(session: Session, zones: list[Zone]) -> dict[int, ZoneNow]:
    land = catalogue.land_figures(session, zones)
    ids = [z.id for z in zones]
    plots: dict[int, set[int]] = {i: set() for i in ids}
    if ids:
        rows = session.exec(
            select(Plot.zone_id, Plot.id).where(col(Plot.zone_id).in_(ids), Plot.status == PlotStatus.available)
        ).all()
        for zone_id, plot_id in rows:
            plots[zone_id].add(plot_id)
    return {z.id: ZoneNow(bool(z.published), land[z.id].available_ha, frozenset(plots[z.id])) for z in zones}


def _remember(session: Session, zones: list[Zone], now: dict[int, ZoneNow] | None = None) -> None:
    now = now if now is not None else _now(session, list(zones))
    for zone_id, state in now.items():
        row = session.get(AlertZoneState, zone_id) or AlertZoneState(zone_id=zone_id)
        row.published, row.available_ha = state.published, state.available_ha
        row.available_plots, row.updated_at = sorted(state.plots), utcnow()
        session.add(row)


def _zones_named(session: Session, doc_ids: tuple[str, ...]) -> list[Zone]:
    slugs = [d.split(":", 1)[1] for d in doc_ids if d.startswith("zone:")]
    plot_ids = [int(d.split(":", 1)[1]) for d in doc_ids if d.startswith("plot:") and d.split(":", 1)[1].isdigit()]
    conds = []
    if slugs:
        conds.append(col(Zone.slug).in_(slugs))
    if plot_ids:
        conds.append(col(Zone.id).in_(select(Plot.zone_id).where(col(Plot.id).in_(plot_ids))))
    if not conds:
        return []
    return list(session.exec(select(Zone).where(or_(*conds))).all())


def on_public_data_changed(session: Session, change: PublicDataChanged) -> None:
    """The events subscriber: inside the write that changed zones or plots, find the land subscribers had
    not heard of, mail every active subscription whose filter matches it, and remember the new state. With
    no active subscription it does nothing (confirming one takes the baseline)."""
    active = session.exec(
        select(func.count()).select_from(AlertSubscription).where(AlertSubscription.status == "active")
    ).one()
    if not active:
        return
    zones = _zones_named(session, change.doc_ids)
    if not zones:
        return
    now = _now(session, zones)
    news: dict[int, dict] = {}
    for zone in zones:
        state, before = now[zone.id], session.get(AlertZoneState, zone.id)
        if not state.published:
            continue
        was_published = before is not None and before.published
        new_plots = state.plots - set(before.available_plots if before else ())
        known_before = (before.available_ha if before is not None else None) or 0.0
        more = state.available_ha is not None and state.available_ha > known_before + 1e-9
        if not was_published or new_plots or more:
            news[zone.id] = {"zone": zone, "published": not was_published, "plots": sorted(new_plots), "now": state}
    _remember(session, zones, now)
    if news:
        _send(session, news)


def _send(session: Session, news: dict[int, dict]) -> None:
    subs = session.exec(
        select(AlertSubscription).where(AlertSubscription.status == "active").order_by(col(AlertSubscription.id))
    ).all()
    by_query: dict[str, list[AlertSubscription]] = {}
    for sub in subs:
        by_query.setdefault(sub.query, []).append(sub)
    plot_codes = {
        p.id: p.code
        for p in session.exec(select(Plot).where(col(Plot.id).in_([i for n in news.values() for i in n["plots"]])))
    }
    cfg = notify.config_for(session)
    for group in by_query.values():
        matched = catalogue.matching_zone_ids(session, filters=filters_of(group[0].filters), zone_ids=list(news))
        if not matched:
            continue
        for sub in group:
            lang = sub.lang
            items = [
                {
                    "name": getattr(news[i]["zone"], f"name_{lang}"),
                    "url": f"{cfg.base_url}/{lang}/zones/{news[i]['zone'].slug}",
                    "published": news[i]["published"],
                    "plots": [plot_codes[p] for p in news[i]["plots"] if p in plot_codes],
                    "available": fmt_area(news[i]["now"].available_ha, lang)
                    if news[i]["now"].available_ha is not None
                    else None,
                }
                for i in sorted(matched, key=lambda i: news[i]["zone"].slug)
            ]
            urls = _urls(sub, cfg)
            notify.enqueue(
                session,
                kind="alert",
                to=sub.email,
                locale=lang,
                subject=translate(lang, SUBJECT_ALERT, zones=", ".join(item["name"] for item in items)),
                context={**urls, "items": items, "criteria": describe(sub.filters, lang, session)},
                unsubscribe_url=urls["unsubscribe_url"],
            )
            sub.last_sent_at = utcnow()
            session.add(sub)
