"""Form models for the account pages. Each form's `parse` returns the forms kernel's `Parsed` (values kept
without any password, the model when valid, `Errors` per field); the audit filter returns (filters, Errors)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel

from portal.accounts.models import ROLES, aware
from portal.i18n import N_
from portal.web.forms import Errors, Parsed, text

SECRETS = {"password", "current_password", "new_password", "confirm_password"}


def _text(form, name: str, limit: int = 500) -> str:
    return text(form, name, limit, strip=False)


def _parsed(data: BaseModel, errors: Errors) -> Parsed:
    """What a refused form shows again (never a password) and the model when nothing is wrong."""
    return Parsed(data.model_dump(exclude=SECRETS), None if errors else data, errors)


def _roles(form, errors: Errors) -> list[str]:
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    if any(r not in ROLES for r in roles):
        errors.add("roles", N_("Unknown role."))
    elif not roles:
        errors.add("roles", N_("Choose at least one role."))
    return roles


def safe_next(value: str | None) -> str | None:
    """Only a relative path on this site: starts with one '/', no '//' start, no backslash or control char."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or len(value) > 2000:
        return None
    return value


class LoginForm(BaseModel):
    email: str = ""
    password: str = ""
    next: str | None = None

    @classmethod
    def parse(cls, form) -> Parsed[LoginForm]:
        data = cls(
            email=_text(form, "email", 254).strip(),
            password=_text(form, "password", 1024),
            next=safe_next(_text(form, "next", 2000)),
        )
        errors = Errors()
        if not data.email:
            errors.add("email", N_("Enter your email address."))
        if not data.password:
            errors.add("password", N_("Enter your password."))
        return _parsed(data, errors)


class UserCreate(BaseModel):
    email: str = ""
    display_name: str = ""
    password: str = ""
    roles: list[str] = []

    @classmethod
    def parse(cls, form) -> Parsed[UserCreate]:
        errors = Errors()
        email = _text(form, "email", 254).strip()
        if not email:
            errors.add("email", N_("Enter an email address."))
        roles = _roles(form, errors)
        data = cls(
            email=email,
            display_name=_text(form, "display_name", 120).strip(),
            password=_text(form, "password", 1024),
            roles=roles,
        )
        return _parsed(data, errors)


class RolesUpdate(BaseModel):
    roles: list[str] = []

    @classmethod
    def parse(cls, form) -> Parsed[RolesUpdate]:
        errors = Errors()
        roles = _roles(form, errors)
        return _parsed(cls(roles=roles), errors)


class PasswordChange(BaseModel):
    current_password: str = ""
    new_password: str = ""
    confirm_password: str = ""

    @classmethod
    def parse(cls, form) -> Parsed[PasswordChange]:
        data = cls(
            current_password=_text(form, "current_password", 1024),
            new_password=_text(form, "new_password", 1024),
            confirm_password=_text(form, "confirm_password", 1024),
        )
        errors = Errors()
        if not data.current_password:
            errors.add("current_password", N_("Enter your current password."))
        if len(data.new_password) < 12:
            errors.add("new_password", N_("The password must have at least 12 characters."))
        elif data.new_password != data.confirm_password:
            errors.add("confirm_password", N_("The two passwords do not match."))
        return _parsed(data, errors)


VN_TZ_OFFSET = timedelta(hours=7)  # Vietnam: UTC+7, no daylight saving


class AuditFilter(BaseModel):
    """Audit page filters from the query string; dates are calendar days in Vietnam time."""

    actor_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def parse(cls, params) -> tuple[AuditFilter, Errors]:
        errors = Errors()

        def day(name: str) -> date | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors.add(name, N_("Enter a date as YYYY-MM-DD."))
                return None

        actor_raw = (params.get("actor") or "").strip()
        actor_id = None
        if actor_raw:
            if actor_raw.isdigit() and len(actor_raw) < 10:
                actor_id = int(actor_raw)
            else:
                errors.add("actor", N_("Choose a person from the list."))
        page_raw = (params.get("page") or "1").strip()
        page = int(page_raw) if page_raw.isdigit() and len(page_raw) < 6 else 1
        data = cls(
            actor_id=actor_id,
            action=(params.get("action") or "").strip()[:64],
            object_type=(params.get("object_type") or "").strip()[:64],
            object_id=(params.get("object_id") or "").strip()[:128],
            since=day("since"),
            until=day("until"),
            page=max(1, page),
        )
        if data.since and data.until and data.until < data.since:
            errors.add("until", N_("The end date is before the start date."))
        return data, errors

    @staticmethod
    def _start_of(day: date) -> datetime:
        return aware(datetime.combine(day, time.min)) - VN_TZ_OFFSET

    @property
    def since_at(self) -> datetime | None:
        return self._start_of(self.since) if self.since else None

    @property
    def until_at(self) -> datetime | None:
        """Exclusive bound: the start of the day after `until`."""
        return self._start_of(self.until + timedelta(days=1)) if self.until else None

    def query_items(self) -> list[tuple[str, str]]:
        items = []
        if self.actor_id is not None:
            items.append(("actor", str(self.actor_id)))
        for name in ("action", "object_type", "object_id"):
            if getattr(self, name):
                items.append((name, getattr(self, name)))
        if self.since:
            items.append(("since", self.since.isoformat()))
        if self.until:
            items.append(("until", self.until.isoformat()))
        return items


def local_time(value: datetime | None, lang: str) -> str | None:
    """A stored UTC time shown in Vietnam time (UTC+7), in the page's locale."""
    if value is None:
        return None
    from datetime import timezone

    from babel.dates import format_datetime

    return format_datetime(
        aware(value), format="short" if lang == "en" else "dd/MM/yyyy HH:mm", tzinfo=timezone(VN_TZ_OFFSET), locale=lang
    )


ROLE_LABELS = {"admin": N_("Administrator"), "staff": N_("Staff"), "screener": N_("Screener")}


def pretty_json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def page_helpers() -> dict:
    """Template helpers shared by the account and audit pages."""
    return {"role_labels": ROLE_LABELS, "local_time": local_time, "pretty_json": pretty_json}
