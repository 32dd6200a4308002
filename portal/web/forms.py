"""The forms kernel: how every domain reads a submitted form and reports what is wrong with it.

A form is read into `values` (the raw strings, kept to re-fill the form: nothing typed is lost on a
refused form) and checked into a typed value; each problem is a `FieldError` (an English msgid with its
parameters) filed under the form field it belongs to in an `Errors`, translated only when the page is
rendered (`errors.localize(lang)` → `{field: [text, ...]}`, what the macros of `templates/forms.html`
show next to each field).

    def parse_thing(form) -> Parsed[Thing]:
        values = read(form, single=("name", "email"))
        errors = Errors()
        if not values["name"]:
            errors.add("name", N_("Enter a name."))
        thing = validate(Thing, values, errors, message=thing_message) if not errors else None
        return Parsed(values, thing, errors)

Field by field there are two ways to check, both ending in the same `Errors`:
- a pydantic model (`validate`): its `ValidationError` entries become `FieldError`s, each message
  chosen by a domain's `message(name, kind, ctx, input)` (default `default_message`), and a model field
  can be shown under another form field (`where`);
- parsers raising `Invalid(msgid, **params)` run over the raw values (`collect`), as the staff forms and
  the spreadsheet importer do for each cell.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError

from portal.i18n import N_, fmt_number, translate
from portal.numbers import parse_decimal

MAX_FIELD_CHARS = 6000
M = TypeVar("M")
B = TypeVar("B", bound=BaseModel)
TRUE_VALUES = ("1", "on", "yes", "true")


@dataclass(frozen=True)
class FieldError:
    """One problem of one field: an English msgid and its parameters, translated when shown."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        params: dict[str, Any] = {}
        for key, value in self.params.items():
            if isinstance(value, bool):
                pass
            elif isinstance(value, int | float):
                value = fmt_number(value, lang, 0)
            elif isinstance(value, list):  # msgids to translate and join
                value = ", ".join(translate(lang, item) for item in value)
            params[key] = value
        return translate(lang, self.message, **params)


class Errors(dict[str, list[FieldError]]):
    """Form field → its problems, in the order found (a problem is listed once)."""

    @classmethod
    def one(cls, name: str, message: str, /, **params: Any) -> Errors:
        """The errors of a form refused for one reason (a service's refusal naming its field)."""
        errors = cls()
        errors.add(name, message, **params)
        return errors

    def add(self, name: str, message: str, /, **params: Any) -> None:
        items = self.setdefault(name, [])
        error = FieldError(message, params)
        if error not in items:
            items.append(error)

    def merge(self, other: Mapping[str, Iterable[FieldError]]) -> Errors:
        for name, items in other.items():
            for error in items:
                self.add(name, error.message, **error.params)
        return self

    def localize(self, lang: str) -> dict[str, list[str]]:
        """What the form macros show: every problem of each field, in the page's language."""
        return {name: [e.text(lang) for e in items] for name, items in self.items() if items}

    def first(self, name: str) -> FieldError | None:
        items = self.get(name) or []
        return items[0] if items else None

    def messages(self) -> dict[str, str]:
        """{field: msgid} of the first problem of each field (for callers that keep only msgids)."""
        return {name: items[0].message for name, items in self.items() if items}


@dataclass
class Parsed(Generic[M]):
    """A read form: `values` always (to re-render it as typed), `value` only when there are no errors."""

    values: dict[str, Any]
    value: M | None = None
    errors: Errors = field(default_factory=Errors)

    @property
    def ok(self) -> bool:
        return not self.errors and self.value is not None


class Invalid(ValueError):
    """Raised by a field parser: the msgid and parameters of what is wrong with the value."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


# --- reading fields ------------------------------------------------------------------------------------


def text(form: Any, name: str, limit: int = MAX_FIELD_CHARS, *, strip: bool = True) -> str:
    """One field as a string: '' when absent or not text (an uploaded file), cut at `limit`."""
    raw = form.get(name)
    if not isinstance(raw, str):
        return ""
    return (raw.strip() if strip else raw)[:limit]


def texts(form: Any, name: str, *, limit: int = 20, most: int = 50) -> list[str]:
    """A repeated field (checkboxes, a multiple select): its non-empty strings, each once, in order."""
    items = [v.strip()[:limit] for v in form.getlist(name) if isinstance(v, str) and v.strip()]
    return list(dict.fromkeys(items))[:most]


def checked(form: Any, name: str) -> bool:
    """A checkbox: ticked when its value is one browsers or people send for "yes"."""
    return text(form, name, 8).lower() in TRUE_VALUES


def read(form: Any, *, single: Iterable[str], multi: Iterable[str] = ()) -> dict[str, Any]:
    """Raw values: stripped strings (cut at a sane length) for `single`, lists of strings for `multi`."""
    values: dict[str, Any] = {name: text(form, name) for name in single}
    for name in multi:
        values[name] = texts(form, name)
    return values


def number(values: Mapping[str, Any], name: str, errors: Errors, *, whole: bool = False) -> float | int | None:
    """A number typed by a person (decimal comma or dot, spaces ignored); None when empty."""
    raw = (values.get(name) or "").replace("\u00a0", "").replace(" ", "")
    if not raw:
        return None
    try:
        value = parse_decimal(raw)
    except ValueError:
        errors.add(name, N_("Enter a whole number.") if whole else N_("Enter a number."))
        return None
    if whole:
        if value != int(value):
            errors.add(name, N_("Enter a whole number."))
            return None
        return int(value)
    return value


def yes_no(values: Mapping[str, Any], name: str, errors: Errors) -> bool | None:
    """A yes/no select: None when not stated."""
    raw = values.get(name) or ""
    if raw == "":
        return None
    if raw in ("yes", "no"):
        return raw == "yes"
    errors.add(name, N_("Choose one of the options."))
    return None


def choice(values: Mapping[str, Any], name: str) -> str | None:
    """Empty = not stated; anything else goes to the model, which checks it against the allowed values."""
    raw = values.get(name) or ""
    return raw or None


def idempotency_key(raw: str | None) -> str | None:
    """The form's key if it is a UUID (as the GET put it there), else None."""
    try:
        return str(uuid.UUID(raw or ""))
    except ValueError:
        return None


def new_key() -> str:
    return str(uuid.uuid4())


def version(form: Any, name: str = "version") -> int:
    """The record version an edit form was opened at (compare-and-set); a missing or forged one is a 400."""
    raw = text(form, name, 20)
    if not raw.isdigit():
        raise HTTPException(status_code=400)
    return int(raw)


def kept(raw: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """The raw values of `names` as strings, to re-fill the form."""
    return {k: ("" if raw.get(k) is None else str(raw.get(k))) for k in names}


# --- parsers raising Invalid -----------------------------------------------------------------------------


def collect(raw: Mapping[str, Any], parsers: Mapping[str, Callable[[Any], Any]], errors: Errors) -> dict[str, Any]:
    """Each parser over its raw value: the parsed values; each `Invalid` added to `errors`."""
    values: dict[str, Any] = {}
    for name, parser in parsers.items():
        try:
            values[name] = parser(raw.get(name))
        except Invalid as err:
            errors.add(name, err.message, **err.params)
    return values


# --- pydantic models -------------------------------------------------------------------------------------

#: a domain's choice of message for one pydantic error: (model field, error type, ctx, input) → (msgid, params)
Message = Callable[[str, str, Mapping[str, Any], Any], tuple[str, dict[str, Any]]]
TEXT_LIMIT_TYPES = {"string_too_long", "too_long"}
RANGE_TYPES = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def is_missing(kind: str, ctx: Mapping[str, Any], value: Any) -> bool:
    """A pydantic error that means the field was left empty."""
    return (
        kind == "missing"
        or (value is None and kind.endswith("_type"))
        or (kind == "string_too_short" and ctx.get("min_length") == 1)
    )


def default_message(name: str, kind: str, ctx: Mapping[str, Any], value: Any) -> tuple[str, dict[str, Any]]:
    """The messages every form shares for pydantic's error types."""
    if is_missing(kind, ctx, value):
        return N_("This field is required."), {}
    if kind in TEXT_LIMIT_TYPES:
        return N_("Too long: at most %(max)s characters."), {"max": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        return N_("Too short."), {}
    if kind in ("literal_error", "enum", "bool_parsing", "bool_type"):
        return N_("Choose one of the options."), {}
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return N_("Enter a number."), {}
    return N_("This value is not valid."), {}


def from_validation(
    exc: ValidationError,
    errors: Errors,
    *,
    message: Message = default_message,
    where: Callable[[tuple[Any, ...]], tuple[str, str]] | None = None,
) -> Errors:
    """Each pydantic error as a `FieldError`. `where(loc)` → (name for `message`, form field shown under);
    by default the first part of the location names both."""
    for err in exc.errors():
        loc = tuple(err.get("loc") or ())
        if where is not None:
            name, target = where(loc)
        else:
            name = target = str(loc[0]) if loc else "__all__"
        msgid, params = message(name, err.get("type", ""), err.get("ctx") or {}, err.get("input"))
        errors.add(target, msgid, **params)
    return errors


def validate(
    model: type[B],
    payload: Mapping[str, Any],
    errors: Errors,
    *,
    message: Message = default_message,
    where: Callable[[tuple[Any, ...]], tuple[str, str]] | None = None,
    context: Mapping[str, Any] | None = None,
) -> B | None:
    """The model, or None with its problems added to `errors`."""
    try:
        return model.model_validate(dict(payload), context=dict(context) if context else None)
    except ValidationError as exc:
        from_validation(exc, errors, message=message, where=where)
        return None
