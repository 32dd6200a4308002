"""Public pre-check: `POST /api/v1/screening` (JSON) and `/{lang}/precheck` (the same as a form).
Nothing is stored."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from markupsafe import Markup, escape
from pydantic import ValidationError

from portal import clock
from portal.catalogue import labels as catalogue_labels
from portal.catalogue import service as catalogue
from portal.catalogue.models import Zone
from portal.db import SessionDep
from portal.i18n import Lang, get_translations
from portal.intake import forms, labels
from portal.screening import ScreeningFacts, service
from portal.web import forms as web_forms
from portal.web.formdata import FormDep
from portal.web.forms import Errors
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["screening"])

FACT_FIELDS = (
    "location",
    "classification",
    "capacity_amount",
    "capacity_unit",
    "capacity_per",
    "operating_days",
    "imports_scrap",
    "hazardous_waste_treatment",
    "equipment_imported",
    "sector_filter",
    "sensitive_none",
    "land_ha",
    "equipment_condition",
    "equipment_year",
    "technology_level",
    "treatment",
    "environmental_measures",
    "wastewater_m3_day",
    "hazardous_waste",
)


def body_errors(exc: ValidationError, where: str = "body") -> RequestValidationError:
    """A pydantic error raised after parsing, located in the body as FastAPI's own 422s are; `ctx` carries
    what the message names (e.g. the classes to choose from)."""
    errors = []
    for e in exc.errors():
        item = {"loc": (where, *e["loc"]), "msg": e["msg"], "type": e["type"]}
        if e.get("ctx"):
            item["ctx"] = {k: v for k, v in e["ctx"].items() if isinstance(v, str | int | float | list)}
        errors.append(item)
    return RequestValidationError(errors)


def query_errors(exc: ValidationError) -> RequestValidationError:
    return body_errors(exc, "query")


@api.post(
    "/screening",
    summary="Pre-check a project against the screening rules (nothing is stored)",
    responses={422: {"description": "A fact is invalid: unknown sector or zone, wrong value, absurd number"}},
)
def api_screening(
    facts: ScreeningFacts,
    session: SessionDep,
    lang: Literal["vi", "en"] = Query("vi", description="language of titles and messages"),
    as_of: date | None = Query(
        None, description="the date whose rules apply (default today): the regime in force then classifies the project"
    ),
) -> dict[str, Any]:
    day = as_of or clock.today()
    try:
        service.check_as_of(day)
    except ValidationError as exc:
        raise query_errors(exc) from None
    try:
        prepared = service.prepare(session, facts, as_of=day)
    except ValidationError as exc:
        raise body_errors(exc) from None
    return prepared.answer(prepared.screen(as_of=day), lang)


# --- the form ---------------------------------------------------------------------------------------------


def read_facts(form: Any, *, measures_as_text: bool = False) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    """Form → (values kept for the page, payload for ScreeningFacts, errors found while reading).
    With `measures_as_text` the environmental measures are a text (the proposal form) and left to the caller."""
    values = web_forms.read(form, single=FACT_FIELDS, multi=("sectors", "sensitive_factors"))
    errors: Errors = Errors()
    factors = values["sensitive_factors"]
    payload: dict[str, Any] = {
        "sectors": values["sectors"],
        "classification": values["classification"] or "vsic-2025",
        "capacity": forms.capacity(values, errors),
        "sensitive_factors": factors or ([] if values["sensitive_none"] == "yes" else None),
        "imports_scrap": web_forms.yes_no(values, "imports_scrap", errors),
        "hazardous_waste_treatment": web_forms.yes_no(values, "hazardous_waste_treatment", errors),
        "equipment_imported": web_forms.yes_no(values, "equipment_imported", errors),
        **forms.location(values),
        "land_ha": web_forms.number(values, "land_ha", errors),
        "equipment_condition": web_forms.choice(values, "equipment_condition"),
        "equipment_year": web_forms.number(values, "equipment_year", errors, whole=True),
        "technology_level": web_forms.choice(values, "technology_level"),
        "treatment": web_forms.choice(values, "treatment"),
        "environmental_measures": None
        if measures_as_text
        else web_forms.yes_no(values, "environmental_measures", errors),
        "wastewater_m3_day": web_forms.number(values, "wastewater_m3_day", errors),
        "hazardous_waste": web_forms.yes_no(values, "hazardous_waste", errors),
    }
    return values, payload, errors


#: the columns of a zone the location picker shows (rows, not zone objects)
ZONE_PICKER = (Zone.slug, Zone.kind, Zone.name_vi, Zone.name_en, Zone.status)


#: per language: (the sector tuple the options were built from, [(code, text before " selected", the rest)])
_OPTIONS: dict[str, tuple[object, list[tuple[str, str, str]]]] = {}


class SectorChoices:
    """Every sector (iterated as the per-generation `sector_infos` tuple), and the sector picker's ~500
    `<option>` lines built in Python (`options`): once per sector tuple and language, then only `selected`
    is put in per render (the template loop cost ~10 ms a page)."""

    def __init__(self, sectors: tuple, lang: str) -> None:
        self.sectors = sectors
        self.lang = lang

    def __iter__(self):
        return iter(self.sectors)

    def __len__(self) -> int:
        return len(self.sectors)

    def _rows(self) -> list[tuple[str, str, str]]:
        memo = _OPTIONS.get(self.lang)
        if memo is not None and memo[0] is self.sectors:
            return memo[1]
        gettext = get_translations(self.lang).gettext
        sensitive, priority = escape(gettext("environmentally sensitive")), escape(gettext("priority"))
        other = "en" if self.lang == "vi" else "vi"
        rows = []
        for s in self.sectors:
            keywords = " ".join(escape(k) for k in [getattr(s, f"name_{other}"), *(s.keywords or ())])
            note = f" ({sensitive})" if s.sensitive else f" ({priority})" if s.priority else ""
            code, name = escape(s.code), escape(getattr(s, f"name_{self.lang}"))
            rest = f' data-keywords="{keywords}">{code} — {name}{note}</option>\n'
            rows.append((s.code, f'  <option value="{code}"', rest))
        _OPTIONS[self.lang] = (self.sectors, rows)
        return rows

    def options(self, chosen) -> Markup:
        chosen = set(chosen or ())
        html = "".join(head + (" selected" if code in chosen else "") + rest for code, head, rest in self._rows())
        return Markup(html)  # noqa: S704  # every text in it went through escape() above


def form_context(
    session, lang: str, values: dict[str, Any] | None = None, errors: Errors | None = None, *, zones: bool = True
):
    """What the fact forms show: every class for the sector picker (plain data, read once per catalogue
    generation; or only those matching the filter box when the form was sent with Find), the zones for the
    location picker (`zones=False`: a form without one), and the classes the sector errors suggest."""
    values = values or {}
    matches = None
    if values.get("_filtering"):
        matches = service.matching_sectors(session, values.get("sector_filter") or "")
    return {
        "all_sectors": SectorChoices(catalogue.sector_infos(session), lang),
        "zones": catalogue.published_rows(session, *ZONE_PICKER) if zones else [],
        "labels": labels,
        "zone_labels": catalogue_labels,
        "sector_matches": matches,
        "suggestions": forms.suggestions(errors or {}),
    }


def filtering(form: Any, values: dict[str, Any]) -> bool:
    """The form was sent to filter the sector list (Find, or a filter text with no sector chosen)."""
    wanted = form.get("action") == "filter" or (bool(values.get("sector_filter")) and not values.get("sectors"))
    values["_filtering"] = wanted and bool(values.get("sector_filter"))
    return wanted


@router.get("/precheck")
def precheck_form(request: Request, lang: Lang, session: SessionDep):
    return render(
        request,
        lang,
        "screening/precheck.html",
        {"values": {}, "errors": {}, "result": None, **form_context(session, lang)},
    )


def run_precheck(session, form: Any, lang: str) -> tuple[dict, Errors, dict | None]:
    """Read the form, check and screen it: (values, errors, answer or None)."""
    values, payload, errors = read_facts(form)
    facts = forms.validate(ScreeningFacts, payload, errors)
    forms.check_codes(session, payload, errors)
    answer = None
    if facts is not None and not errors:
        try:
            prepared = service.prepare(session, facts)
        except ValidationError as exc:
            forms.from_validation(exc, errors)
        else:
            answer = prepared.answer(prepared.screen(), lang)
    return values, errors, answer


@router.post("/precheck")
def precheck_submit(request: Request, lang: Lang, session: SessionDep, form: FormDep):
    values, _payload, _errors = read_facts(form)
    if filtering(form, values):
        context = {"values": values, "errors": {}, "result": None, **form_context(session, lang, values)}
        return render(request, lang, "screening/precheck.html", context)
    values, errors, result = run_precheck(session, form, lang)
    return render(
        request,
        lang,
        "screening/precheck.html",
        {
            "values": values,
            "errors": errors.localize(lang),
            "result": result,
            **form_context(session, lang, values, errors),
        },
        status_code=422 if errors else 200,
    )


@router.post("/precheck/report")
def precheck_report(request: Request, lang: Lang, session: SessionDep, form: FormDep):
    """The pre-check as a printable report (nothing stored): the same form, sent to this address."""
    values, errors, result = run_precheck(session, form, lang)
    if result is None:
        context = {"values": values, "errors": errors.localize(lang), "result": None}
        return render(
            request,
            lang,
            "screening/precheck.html",
            {**context, **form_context(session, lang, values, errors)},
            status_code=422,
        )
    result = {
        **result,
        "as_of": date.fromisoformat(result["as_of"]),
        "ruleset": {**result["ruleset"], "effective_from": date.fromisoformat(result["ruleset"]["effective_from"])},
    }
    return render(
        request,
        lang,
        "screening/report.html",
        {"result": result, "labels": labels, "subject": None, "values": values},
        headers={"Cache-Control": "no-store"},
    )
