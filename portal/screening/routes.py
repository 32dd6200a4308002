"""The public rules page: Resolution 03-NQ/TU IV.7 as investors read it, each rule with its source's own
words taken from the shipped ruleset (the YAML holds every quote once; the page repeats none)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from portal.catalogue import service as catalogue
from portal.db import SessionDep
from portal.i18n import Lang
from portal.screening import service
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)


@router.get("/rules")
def rules_page(request: Request, lang: Lang, session: SessionDep):
    ruleset = service.get_ruleset(session)
    citations = {rule.id: rule.citation for rule in ruleset.rules}
    sensitive = [s for s in catalogue.sector_infos(session) if s.sensitive]
    return render(request, lang, "screening/rules.html", {"sensitive": sensitive, "citations": citations})
