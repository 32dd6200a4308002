"""The intake forms' own rules on the forms kernel (`portal.web.forms`): the pre-check, land matching
and proposal pages read their fields with the kernel's readers, and this module adds what only they
have (the zone select, the capacity fields, sector and zone codes checked against the database) and the
messages of their pydantic models (`message`, `where`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from portal import clock
from portal.i18n import N_
from portal.intake.labels import CAPACITY_PER as PER_LABELS
from portal.intake.labels import CAPACITY_UNITS as UNIT_LABELS
from portal.intake.labels import OUTSIDE
from portal.screening import service as screening
from portal.web import forms as kernel
from portal.web.forms import RANGE_TYPES, TEXT_LIMIT_TYPES, Errors, number

M = TypeVar("M", bound=BaseModel)


# --- the fields only intake has -----------------------------------------------------------------------


def location(values: Mapping[str, Any]) -> dict[str, Any]:
    """The zone select: a zone slug → that zone (inside a zone); `_outside` → outside any zone; empty →
    "help me choose" (the plant will be in some zone, not chosen yet)."""
    raw = values.get("location") or ""
    if raw == OUTSIDE:
        return {"zone": None, "inside_zone": False}
    if raw == "":
        return {"zone": None, "inside_zone": True}
    return {"zone": raw, "inside_zone": True}


def validate(model: type[M], payload: Mapping[str, Any], errors: Errors) -> M | None:
    """The model, or None with its problems added to `errors` (in the intake pages' words)."""
    return kernel.validate(model, payload, errors, message=message, where=where)


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
            errors.add("capacity_amount", N_("Enter the capacity for this unit."))
        return None
    if not unit:
        errors.add("capacity_unit", N_("Choose the unit of the capacity."))
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


def _year_range() -> tuple[str, dict[str, Any]]:
    return N_("Enter a year between %(min)s and %(max)s."), {"min": "1900", "max": str(clock.today().year)}


CAPACITY_FIELD = {"amount": "capacity_amount", "unit": "capacity_unit", "per": "capacity_per"}


def where(loc: tuple[Any, ...]) -> tuple[str, str]:
    """(the name `message` reads, the form field the error is shown under) of a model error's location."""
    name = str(loc[0]) if loc else "__all__"
    if name == "capacity":
        sub = str(loc[1]) if len(loc) > 1 else "amount"
        target = CAPACITY_FIELD.get(sub, sub)
        return target, target
    return name, FORM_FIELD.get(name, name)


def from_validation(exc: ValidationError, errors: Errors) -> Errors:
    return kernel.from_validation(exc, errors, message=message, where=where)


def message(name: str, kind: str, ctx: Mapping[str, Any], value: Any) -> tuple[str, dict[str, Any]]:
    """The intake pages' message for one model error; what they share with every form is the kernel's."""
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
    if kernel.is_missing(kind, ctx, value):
        return kernel.default_message(name, kind, ctx, value)
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
        msgid, params = RANGES[name]
        return msgid, dict(params)
    if kind in TEXT_LIMIT_TYPES or kind == "string_too_short":
        return kernel.default_message(name, kind, ctx, value)
    if name == "contact_email":
        return N_("Enter a valid email address."), {}
    if name == "contact_phone":
        return N_("Enter a valid phone number (digits, spaces and + - ( ) only)."), {}
    if name == "capital_currency":
        return N_("Choose the currency of the amount."), {}
    return kernel.default_message(name, kind, ctx, value)
