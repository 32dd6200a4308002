"""HTML form plumbing shared by the pre-check, land matching and proposal pages.

A form is read into `values` (the raw strings, kept to re-fill the form) and a `payload` for the request
model; numbers are parsed here (a comma is a decimal separator too); validation errors become
`FieldError`s (an English msgid + parameters) keyed by the form field they belong to, translated when
the page is rendered.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from portal.i18n import N_, fmt_number, translate
from portal.intake.labels import CAPACITY_PER as PER_LABELS
from portal.intake.labels import CAPACITY_UNITS as UNIT_LABELS
from portal.intake.labels import OUTSIDE
from portal.numbers import parse_decimal
from portal.screening import service as screening

MAX_FIELD_CHARS = 6000
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FieldError:
    message: str  # English msgid
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        params: dict[str, Any] = {}
        for key, value in self.params.items():
            if isinstance(value, int | float):
                value = fmt_number(value, lang, 0)
            elif isinstance(value, list):  # msgids to translate and join
                value = ", ".join(translate(lang, item) for item in value)
            params[key] = value
        return translate(lang, self.message, **params)


Errors = dict[str, list[FieldError]]


def add(errors: Errors, target: str, message: str, /, **params: Any) -> None:
    items = errors.setdefault(target, [])
    error = FieldError(message, params)
    if error not in items:
        items.append(error)


def localize(errors: Errors, lang: str) -> dict[str, list[str]]:
    return {name: [e.text(lang) for e in items] for name, items in errors.items()}


# --- reading fields ------------------------------------------------------------------------------------


def read(form: Any, *, single: Iterable[str], multi: Iterable[str] = ()) -> dict[str, Any]:
    """Raw values: stripped strings (cut at a sane length) for `single`, lists of strings for `multi`."""
    values: dict[str, Any] = {}
    for name in single:
        raw = form.get(name)
        values[name] = raw.strip()[:MAX_FIELD_CHARS] if isinstance(raw, str) else ""
    for name in multi:
        items = [v.strip()[:20] for v in form.getlist(name) if isinstance(v, str) and v.strip()]
        values[name] = list(dict.fromkeys(items))[:50]
    return values


def number(values: Mapping[str, Any], name: str, errors: Errors, *, whole: bool = False) -> float | int | None:
    raw = (values.get(name) or "").replace("\u00a0", "").replace(" ", "")
    if not raw:
        return None
    try:
        value = parse_decimal(raw)
    except ValueError:
        add(errors, name, N_("Enter a whole number.") if whole else N_("Enter a number."))
        return None
    if whole:
        if value != int(value):
            add(errors, name, N_("Enter a whole number."))
            return None
        return int(value)
    return value


def yes_no(values: Mapping[str, Any], name: str, errors: Errors) -> bool | None:
    raw = values.get(name) or ""
    if raw == "":
        return None
    if raw in ("yes", "no"):
        return raw == "yes"
    add(errors, name, N_("Choose one of the options."))
    return None


def choice(values: Mapping[str, Any], name: str) -> str | None:
    """Empty = not stated; anything else goes to the model, which checks it against the allowed values."""
    raw = values.get(name) or ""
    return raw or None


def location(values: Mapping[str, Any]) -> dict[str, Any]:
    """The zone select: a zone slug → that zone (inside a zone); `_outside` → outside any zone; empty →
    "help me choose" (the plant will be in some zone, not chosen yet)."""
    raw = values.get("location") or ""
    if raw == OUTSIDE:
        return {"zone": None, "inside_zone": False}
    if raw == "":
        return {"zone": None, "inside_zone": True}
    return {"zone": raw, "inside_zone": True}


def idempotency_key(raw: str | None) -> str | None:
    """The form's key if it is a UUID (as the GET put it there), else None."""
    try:
        return str(uuid.UUID(raw or ""))
    except ValueError:
        return None


def new_key() -> str:
    return str(uuid.uuid4())


def validate(model: type[M], payload: Mapping[str, Any], errors: Errors) -> M | None:
    """The model, or None with its problems added to `errors`."""
    try:
        return model.model_validate(dict(payload))
    except ValidationError as exc:
        from_validation(exc, errors)
        return None


def check_codes(session: Any, payload: Mapping[str, Any], errors: Errors) -> None:
    """Sector codes and the zone slug against the database, even when other fields failed."""
    sectors = [c for c in payload.get("sectors") or [] if isinstance(c, str)]
    zone = payload.get("zone") if "location" not in errors else None
    system = payload.get("classification") if payload.get("classification") in ("vsic-2025", "vsic-2018") else None
    try:
        screening.check_codes(session, sectors=sectors, zone=zone, system=system or "vsic-2025")
    except ValidationError as exc:
        from_validation(exc, errors)


def capacity(values: Mapping[str, Any], errors: Errors) -> dict[str, Any] | None:
    """The capacity fields as the request model's `capacity`, or None when no amount is given."""
    amount = number(values, "capacity_amount", errors)
    days = number(values, "operating_days", errors, whole=True)
    unit = values.get("capacity_unit") or None
    if amount is None:
        if unit and "capacity_amount" not in errors:
            add(errors, "capacity_amount", N_("Enter the capacity for this unit."))
        return None
    if not unit:
        add(errors, "capacity_unit", N_("Choose the unit of the capacity."))
        return None
    per = values.get("capacity_per") or None
    return {"amount": amount, "unit": unit, "per": None if per == "none" else per, "operating_days": days}


def suggestions(exc_errors: Errors) -> list[str]:
    """The classes the sector errors name (to offer them as choices on the page)."""
    codes: list[str] = []
    for error in exc_errors.get("sectors", []):
        for code in error.params.get("options_list", ()):
            if code not in codes:
                codes.append(code)
    return codes


# --- validation errors → messages ----------------------------------------------------------------------

#: (msgid, params) for an out-of-range number, per field.
RANGES: dict[str, tuple[str, dict[str, Any]]] = {
    "land_ha": (N_("Enter an area between %(min)s and %(max)s ha."), {"min": 0, "max": 10_000}),
    "wastewater_m3_day": (N_("Enter a volume between %(min)s and %(max)s m³ a day."), {"min": 0, "max": 1_000_000}),
    "jobs": (N_("Enter a number of jobs between %(min)s and %(max)s."), {"min": 0, "max": 1_000_000}),
    "capital_amount": (N_("Enter an amount of 0 or more."), {}),
}
#: Where a model field's error is shown in the form.
FORM_FIELD = {"zone": "location", "inside_zone": "location"}
TEXT_LIMIT_TYPES = {"string_too_long", "too_long"}
RANGE_TYPES = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def _year_range() -> tuple[str, dict[str, Any]]:
    return N_("Enter a year between %(min)s and %(max)s."), {"min": "1900", "max": str(date.today().year)}


CAPACITY_FIELD = {"amount": "capacity_amount", "unit": "capacity_unit", "per": "capacity_per"}


def from_validation(exc: ValidationError, errors: Errors) -> Errors:
    for err in exc.errors():
        loc = err.get("loc") or ()
        name = str(loc[0]) if loc else "__all__"
        target = FORM_FIELD.get(name, name)
        if name == "capacity":
            sub = str(loc[1]) if len(loc) > 1 else "amount"
            target = CAPACITY_FIELD.get(sub, sub)
            name = target
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        message, params = _message(name, kind, ctx, err.get("input"))
        add(errors, target, message, **params)
    return errors


def _message(name: str, kind: str, ctx: Mapping[str, Any], value: Any) -> tuple[str, dict[str, Any]]:
    if name == "sectors":
        options = list(ctx.get("options") or [])
        shown = {"code": str(value)[:40], "options": ", ".join(options), "options_list": tuple(options)}
        if kind == "unknown_sector":
            if options:
                return N_("Unknown sector code: %(code)s. Closest classes: %(options)s."), shown
            return N_("Unknown sector code: %(code)s."), shown
        if kind == "not_a_code":
            if options:
                return N_("“%(code)s” is not a VSIC code. Classes that match it: %(options)s; choose one below."), shown
            return N_("“%(code)s” is not a VSIC code, and no class name matches it."), shown
        if kind == "ambiguous_sector":
            return N_("VSIC 2018 code %(code)s now covers several VSIC 2025 classes: %(options)s. Choose one."), shown
        if kind == "mixed_classification":
            return N_("%(code)s belongs to the other VSIC system (%(options)s); use one system for every code."), shown
        if kind == "string_pattern_mismatch":
            return N_("Unknown sector code: %(code)s."), shown
        if kind in ("too_short", "missing"):
            return N_("Choose at least one sector."), {}
        if kind == "too_long":
            return N_("Choose at most %(max)s sectors."), {"max": 20}
    if name in ("zone", "inside_zone"):
        if kind == "unknown_zone" or kind == "string_pattern_mismatch":
            return N_("Choose a zone from the list."), {}
        return N_("A plant outside every zone cannot have a desired zone."), {}
    if (
        kind == "missing"
        or (value is None and kind.endswith("_type"))
        or (kind == "string_too_short" and ctx.get("min_length") == 1)
    ):
        return N_("This field is required."), {}
    if name == "equipment_year" and (kind in RANGE_TYPES or kind == "value_error"):
        return _year_range()
    if name == "capacity_unit" and kind == "capacity_unit":
        units = [UNIT_LABELS.get(u.strip(), u.strip()) for u in str(ctx.get("units", "")).split(",") if u.strip()]
        return N_("The Appendix II row of this sector counts capacity in: %(units)s."), {"units": units}
    if name == "operating_days" and kind == "operating_days_required":
        pers = [PER_LABELS.get(p, p) for p in str(ctx.get("row_per", "")).split("/") if p]
        return N_("Enter the operating days a year: the row counts capacity per %(per)s."), {"per": pers}
    if name == "operating_days" and kind in RANGE_TYPES:
        return N_("Enter a number of days between 1 and 366."), {}
    if name == "capacity_amount" and kind in ("value_error", *RANGE_TYPES):
        return N_("Enter a capacity above 0 that a plant can have, in a unit and period that fit each other."), {}
    if kind in RANGE_TYPES and name in RANGES:
        message, params = RANGES[name]
        return message, dict(params)
    if kind in TEXT_LIMIT_TYPES:
        return N_("Too long: at most %(max)s characters."), {"max": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        return N_("Too short."), {}
    if name == "contact_email":
        return N_("Enter a valid email address."), {}
    if name == "contact_phone":
        return N_("Enter a valid phone number (digits, spaces and + - ( ) only)."), {}
    if name == "capital_currency":
        return N_("Choose the currency of the amount."), {}
    if kind in ("literal_error", "enum", "bool_parsing", "bool_type"):
        return N_("Choose one of the options."), {}
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return N_("Enter a number."), {}
    return N_("This value is not valid."), {}
