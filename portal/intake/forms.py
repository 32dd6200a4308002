"""HTML form plumbing shared by the pre-check, land matching and proposal pages.

A form is read into `values` (the raw strings, kept to re-fill the form) and a `payload` for the request
model; numbers are parsed here (a comma is a decimal separator too); validation errors become
`FieldError`s (an English msgid + parameters) keyed by the form field they belong to, translated when
the page is rendered.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from portal.i18n import N_, fmt_number, translate
from portal.intake.labels import OUTSIDE

MAX_FIELD_CHARS = 6000
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FieldError:
    message: str  # English msgid
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        params = {k: fmt_number(v, lang, 0) if isinstance(v, int | float) else v for k, v in self.params.items()}
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
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        add(errors, name, N_("Enter a whole number.") if whole else N_("Enter a number."))
        return None
    if not math.isfinite(value):
        add(errors, name, N_("Enter a number."))
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
    from portal.screening import service as screening

    sectors = [c for c in payload.get("sectors") or [] if isinstance(c, str) and c.isdigit() and len(c) in (4, 5)]
    zone = payload.get("zone") if "location" not in errors else None
    try:
        screening.check_codes(session, sectors=sectors, zone=zone)
    except ValidationError as exc:
        from_validation(exc, errors)


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


def from_validation(exc: ValidationError, errors: Errors) -> Errors:
    for err in exc.errors():
        loc = err.get("loc") or ()
        name = str(loc[0]) if loc else "__all__"
        target = FORM_FIELD.get(name, name)
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        message, params = _message(name, kind, ctx, err.get("input"))
        add(errors, target, message, **params)
    return errors


def _message(name: str, kind: str, ctx: Mapping[str, Any], value: Any) -> tuple[str, dict[str, Any]]:
    if name == "sectors":
        if kind in ("unknown_sector", "string_pattern_mismatch"):
            return N_("Unknown sector code: %(code)s."), {"code": str(value)[:20]}
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
