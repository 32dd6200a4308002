"""Registry request and response shapes. The staff form is parsed here (pure); the public shape lists only
the fields the province publishes (see `ProjectPublic`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from babel import Locale
from pydantic import BaseModel

from portal.i18n import N_
from portal.publishing.schemas import CURRENCIES, clean_text, parse_choice, parse_number
from portal.registry.models import ProjectStatus
from portal.web.forms import Errors, Invalid, Parsed, checked, collect, kept

MAX_CAPITAL = 1e16
MAX_JOBS = 1_000_000
FORM_FIELDS = (
    "investor_name",
    "investor_country",
    "name_vi",
    "name_en",
    "sector_code",
    "zone",
    "plot_id",
    "land_ha",
    "capital_amount",
    "capital_currency",
    "jobs",
    "status",
    "published",
)


@cache
def countries(lang: str) -> list[tuple[str, str]]:
    """ISO 3166 alpha-2 codes with their names in `lang`, sorted by name."""
    names = Locale.parse(lang).territories
    return sorted(
        ((code, name) for code, name in names.items() if len(code) == 2 and code.isalpha()), key=lambda item: item[1]
    )


def country_code(text: str | None) -> str | None:
    """A country as a proposal states it (code or name in vi/en) → ISO alpha-2, or None when unknown."""
    if not text:
        return None
    value = text.strip()
    if len(value) == 2 and value.isalpha() and value.upper() in dict(countries("en")):
        return value.upper()
    folded = value.casefold()
    for lang in ("en", "vi"):
        for code, name in countries(lang):
            if name.casefold() == folded:
                return code
    return None


class ProjectIn(BaseModel):
    investor_name: str
    investor_country: str | None = None
    name_vi: str
    name_en: str
    sector_code: str
    zone_id: int
    plot_id: int | None = None
    land_ha: float | None = None
    capital_amount: float | None = None
    capital_currency: str | None = None
    jobs: int | None = None
    status: str = ProjectStatus.licensed
    published: bool = False


def parse_project_form(
    raw: Mapping[str, Any], *, zones: dict[str, int], plots: dict[int, int], sectors: set[str]
) -> Parsed[ProjectIn]:
    """`zones` slug → id; `plots` plot id → zone id; `sectors` known VSIC codes."""
    errors = Errors()
    parsers = {
        "investor_name": lambda v: clean_text(v, required=True, max_len=200),
        "investor_country": lambda v: parse_choice(v, [c for c, _ in countries("en")]),
        "name_vi": lambda v: clean_text(v, required=True, max_len=300),
        "name_en": lambda v: clean_text(v, required=True, max_len=300),
        "sector_code": lambda v: _known(v, sectors, N_("Unknown sector code.")),
        "zone": lambda v: zones[_known(v, set(zones), N_("Choose a zone."))],
        "plot_id": lambda v: _plot(v, plots),
        "land_ha": lambda v: parse_number(v),
        "capital_amount": lambda v: parse_number(v, maximum=MAX_CAPITAL),
        "capital_currency": lambda v: parse_choice(v, CURRENCIES),
        "jobs": lambda v: parse_number(v, maximum=MAX_JOBS, integer=True),
        "status": lambda v: parse_choice(v, [s.value for s in ProjectStatus], required=True),
    }
    values = collect(raw, parsers, errors)
    values["published"] = checked(raw, "published")
    typed = kept(raw, FORM_FIELDS)
    if not errors:
        if values["plot_id"] is not None and plots.get(values["plot_id"]) != values["zone"]:
            errors.add("plot_id", N_("This plot is not in the chosen zone."))
        if values["capital_amount"] is not None and not values["capital_currency"]:
            errors.add("capital_currency", N_("Required when an amount is given."))
        if values["capital_amount"] is None and values["capital_currency"]:
            errors.add("capital_amount", N_("Enter the amount, or leave the currency empty."))
    if errors:
        return Parsed(typed, None, errors)
    values["zone_id"] = values.pop("zone")
    return Parsed(typed, ProjectIn(**values), errors)


def _known(value: Any, allowed: set[str], message: str) -> str:
    text = clean_text(value, required=True, max_len=80)
    if text not in allowed:
        raise Invalid(message)
    return text


def _plot(value: Any, plots: dict[int, int]) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) not in plots:
        raise Invalid(N_("Unknown plot."))
    return int(text)


# --- public shape ---------------------------------------------------------------------------------

#: What the province publishes about a registered project, in one place: the public page's columns, the
#: JSON API (`ProjectPublic`) and the open-data CSV and JSON show these fields and no other figure (the
#: open data adds the record's `id` and `updated_at`; the API adds the sector's and zone's names). Capital,
#: the investor's country and the plot are kept by the province and shown nowhere in public.
PUBLISHED_FIELDS = ("investor_name", "name_vi", "name_en", "sector_code", "zone", "land_ha", "jobs", "status")


def published_values(project: Any, zone_slug: str) -> dict[str, Any]:
    """The published fields of one project (`zone` is the zone's slug)."""
    return {name: zone_slug if name == "zone" else getattr(project, name) for name in PUBLISHED_FIELDS}


class ProjectPublic(BaseModel):
    """What the province publishes about a registered project: no capital, no investor country, no plot."""

    investor_name: str
    name_vi: str
    name_en: str
    sector_code: str
    sector_name_vi: str
    sector_name_en: str
    zone: str
    zone_name_vi: str
    zone_name_en: str
    land_ha: float | None
    jobs: int | None
    status: str


class ProjectList(BaseModel):
    total: int
    items: list[ProjectPublic]
