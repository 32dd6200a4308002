"""The audit log page (admins, read-only). No route changes or deletes an event."""

from __future__ import annotations

from fastapi import APIRouter, Request

from portal.accounts import service as accounts
from portal.accounts.deps import AdminUser
from portal.accounts.schemas import AuditFilter, page_helpers
from portal.audit import service
from portal.db import SessionDep
from portal.i18n import Lang
from portal.web.render import render

router = APIRouter(prefix="/{lang}", include_in_schema=False)


@router.get("/admin/audit")
def audit_log(request: Request, lang: Lang, session: SessionDep, admin: AdminUser):
    filters, errors = AuditFilter.parse(request.query_params)
    result = service.list(
        session,
        actor_id=filters.actor_id,
        action=filters.action or None,
        object_type=filters.object_type or None,
        object_id=filters.object_id or None,
        since=filters.since_at,
        until=filters.until_at,
        page=filters.page,
    )
    return render(
        request,
        lang,
        "audit/list.html",
        {
            "filters": filters,
            "errors": errors,
            "result": result,
            "users": accounts.list(session),
            "actions": service.distinct_values(session, column="action"),
            "object_types": service.distinct_values(session, column="object_type"),
            **page_helpers(),
        },
    )
