"""The versioning kernel shared by every staff-edited record (zones, plots, registry projects).

Every save is a compare-and-set: `UPDATE … WHERE id = :id AND version = :seen` bumping `version`. When no
row matches, someone saved in between and `StaleEdit` says who and when; nothing is written. Each save
writes a `Revision` ({field: [before, after]}) in the caller's transaction; `merge_on_top` rebuilds the
version a form was opened at from those revisions for a three-way merge."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal.accounts.models import User
from portal.clock import aware, utcnow
from portal.versioning.models import Revision


class StaleEdit(Exception):
    """The record changed since the form was opened (version mismatch)."""

    def __init__(
        self,
        *,
        object_type: str,
        object_id: int | None,
        current_version: int | None,
        by: str,
        at: datetime | None,
        deleted: bool = False,
    ) -> None:
        super().__init__(f"{object_type} {object_id} changed by {by} at {at}")
        self.object_type = object_type
        self.object_id = object_id
        self.current_version = current_version
        self.by = by
        self.at = at
        self.deleted = deleted


def jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def actor_email(actor: User | None, fallback: str = "system") -> str:
    return actor.email if actor is not None else fallback


def last_change(session: Session, *, object_type: str, object_id: int) -> tuple[str, datetime | None]:
    """Who last saved an object, and when (from its revisions)."""
    rev = session.exec(
        select(Revision)
        .where(Revision.object_type == object_type, Revision.object_id == object_id)
        .order_by(col(Revision.id).desc())
        .limit(1)
    ).first()
    if rev is None:
        return "", None
    user = session.get(User, rev.actor_id) if rev.actor_id else None
    return (user.label if user else rev.actor_label), aware(rev.at)


def stale_error(session: Session, *, object_type: str, obj, fallback_at: datetime | None = None) -> StaleEdit:
    """Build the StaleEdit for `obj` after a failed compare-and-set (re-reads the current row)."""
    try:
        session.refresh(obj)
        current, deleted = obj.version, False
    except Exception:  # the row is gone (deleted in the meantime)
        current, deleted = None, True
    by, at = last_change(session, object_type=object_type, object_id=obj.id)
    return StaleEdit(
        object_type=object_type, object_id=obj.id, current_version=current, by=by, at=at or fallback_at, deleted=deleted
    )


def require_version(session: Session, obj, *, object_type: str, expected_version: int) -> None:
    """A save with nothing to change still fails (StaleEdit) when the form was read at an older version."""
    if obj.version != expected_version:
        raise stale_error(session, object_type=object_type, obj=obj, fallback_at=obj.updated_at)


def compare_and_set(session: Session, obj, *, object_type: str, expected_version: int, values: dict[str, Any]) -> None:
    """UPDATE the row of `obj` (a table with id, version and updated_at) with `values`, the next version and
    the time, only while it is still at `expected_version`; else StaleEdit. Refreshes `obj`."""
    model = type(obj)
    result = session.exec(
        update(model)
        .where(col(model.id) == obj.id, col(model.version) == expected_version)
        .values(**values, version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise stale_error(session, object_type=object_type, obj=obj, fallback_at=obj.updated_at)
    session.refresh(obj)


def revisions(session: Session, *, object_type: str, object_id: int) -> list[Revision]:
    return list(
        session.exec(
            select(Revision)
            .where(Revision.object_type == object_type, Revision.object_id == object_id)
            .order_by(col(Revision.id).desc())
        ).all()
    )


def revisions_since(session: Session, *, object_type: str, object_id: int, version: int) -> list[Revision]:
    return [r for r in revisions(session, object_type=object_type, object_id=object_id) if r.version > version]


def merge_on_top(
    session: Session,
    *,
    object_type: str,
    object_id: int,
    base_version: int,
    current: dict[str, Any],
    mine: dict[str, Any],
) -> dict[str, Any]:
    """Three-way merge for "save my values on top of theirs": a field the user did not change (still equal to
    the version they opened) takes the current value, so the other person's changes are kept; fields the
    user changed keep the user's value. The base is rebuilt from the revisions since `base_version`."""
    base = {k: jsonable(v) for k, v in current.items()}
    for rev in revisions_since(session, object_type=object_type, object_id=object_id, version=base_version):
        for name, (before, _after) in (rev.changes or {}).items():
            if name in base:
                base[name] = before  # newest first: ends at the value of the opened version
    return {k: (current[k] if k in base and jsonable(v) == base[k] else v) for k, v in mine.items()}


def actor_names(session: Session, revs: list[Revision]) -> dict[int, str]:
    ids = {r.actor_id for r in revs if r.actor_id}
    if not ids:
        return {}
    return {u.id: u.label for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}


def write_revision(
    session: Session,
    *,
    object_type: str,
    object_id: int,
    version: int,
    actor: User | None,
    action: str,
    changes: dict,
    actor_label: str | None = None,
) -> Revision:
    rev = Revision(
        object_type=object_type,
        object_id=object_id,
        version=version,
        actor_id=actor.id if actor else None,
        actor_label=actor_label or actor_email(actor),
        action=action,
        changes={k: [jsonable(a), jsonable(b)] for k, (a, b) in changes.items()},
    )
    session.add(rev)
    return rev
