"""Request models of the review pages. Their fields are all text, so the model itself keeps what was
typed: each `parse(form)` returns (model, the forms kernel's `Errors`); the route re-renders the form
with the model and each message (localized) next to its field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from portal.i18n import N_
from portal.numbers import parse_decimal
from portal.review.workflow import OPEN, STATE_LABELS, State
from portal.screening import VERDICTS
from portal.web.forms import Errors, checked, text

MAX_TEXT = 5000
MAX_COMMENT = 5000
MAX_AGE_DAYS = 3650
PER_PAGE = 25
OPEN_STATES = tuple(str(s) for s in State if s in OPEN)  # in the workflow's order
QUEUE_SORTS = ("submitted", "reference", "company", "zone", "verdict", "status", "clock", "assignee")
SECTOR_RE = re.compile(r"^\d{4,5}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _text(form: Mapping[str, Any], name: str, limit: int = MAX_TEXT + 1) -> str:
    return text(form, name, limit)


def _check_length(errors: Errors, field: str, value: str, limit: int = MAX_TEXT) -> None:
    if len(value) > limit:
        errors.add(field, N_("This text is too long (at most 5000 characters)."))


class BilingualText(BaseModel):
    """A text the investor will read: entered in both languages so each investor sees their own."""

    text_vi: str = ""
    text_en: str = ""
    template: str = ""

    @classmethod
    def parse(
        cls,
        form: Mapping[str, Any],
        *,
        missing_vi: str = N_("Enter the text in Vietnamese."),
        missing_en: str = N_("Enter the text in English."),
    ) -> tuple[BilingualText, Errors]:
        data = cls(text_vi=_text(form, "text_vi"), text_en=_text(form, "text_en"), template=_text(form, "template", 80))
        errors = Errors()
        if not data.text_vi:
            errors.add("text_vi", missing_vi)
        if not data.text_en:
            errors.add("text_en", missing_en)
        _check_length(errors, "text_vi", data.text_vi)
        _check_length(errors, "text_en", data.text_en)
        return data, errors


class DecisionForm(BilingualText):
    outcome: str = ""
    land_ha: float | None = None
    land_raw: str = ""
    zone_id: int | None = None

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> tuple[DecisionForm, Errors]:  # type: ignore[override]
        text, errors = BilingualText.parse(
            form,
            missing_vi=N_("A decision needs its reason in Vietnamese."),
            missing_en=N_("A decision needs its reason in English."),
        )
        outcome = _text(form, "outcome", 16)
        if outcome not in ("accept", "refuse"):
            errors.add("outcome", N_("Choose accept or refuse."))
        land_raw = _text(form, "land_ha", 40)
        land = None
        if land_raw:
            try:
                land = parse_decimal(land_raw)
            except ValueError:
                land = None
            if land is None or not (0 <= land <= 10_000) or land != land:
                errors.add("land_ha", N_("Enter the land in hectares (a number from 0 to 10,000), or leave it empty."))
                land = None
        zone_raw = _text(form, "zone_id", 12)
        zone_id = int(zone_raw) if zone_raw.isdigit() else None
        return cls(**text.model_dump(), outcome=outcome, land_ha=land, land_raw=land_raw, zone_id=zone_id), errors


class CommentForm(BaseModel):
    text: str = ""

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> tuple[CommentForm, Errors]:
        data = cls(text=_text(form, "text", MAX_COMMENT + 1))
        errors = Errors()
        if not data.text:
            errors.add("comment", N_("Write the comment."))
        _check_length(errors, "comment", data.text, MAX_COMMENT)
        return data, errors


class AssignForm(BaseModel):
    screener_id: int | None = None

    @classmethod
    def parse(cls, form: Mapping[str, Any], *, me: int) -> tuple[AssignForm, Errors]:
        raw = _text(form, "screener_id", 20)
        if raw in ("", "me"):
            return cls(screener_id=me), Errors()
        if not raw.isdigit():
            return cls(), Errors.one("screener_id", N_("Choose a screener."))
        return cls(screener_id=int(raw)), Errors()


class AnswerForm(BaseModel):
    """The investor's answer to an information request (one text, in the investor's own words)."""

    text: str = ""

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> tuple[AnswerForm, Errors]:
        data = cls(text=_text(form, "text"))
        errors = Errors()
        if not data.text:
            errors.add("answer", N_("Write your answer."))
        _check_length(errors, "answer", data.text)
        return data, errors


class InvestorWithdrawForm(BaseModel):
    reason: str = ""
    confirm: bool = False

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> tuple[InvestorWithdrawForm, Errors]:
        data = cls(reason=_text(form, "reason"), confirm=checked(form, "confirm"))
        errors = Errors()
        if not data.confirm:
            errors.add("withdraw_confirm", N_("Tick the box to confirm that you withdraw the proposal."))
        _check_length(errors, "withdraw_reason", data.reason)
        return data, errors


# --- the queue's filters -----------------------------------------------------------------------------


class QueueFilters(BaseModel):
    status: list[str] = []
    verdict: list[str] = []
    zone: str | None = None
    sector: str | None = None
    older_than: int | None = None
    assignee: str | None = None  # "me", "none", "mine_or_none" or a user id
    q: str | None = None  # words searched in reference, company, e-mail, project and sector names
    sort: str = "submitted"  # a key of portal.review.service.SORTS
    direction: str = "asc"  # asc | desc
    page: int = 1

    def query_items(self, *, sort: bool = True) -> list[tuple[str, str]]:
        """The filters as query parameters (the pager's and the export's links keep them)."""
        items: list[tuple[str, str]] = [("applied", "1")]
        items += [("status", s) for s in self.status]
        items += [("verdict", v) for v in self.verdict]
        for key in ("zone", "sector", "older_than", "assignee", "q"):
            value = getattr(self, key)
            if value not in (None, ""):
                items.append((key, str(value)))
        if sort:
            items += [("sort", self.sort), ("dir", self.direction)]
        return items

    def sorted_by(self, key: str) -> list[tuple[str, str]]:
        """The query of this view sorted by `key` (the other direction when it is already sorted so)."""
        direction = "desc" if self.sort == key and self.direction == "asc" else "asc"
        return [*self.query_items(sort=False), ("sort", key), ("dir", direction)]

    @classmethod
    def parse(cls, items: list[tuple[str, str]]) -> tuple[QueueFilters, Errors]:
        """Unknown values are dropped with a message; the queue still answers (never a 500).

        With no filter in the query (a first visit: the form always sends `applied=1`), the view is the
        work queue: open cases assigned to me or to nobody."""
        errors = Errors()
        data: dict[str, Any] = {"status": [], "verdict": []}
        keys = {key for key, raw in items if raw.strip()}
        if not keys & {"applied", "status", "verdict", "zone", "sector", "older_than", "assignee", "q"}:
            data = {"status": list(OPEN_STATES), "verdict": [], "assignee": "mine_or_none"}
        for key, raw in items:
            value = raw.strip()
            if not value:
                continue
            if key == "q":
                data["q"] = " ".join(value.split())[:100] or None
            elif key == "sort":
                if value in QUEUE_SORTS:
                    data["sort"] = value
                else:
                    errors.add("sort", N_("Unknown sort order; it was ignored."))
            elif key == "dir":
                data["direction"] = "desc" if value == "desc" else "asc"
            elif key == "status":
                if value in STATE_LABELS:
                    data["status"].append(value)
                else:
                    errors.add("status", N_("Unknown status; it was ignored."))
            elif key == "verdict":
                if value in VERDICTS:
                    data["verdict"].append(value)
                else:
                    errors.add("verdict", N_("Unknown screening verdict; it was ignored."))
            elif key == "zone":
                if SLUG_RE.match(value) and len(value) <= 100:
                    data["zone"] = value
                else:
                    errors.add("zone", N_("Unknown zone; it was ignored."))
            elif key == "sector":
                if SECTOR_RE.match(value):
                    data["sector"] = value
                else:
                    errors.add("sector", N_("A sector is a VSIC code of 4 or 5 digits; it was ignored."))
            elif key == "older_than":
                if value.isdigit() and int(value) <= MAX_AGE_DAYS:
                    data["older_than"] = int(value)
                else:
                    errors.add("older_than", N_("Enter a whole number of days from 0 to 3650; it was ignored."))
            elif key == "assignee":
                if value in ("me", "none", "mine_or_none") or (value.isdigit() and len(value) < 12):
                    data["assignee"] = value
                else:
                    errors.add("assignee", N_("Unknown assignee; it was ignored."))
            elif key == "page":
                data["page"] = int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1
        data["status"] = list(dict.fromkeys(data["status"]))
        data["verdict"] = list(dict.fromkeys(data["verdict"]))
        return cls(**data), errors
