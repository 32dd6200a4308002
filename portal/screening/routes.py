"""Public pre-check: `POST /api/v1/screening` (JSON) and `/{lang}/precheck` (the same as a form).
Nothing is stored."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from portal.catalogue import labels as catalogue_labels
from portal.catalogue import service as catalogue
from portal.db import SessionDep
from portal.i18n import Lang
from portal.intake import forms, labels
from portal.screening import ScreeningFacts, service
from portal.web.formdata import FormDep
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)
api = APIRouter(tags=["screening"])

FACT_FIELDS = (
    "location",
    "land_ha",
    "equipment_condition",
    "equipment_year",
    "technology_level",
    "treatment",
    "environmental_measures",
    "wastewater_m3_day",
    "hazardous_waste",
)


def body_errors(exc: ValidationError) -> RequestValidationError:
    """A pydantic error raised after parsing, located in the body as FastAPI's own 422s are."""
    return RequestValidationError(
        [{"loc": ("body", *e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    )


@api.post(
    "/screening",
    summary="Pre-check a project against the screening rules (nothing is stored)",
    responses={422: {"description": "A fact is invalid: unknown sector or zone, wrong value, absurd number"}},
)
def api_screening(
    facts: ScreeningFacts,
    session: SessionDep,
    lang: Literal["vi", "en"] = Query("vi", description="language of titles and messages"),
) -> dict[str, Any]:
    try:
        prepared = service.prepare(session, facts)
    except ValidationError as exc:
        raise body_errors(exc) from None
    return prepared.screen().localized(lang)


# --- the form ---------------------------------------------------------------------------------------------


def read_facts(form: Any, *, measures_as_text: bool = False) -> tuple[dict[str, Any], dict[str, Any], forms.Errors]:
    """Form → (values kept for the page, payload for ScreeningFacts, errors found while reading).
    With `measures_as_text` the environmental measures are a text (the proposal form) and left to the caller."""
    values = forms.read(form, single=FACT_FIELDS, multi=("sectors",))
    errors: forms.Errors = {}
    payload: dict[str, Any] = {
        "sectors": values["sectors"],
        **forms.location(values),
        "land_ha": forms.number(values, "land_ha", errors),
        "equipment_condition": forms.choice(values, "equipment_condition"),
        "equipment_year": forms.number(values, "equipment_year", errors, whole=True),
        "technology_level": forms.choice(values, "technology_level"),
        "treatment": forms.choice(values, "treatment"),
        "environmental_measures": None if measures_as_text else forms.yes_no(values, "environmental_measures", errors),
        "wastewater_m3_day": forms.number(values, "wastewater_m3_day", errors),
        "hazardous_waste": forms.yes_no(values, "hazardous_waste", errors),
    }
    return values, payload, errors


def form_context(session, lang: str) -> dict[str, Any]:
    return {
        "all_sectors": catalogue.list_sectors(session),
        "zones": service.published_zones(session),
        "labels": labels,
        "zone_labels": catalogue_labels,
    }


@router.get("/precheck")
def precheck_form(request: Request, lang: Lang, session: SessionDep):
    return render(
        request,
        lang,
        "screening/precheck.html",
        {"values": {}, "errors": {}, "result": None, **form_context(session, lang)},
    )


@router.post("/precheck")
def precheck_submit(request: Request, lang: Lang, session: SessionDep, form: FormDep):
    values, payload, errors = read_facts(form)
    result = None
    facts = forms.validate(ScreeningFacts, payload, errors)
    forms.check_codes(session, payload, errors)
    if facts is not None and not errors:
        result = service.screen_facts(session, facts).localized(lang)
    return render(
        request,
        lang,
        "screening/precheck.html",
        {
            "values": values,
            "errors": forms.localize(errors, lang),
            "result": result,
            **form_context(session, lang),
        },
        status_code=422 if errors else 200,
    )
