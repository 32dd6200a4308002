"""Recording and reading audit events.

`record()` adds the event to the caller's session, so it commits (or rolls back) together with the
change it describes. The log is append-only: no route edits or deletes events, and a SQLAlchemy
listener refuses any flush that would update or delete an `AuditEvent`, as well as bulk
`update(AuditEvent)` / `delete(AuditEvent)` statements.
"""

from __future__ import annotations

import builtins
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy import event, func
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from portal.audit.models import AuditEvent


class Actor(Protocol):
    """Who acted (an account of portal.accounts; the audit log sits below it and needs only these)."""

    id: int | None
    email: str


MAX_PER_PAGE = 200


class AuditAppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


def client_address(request: Request | None) -> str | None:
    """The caller's address as the server sees it (uvicorn applies X-Forwarded-For from trusted proxies)."""
    if request is None or request.client is None:
        return None
    host = request.client.host
    return host[:64] if host else None


def _json(value: dict | None) -> dict | None:
    if value is None:
        return None
    return jsonable_encoder(value)


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: str | int | None,
    before: dict | None = None,
    after: dict | None = None,
    address: str | None = None,
    detail: str | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Add one event to `session` (same transaction as the change; the caller commits).

    `actor_label` defaults to the actor's email, or "system" without an actor; pass "investor" for
    actions by the public.
    """
    label = actor_label or (actor.email if actor is not None else "system")
    ev = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=label[:254],
        action=action[:64],
        object_type=object_type[:64],
        object_id=None if object_id is None else str(object_id)[:128],
        before=_json(before),
        after=_json(after),
        address=address[:64] if address else None,
        detail=detail,
    )
    session.add(ev)
    return ev


@dataclass
class AuditPage:
    items: builtins.list[AuditEvent] = field(default_factory=builtins.list)
    total: int = 0
    page: int = 1
    per_page: int = 50

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def list(
    session: Session,
    *,
    actor_id: int | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Events newest first, filtered; `since` inclusive, `until` exclusive."""
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    conditions: builtins.list[Any] = []
    if actor_id is not None:
        conditions.append(col(AuditEvent.actor_id) == actor_id)
    if action:
        conditions.append(col(AuditEvent.action) == action)
    if object_type:
        conditions.append(col(AuditEvent.object_type) == object_type)
    if object_id is not None and object_id != "":
        conditions.append(col(AuditEvent.object_id) == str(object_id))
    if since is not None:
        conditions.append(col(AuditEvent.at) >= since)
    if until is not None:
        conditions.append(col(AuditEvent.at) < until)
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    items = session.exec(
        select(AuditEvent)
        .where(*conditions)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage(items=builtins.list(items), total=int(total), page=page, per_page=per_page)


def get(session: Session, *, event_id: int) -> AuditEvent | None:
    return session.get(AuditEvent, event_id)


def distinct_values(session: Session, *, column: str) -> builtins.list[str]:
    """Values seen in `action` or `object_type` (for filter menus)."""
    attr = {"action": AuditEvent.action, "object_type": AuditEvent.object_type}[column]
    return [v for v in session.exec(select(attr).distinct().order_by(attr)).all() if v]


# --- append-only enforcement -------------------------------------------------------------------


@event.listens_for(OrmSession, "before_flush")
def _refuse_audit_changes(session: OrmSession, _flush_context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditAppendOnlyError("audit events cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj, include_collections=False):
            raise AuditAppendOnlyError("audit events cannot be changed")


@event.listens_for(OrmSession, "do_orm_execute")
def _refuse_bulk_audit_changes(state: ORMExecuteState) -> None:
    if (
        (state.is_update or state.is_delete)
        and state.bind_mapper is not None
        and state.bind_mapper.class_ is AuditEvent
    ):
        raise AuditAppendOnlyError("audit events cannot be changed or deleted")
