"""Public facts as the pages show them, in one language: the topic's name, the figure formatted for
the locale where the value is a figure, the page's words, the source, its date and confidence, and
what the authority said of it. English summaries of the research file are shown on English pages
only; Vietnamese pages show the words of the page itself (marked with their language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.facts.models import FactStatus, PublicFact
from portal.i18n import N_, fmt_date, fmt_number, text_language, translate

TOPICS = {
    "location_post_merger": N_("Location since 2025"),
    "location_pre_merger": N_("Location before 2025"),
    "location": N_("Location"),
    "coordinates": N_("Coordinates"),
    "status": N_("Status"),
    "total_area": N_("Total area"),
    "area": N_("Area"),
    "fill_rate": N_("Occupancy"),
    "wwtp": N_("Wastewater treatment plant"),
    "developer": N_("Developer"),
    "management": N_("Management"),
    "legal_basis": N_("Legal basis"),
    "projects_tenants": N_("Investment projects"),
    "employment": N_("Jobs"),
    "output_9m_2023": N_("Output, first nine months of 2023"),
    "expansion_plan": N_("Expansion"),
    "infrastructure_access": N_("Road access"),
    "post_merger_planning_status": N_("Planning after the merger"),
    "investment_capital": N_("Investment capital"),
    "infrastructure": N_("Infrastructure"),
    "distances": N_("Distances"),
    "projected_employment": N_("Expected jobs"),
    "tenants_pipeline": N_("Investors studying projects"),
    "boundaries": N_("Boundaries"),
    "estimated_infrastructure_investment": N_("Estimated infrastructure investment"),
    "target_industries": N_("Target industries"),
    "nearby": N_("Nearby"),
    "access": N_("Access"),
    "port_tran_de": N_("Trần Đề port"),
    "operating_term": N_("Operating term"),
    "land_use_approval": N_("Land-use approval"),
    "water_supply": N_("Water supply"),
    "national_assembly_resolution": N_("National Assembly resolution"),
    "legal_effective_date": N_("In force from"),
    "new_government_operational_date": N_("New local government from"),
    "district_level_abolished": N_("District level"),
    "commune_level_resolution": N_("Commune-level resolution"),
    "new_city_units": N_("Units of the new Cần Thơ city"),
    "former_soc_trang_units_after_merger": N_("Former Sóc Trăng after the merger"),
    "management_board_after_merger": N_("Authority since the merger"),
    "management_board_before_merger": N_("Authority before the merger"),
    "commune_mapping_relevant_to_zones": N_("Old and new communes"),
    "provincial_master_plan": N_("Provincial master plan"),
    "can_tho_adjusted_plan_2026": N_("Cần Thơ's adjusted plan (2026)"),
    "distance_soc_trang_city": N_("Distances from Sóc Trăng"),
    "ip_planning_adjustment_2018": N_("2018 adjustment of the parks' plan"),
}
KINDS = {
    "press": N_("press"),
    "public_record": N_("public record"),
    "dataset": N_("public dataset"),
    "aggregator": N_("aggregator"),
    "company": N_("developer's site"),
}
CONFIDENCE = {"high": N_("high confidence"), "medium": N_("medium confidence"), "low": N_("low confidence")}
QUOTE_LANGS = {"ja": N_("quoted in Japanese"), "en": N_("quoted in English"), "vi": ""}


def topic_label(topic: str, lang: str) -> str:
    msgid = TOPICS.get(topic)
    return translate(lang, msgid) if msgid else topic.replace("_", " ")


def headline(fact: PublicFact, lang: str) -> str | None:
    """The figure, formatted for `lang`, when the value is one; else None."""
    v, unit = fact.value, (fact.unit or "")
    if isinstance(v, dict) and isinstance(v.get("capacity_m3_per_day"), int | float):
        return translate(lang, "%(n)s m³/day", n=fmt_number(v["capacity_m3_per_day"], lang, 0))
    if isinstance(v, dict) and v.get("exists") is True and v.get("capacity_m3_per_day") is None:
        return translate(lang, "a central plant is reported; capacity not stated")
    if isinstance(v, dict) and isinstance(v.get("lat"), int | float) and isinstance(v.get("lon"), int | float):
        return f"{fmt_number(v['lat'], lang, 5)}; {fmt_number(v['lon'], lang, 5)}"
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    n = fmt_number(v, lang)
    if unit == "ha":
        return f"{n}\u00a0ha"
    if unit == "ha (approx.)":
        return f"≈\u00a0{n}\u00a0ha"
    if unit.startswith("% of leasable"):
        return translate(lang, "%(n)s%% of the land for lease", n=n)
    if unit.startswith("billion VND"):
        return translate(lang, "%(n)s billion VND", n=n)
    if unit.startswith("km"):
        return f"{n}\u00a0km"
    if unit == "years":
        return translate(lang, "%(n)s years", n=n)
    if "workers" in unit:
        return translate(lang, "%(n)s workers", n=n)
    if unit.startswith("projects"):
        return translate(lang, "%(n)s projects", n=n)
    return None


def date_label(fact: PublicFact, lang: str) -> str:
    """The page's date: "11/2023", "30/06/2025", or "undated (c. 2020)"."""
    if fact.published_on:
        parts = [int(p) for p in fact.published_on.split("-")]
        if len(parts) == 3:
            return fmt_date(date(*parts), lang) or fact.published_on
        if len(parts) == 2:
            return f"{parts[1]:02d}/{parts[0]}"
        return str(parts[0])
    if fact.circa_year:
        return translate(lang, "undated (about %(year)s)", year=fact.circa_year)
    return translate(lang, "undated")


def source_year(fact: PublicFact) -> int | None:
    if fact.published_on:
        return int(fact.published_on[:4])
    return fact.circa_year


@dataclass
class FactView:
    id: int
    topic: str
    topic_label: str
    headline: str | None
    text: str | None  # the researcher's value on English pages (None on Vietnamese pages)
    text_lang: str  # its language (mostly English; some values are a Vietnamese name)
    quote: str
    quote_lang: str
    quote_note: str
    source_title: str
    source_title_lang: str  # the language of the page's title ("vi" or "en"), for `lang`
    source_url: str | None  # None when the research names no address
    kind_label: str
    date_label: str
    year: int | None
    confidence: str
    confidence_label: str
    status: str
    staff_value: str | None
    staff_note: str | None
    reviewed_on: date | None
    version: int

    @property
    def confirmed(self) -> bool:
        return self.status in (FactStatus.confirmed, FactStatus.corrected)


def view(fact: PublicFact, lang: str) -> FactView:
    text = None
    if lang == "en" and isinstance(fact.value, str):
        text = fact.value
    url = fact.source_url if fact.source_url.startswith(("http://", "https://")) else None
    return FactView(
        id=fact.id or 0,
        topic=fact.topic,
        topic_label=topic_label(fact.topic, lang),
        headline=headline(fact, lang),
        text=text,
        text_lang=text_language(text),
        quote=fact.quote,
        quote_lang=fact.quote_lang,
        quote_note=translate(lang, QUOTE_LANGS[fact.quote_lang]) if QUOTE_LANGS.get(fact.quote_lang) else "",
        source_title=fact.source_title,
        source_title_lang=text_language(fact.source_title),
        source_url=url,
        kind_label=translate(lang, KINDS.get(fact.kind, fact.kind)),
        date_label=date_label(fact, lang),
        year=source_year(fact),
        confidence=fact.confidence,
        confidence_label=translate(lang, CONFIDENCE.get(fact.confidence, fact.confidence)),
        status=fact.status,
        staff_value=fact.staff_value,
        staff_note=fact.staff_note,
        reviewed_on=fact.reviewed_on,
        version=fact.version,
    )


def grouped(facts: list[PublicFact], lang: str) -> list[tuple[str, str, list[FactView]]]:
    """[(topic, label, views)] in the service's order."""
    out: dict[str, list[FactView]] = {}
    for f in facts:
        out.setdefault(f.topic, []).append(view(f, lang))
    return [(t, topic_label(t, lang), vs) for t, vs in out.items()]


def values_disagree(views: list[FactView]) -> bool:
    heads = {v.headline for v in views if v.headline}
    return len(heads) > 1


def as_json(fact: PublicFact) -> dict[str, Any]:
    return {
        "topic": fact.topic,
        "value": fact.value,
        "unit": fact.unit,
        "quote": fact.quote,
        "quote_lang": fact.quote_lang,
        "source_url": fact.source_url,
        "source_title": fact.source_title,
        "source_date": fact.source_date,
        "published_on": fact.published_on,
        "kind": fact.kind,
        "confidence": fact.confidence,
        "status": fact.status,
        "staff_value": fact.staff_value,
        "reviewed_on": fact.reviewed_on.isoformat() if fact.reviewed_on else None,
    }


#: topics the zone page's lead shows (the rest go under "More public facts")
LEAD_TOPICS = ("total_area", "area", "status", "fill_rate", "wwtp", "developer")
UNKNOWN_LABELS = {
    "total_area": N_("total area"),
    "industrial_land": N_("industrial land"),
    "available_land": N_("available land"),
    "occupancy": N_("occupancy"),
    "wwtp": N_("wastewater treatment plant"),
    "developer": N_("developer"),
    "plots": N_("plots and land prices"),
    "exact_location": N_("exact location"),
    "phone": N_("phone"),
    "email": N_("e-mail"),
}


def zone_page(zone, land, facts: list[PublicFact], *, lang: str, has_plots: bool) -> dict[str, Any]:
    """What the zone page needs from the public facts: the lead's topics, the other topics, whether
    the sources disagree, and the one line of what is not published."""
    groups = grouped(facts, lang)
    lead = {t: vs for t, _label, vs in groups if t in LEAD_TOPICS}
    other = [(t, label, vs) for t, label, vs in groups if t not in LEAD_TOPICS]
    differ = {}
    area_views = lead.get("total_area", []) + lead.get("area", [])
    heads = {v.headline for v in area_views if v.headline and v.status != FactStatus.corrected}
    if zone.total_area_ha is not None:
        heads.add(f"{fmt_number(zone.total_area_ha, lang)}\u00a0ha")
    differ["total_area"] = len(heads) > 1
    missing = []
    if zone.total_area_ha is None and not area_views:
        missing.append("total_area")
    if zone.industrial_land_ha is None:
        missing.append("industrial_land")
    if land.available_ha is None:
        missing.append("available_land")
    if land.fill_rate is None and not lead.get("fill_rate"):
        missing.append("occupancy")
    if not zone.wastewater_status and zone.wastewater_capacity_m3_day is None and not lead.get("wwtp"):
        missing.append("wwtp")
    if not lead.get("developer"):
        missing.append("developer")
    if not has_plots:
        missing.append("plots")
    if zone.lat is None or zone.location_approximate:
        missing.append("exact_location")
    if not zone.contact_phone:
        missing.append("phone")
    if not zone.contact_email:
        missing.append("email")
    return {
        "facts": lead,
        "other_facts": other,
        "differ": differ,
        "fact_count": len(facts),
        "confirmed_count": sum(1 for f in facts if f.status in (FactStatus.confirmed, FactStatus.corrected)),
        "unknown": [translate(lang, UNKNOWN_LABELS[k]) for k in missing],
        "unknown_keys": missing,
    }
