"""Staff forms and import rows: raw text in, typed values or per-field problems out.

Parsing is pure (no database). The cell parsers raise the forms kernel's `Invalid` (an English msgid,
translated where shown); `parse_zone_form` and `parse_plot_form` run them through `portal.web.forms`
(`collect` → `Parsed` with `Errors` per field), and the importer keeps each refusal as a `Problem` with
its spreadsheet row (stored with a dry run, so it reads correctly in either language later).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel

from portal.catalogue.models import PlotStatus, WastewaterStatus, ZoneStatus
from portal.i18n import N_, translate
from portal.numbers import parse_decimal
from portal.web.forms import Errors, Invalid, Parsed, collect, kept

MAX_AREA_HA = 100_000.0
MAX_CAPACITY_M3_DAY = 10_000_000.0
MAX_PRICE = 1e13
CURRENCIES = ("VND", "USD")
PRICE_UNITS = {"m2_year": N_("per m² per year"), "m2_lease_term": N_("per m² for the lease term")}
PLOT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .()-]{5,38}$")


@dataclass
class Problem:
    field: str
    message: str  # English msgid
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None  # spreadsheet row number (header = 1) for imports

    def text(self, lang: str) -> str:
        return translate(lang, self.message, **self.params)

    def as_json(self) -> dict:
        return {"field": self.field, "message": self.message, "params": self.params, "row": self.row}

    @classmethod
    def from_json(cls, data: dict) -> Problem:
        return cls(data["field"], data["message"], data.get("params") or {}, data.get("row"))


def form_value(value: Any) -> str:
    """A stored value as a form shows it (numbers without locale separators, so they parse back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- cell parsers (shared by forms and the importer) -----------------------------------------------


def clean_text(raw: Any, *, required: bool = False, max_len: int = 200) -> str | None:
    text = "" if raw is None else str(raw).strip()
    if not text:
        if required:
            raise Invalid(N_("This field is required."))
        return None
    if len(text) > max_len:
        raise Invalid(N_("At most %(max)s characters."), max=max_len)
    return text


def parse_number(
    raw: Any,
    *,
    minimum: float = 0.0,
    maximum: float = MAX_AREA_HA,
    positive: bool = False,
    required: bool = False,
    integer: bool = False,
) -> float | None:
    if isinstance(raw, bool):
        raise Invalid(N_("Not a number."))
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = "" if raw is None else str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            if required:
                raise Invalid(N_("This field is required."))
            return None
        if "," in text:
            raise Invalid(N_("Use a dot for decimals and no thousands separator, e.g. 12.5"))
        try:
            number = parse_decimal(text)
        except ValueError:
            raise Invalid(N_("Not a number.")) from None
    if math.isnan(number) or math.isinf(number):
        raise Invalid(N_("Not a number."))
    if positive and number <= 0:
        raise Invalid(N_("Must be greater than 0."))
    if number < minimum:
        raise (
            Invalid(N_("Must not be negative."))
            if minimum == 0
            else Invalid(N_("Must be between %(min)s and %(max)s."), min=minimum, max=maximum)
        )
    if number > maximum:
        raise Invalid(N_("Must be between %(min)s and %(max)s."), min=minimum, max=f"{maximum:g}")
    if integer:
        if number != int(number):
            raise Invalid(N_("Must be a whole number."))
        return int(number)
    return number


def parse_choice(raw: Any, options, *, required: bool = False) -> str | None:
    text = "" if raw is None else str(raw).strip()
    if not text:
        if required:
            raise Invalid(N_("This field is required."))
        return None
    if text not in options:
        raise Invalid(N_("Choose one of: %(options)s."), options=", ".join(options))
    return text


def parse_date(raw: Any, *, today: date | None = None) -> date | None:
    if isinstance(raw, date):
        value = raw if type(raw) is date else raw.date()  # type: ignore[attr-defined]
    else:
        text = "" if raw is None else str(raw).strip()
        if not text:
            return None
        try:
            value = date.fromisoformat(text[:10]) if len(text) in (10, 19) else date.fromisoformat(text)
        except ValueError:
            raise Invalid(N_("Enter a date as YYYY-MM-DD.")) from None
    if today is not None and value > today:
        raise Invalid(N_("The date cannot be in the future."))
    if value.year < 1990:
        raise Invalid(N_("The date is too far in the past."))
    return value


def parse_email(raw: Any) -> str | None:
    text = clean_text(raw, max_len=200)
    if text is None:
        return None
    if not EMAIL_RE.match(text):
        raise Invalid(N_("Enter a valid email address."))
    return text


def parse_phone(raw: Any) -> str | None:
    text = clean_text(raw, max_len=40)
    if text is None:
        return None
    if not PHONE_RE.match(text):
        raise Invalid(N_("Enter a phone number using digits, spaces, dots, dashes and an optional leading +."))
    return text


def parse_geometry(raw: Any) -> dict | None:
    """Optional GeoJSON Polygon or MultiPolygon (text). Validity checked with shapely."""
    if isinstance(raw, dict):
        data = raw
    else:
        text = "" if raw is None else str(raw).strip()
        if not text:
            return None
        if len(text) > 200_000:
            raise Invalid(N_("The geometry is too large."))
        try:
            data = json.loads(text)
        except ValueError:
            raise Invalid(N_("Not valid GeoJSON (JSON could not be read).")) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise Invalid(N_("The geometry must be a GeoJSON Polygon or MultiPolygon."))
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    try:
        geom = shape(data)
    except Exception:  # shapely raises several types for malformed coordinates
        raise Invalid(N_("The polygon's coordinates are malformed.")) from None
    if geom.is_empty:
        raise Invalid(N_("The polygon is empty."))
    if not geom.is_valid:
        raise Invalid(N_("The polygon is not valid: %(reason)s."), reason=explain_validity(geom))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise Invalid(N_("Coordinates must be longitude, latitude in degrees (WGS 84)."))
    return {"type": data["type"], "coordinates": json.loads(json.dumps(data["coordinates"]))}


# --- typed values -------------------------------------------------------------------------------------


class ZoneUpdate(BaseModel):
    """Every staff-editable fact of a zone (the form sends all of them)."""

    name_vi: str
    name_en: str
    description_vi: str | None = None
    description_en: str | None = None
    infrastructure_vi: str | None = None
    infrastructure_en: str | None = None
    locality: str | None = None
    status: str
    total_area_ha: float | None = None
    industrial_land_ha: float | None = None
    wastewater_status: str | None = None
    wastewater_capacity_m3_day: float | None = None
    lat: float | None = None
    lon: float | None = None
    location_approximate: bool = True
    contact_org_vi: str | None = None
    contact_org_en: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    verified_on: date | None = None
    priority_sectors: list[str] = []


ZONE_SCALAR_FIELDS = tuple(f for f in ZoneUpdate.model_fields if f != "priority_sectors")


class PlotIn(BaseModel):
    code: str
    area_ha: float
    status: str
    price_amount: float | None = None
    price_currency: str | None = None
    price_unit: str | None = None
    geometry: dict | None = None


PLOT_FIELDS = tuple(PlotIn.model_fields)


def add_problems(errors: Errors, problems: list[Problem]) -> Errors:
    """Cross-field `Problem`s (shared with the importer) filed in a form's errors."""
    for p in problems:
        errors.add(p.field, p.message, **p.params)
    return errors


def parse_zone_form(
    raw: Mapping[str, Any], *, sectors: list[str], localities, known_sectors: set[str], today: date
) -> Parsed[ZoneUpdate]:
    """`raw` = the form's fields (strings); `sectors` = the codes ticked."""

    def txt(max_len, required=False):
        return lambda v: clean_text(v, required=required, max_len=max_len)

    parsers = {
        "name_vi": txt(200, True),
        "name_en": txt(200, True),
        "description_vi": txt(4000),
        "description_en": txt(4000),
        "infrastructure_vi": txt(4000),
        "infrastructure_en": txt(4000),
        "locality": lambda v: parse_choice(v, list(localities)),
        "status": lambda v: parse_choice(v, [s.value for s in ZoneStatus], required=True),
        "total_area_ha": lambda v: parse_number(v),
        "industrial_land_ha": lambda v: parse_number(v),
        "wastewater_status": lambda v: parse_choice(v, [s.value for s in WastewaterStatus]),
        "wastewater_capacity_m3_day": lambda v: parse_number(v, maximum=MAX_CAPACITY_M3_DAY),
        "lat": lambda v: parse_number(v, minimum=-90, maximum=90),
        "lon": lambda v: parse_number(v, minimum=-180, maximum=180),
        "location_approximate": lambda v: str(v or "") in ("1", "on", "true", "yes"),
        "contact_org_vi": txt(200),
        "contact_org_en": txt(200),
        "contact_phone": parse_phone,
        "contact_email": parse_email,
        "verified_on": lambda v: parse_date(v, today=today),
    }
    errors = Errors()
    values = collect(raw, parsers, errors)
    typed: dict[str, Any] = kept(raw, parsers)
    typed["priority_sectors"] = list(sectors)
    unknown = [c for c in sectors if c not in known_sectors]
    if unknown:
        errors.add("priority_sectors", N_("Unknown sector code: %(code)s."), code=unknown[0])
    if not errors:
        add_problems(errors, zone_consistency(values))
    if errors:
        return Parsed(typed, None, errors)
    values["priority_sectors"] = sorted(dict.fromkeys(sectors))
    return Parsed(typed, ZoneUpdate(**values), errors)


def zone_consistency(values: Mapping[str, Any]) -> list[Problem]:
    """Cross-field checks shared by the form and the zone-facts import."""
    problems = []
    total, industrial = values.get("total_area_ha"), values.get("industrial_land_ha")
    if total is not None and industrial is not None and industrial > total:
        problems.append(Problem("industrial_land_ha", N_("Industrial land cannot exceed the total area.")))
    if (values.get("lat") is None) != (values.get("lon") is None):
        name = "lon" if values.get("lon") is None else "lat"
        problems.append(Problem(name, N_("Enter both latitude and longitude, or neither.")))
    return problems


def plot_parsers() -> dict[str, Any]:
    return {
        "code": _plot_code,
        "area_ha": lambda v: parse_number(v, positive=True, required=True),
        "status": lambda v: parse_choice(v, [s.value for s in PlotStatus], required=True),
        "price_amount": lambda v: parse_number(v, maximum=MAX_PRICE),
        "price_currency": lambda v: parse_choice(v, CURRENCIES),
        "price_unit": lambda v: parse_choice(v, list(PRICE_UNITS)),
        "geometry": parse_geometry,
    }


def _plot_code(v: Any) -> str:
    text = clean_text(v, required=True, max_len=40)
    assert text is not None
    if not PLOT_CODE_RE.match(text):
        raise Invalid(N_("Use letters, digits and . _ / - only (starting with a letter or digit)."))
    return text


def plot_consistency(values: Mapping[str, Any]) -> list[Problem]:
    problems = []
    if values.get("price_amount") is not None:
        for name in ("price_currency", "price_unit"):
            if not values.get(name):
                problems.append(Problem(name, N_("Required when a price is given.")))
    elif values.get("price_currency") or values.get("price_unit"):
        problems.append(Problem("price_amount", N_("Enter the price, or leave currency and unit empty.")))
    return problems


def parse_plot_form(raw: Mapping[str, Any]) -> Parsed[PlotIn]:
    errors = Errors()
    values = collect(raw, plot_parsers(), errors)
    if not errors:
        add_problems(errors, plot_consistency(values))
    if errors:
        return Parsed(kept(raw, PLOT_FIELDS), None, errors)
    return Parsed(kept(raw, PLOT_FIELDS), PlotIn(**values), errors)
