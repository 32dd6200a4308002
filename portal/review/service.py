"""The review workflow on the database: queue, case, transitions, messages, decisions, re-screening.

Every function takes a Session and keyword-only arguments and leaves the commit to the caller, so a
transition, its audit event, its message and (on acceptance) the registry project are one transaction.

Transitions go through `portal.review.workflow` and a conditional UPDATE (`… WHERE status = <old>`): two
screeners acting on the same case at once cannot both move it; the loser gets IllegalTransition.

Audit events are recorded on object_type "proposal" with `after = {"status": new, ...}`; events the
investor may see carry `"public": True` and `"message"` ({"vi", "en"} or the investor's own text), which
is what `portal.intake.service.timeline` shows on the tracking page.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import String, cast, update
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from portal import PACKAGE_DIR
from portal.accounts.models import User
from portal.audit import service as audit
from portal.audit.models import AuditEvent
from portal.catalogue.models import Sector, Zone
from portal.i18n import N_
from portal.intake.models import Attachment, Proposal
from portal.intake.uploads import StagedFile, finalize
from portal.notify import service as notify
from portal.registry import service as registry
from portal.review.models import (
    PUBLIC_KINDS,
    Decision,
    MessageKind,
    ReviewAssignment,
    ReviewMessage,
    ScreeningRecord,
)
from portal.review.queue import CLOSING, PAUSE_ENDS, PAUSE_STARTS, Clock, Rules, matches, vi_key
from portal.review.queue import clock as queue_clock
from portal.review.schemas import PER_PAGE, QueueFilters
from portal.review.workflow import Action, Actor, IllegalTransition, State, allowed, is_open, transition
from portal.screening import ScreeningFacts
from portal.screening import service as screening

REASONS_PATH = PACKAGE_DIR / "review" / "reasons.yaml"


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone columns; they were written in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class ReviewError(ValueError):
    """A refused request other than an illegal transition; `field` names the form field, `message` is an
    English msgid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- reason templates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonTemplate:
    key: str
    use: tuple[str, ...]
    vi: str
    en: str


@cache
def _load_templates(path: str = str(REASONS_PATH)) -> tuple[ReasonTemplate, ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = []
    for raw in data.get("templates", []):
        out.append(ReasonTemplate(str(raw["key"]), tuple(raw["use"]), str(raw["vi"]).strip(), str(raw["en"]).strip()))
    return tuple(out)


def reason_templates(*, use: str | None = None) -> list[ReasonTemplate]:
    return [t for t in _load_templates() if use is None or use in t.use]


def get_template(*, key: str, use: str) -> ReasonTemplate | None:
    return next((t for t in reason_templates(use=use) if t.key == key), None)


# --- reading -----------------------------------------------------------------------------------------


def get(session: Session, *, proposal_id: int) -> Proposal | None:
    return session.get(Proposal, proposal_id)


def get_user(session: Session, *, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None


def users_by_id(session: Session, *, proposal: Proposal) -> dict[int, User]:
    """Everyone who wrote in or was assigned to this case, plus the current screeners (for names)."""
    ids = set(session.exec(select(ReviewMessage.author_id).where(ReviewMessage.proposal_id == proposal.id)).all())
    ids |= set(session.exec(select(ReviewAssignment.screener_id).where(ReviewAssignment.proposal_id == proposal.id)))
    ids.discard(None)
    found = session.exec(select(User).where(col(User.id).in_(ids))).all() if ids else []
    return {u.id: u for u in [*screeners(session), *found]}


def transition_check(proposal: Proposal, action: str, *, investor: bool = False) -> None:
    """Raise IllegalTransition when `action` is not possible now (used before showing form errors)."""
    transition(proposal.status, action, actor=Actor.investor if investor else Actor.screener)


def screeners(session: Session) -> list[User]:
    """Active users who may review (screeners and admins), by email."""
    users = session.exec(select(User).where(User.active == True).order_by(col(User.email))).all()  # noqa: E712
    return [u for u in users if u.has_role("screener")]


def age_days(proposal: Proposal, *, now: datetime | None = None) -> int:
    created = aware(proposal.created_at) or utcnow()
    return max(0, ((now or utcnow()) - created).days)


@dataclass
class QueueRow:
    proposal: Proposal
    zone: Zone | None
    assignee: User | None
    age_days: int
    clock: Clock | None = None
    sectors: builtins.list[tuple[str, str, str]] = field(default_factory=builtins.list)  # (code, vi, en)


@dataclass
class QueuePage:
    rows: list[QueueRow] = field(default_factory=builtins.list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _queue_conditions(session: Session, filters: QueueFilters, *, me: int | None, now: datetime) -> list[Any]:
    conditions: list[Any] = []
    if filters.status:
        conditions.append(col(Proposal.status).in_(filters.status))
    if filters.verdict:
        conditions.append(col(Proposal.verdict).in_(filters.verdict))
    if filters.zone:
        zone_id = session.exec(select(Zone.id).where(Zone.slug == filters.zone)).first()
        conditions.append(col(Proposal.zone_id) == (zone_id if zone_id is not None else -1))
    if filters.sector:
        # JSON list of digit strings, stored as text on both databases: '["1010", "20111"]'. A class code
        # also finds its 5-digit subclasses. The value is validated as digits, so LIKE needs no escaping.
        conditions.append(cast(Proposal.sectors, String).like(f'%"{filters.sector}%'))
    if filters.older_than is not None:
        conditions.append(col(Proposal.created_at) <= now - timedelta(days=filters.older_than))
    assigned_to = select(ReviewAssignment.proposal_id)
    if filters.assignee == "none":
        conditions.append(col(Proposal.id).not_in(assigned_to))
    elif filters.assignee == "mine_or_none":
        others = assigned_to.where(ReviewAssignment.screener_id != (me if me is not None else -1))
        conditions.append(col(Proposal.id).not_in(others))
    elif filters.assignee is not None:
        who = me if filters.assignee == "me" else int(filters.assignee)
        conditions.append(col(Proposal.id).in_(assigned_to.where(ReviewAssignment.screener_id == who)))
    return conditions


#: Sort keys of the queue's columns (the clock sorts by working days, then by age).
SORTS: dict[str, Callable[[QueueRow], Any]] = {
    "submitted": lambda r: (aware(r.proposal.created_at), r.proposal.id),
    "reference": lambda r: (r.proposal.reference or "", r.proposal.id),
    "company": lambda r: (vi_key(r.proposal.company_name), r.proposal.id),
    "zone": lambda r: (vi_key(r.zone.name_vi) if r.zone else ((), (), "\uffff"), r.proposal.id),
    "verdict": lambda r: (VERDICT_ORDER.get(r.proposal.verdict, 9), r.proposal.id),
    "status": lambda r: (STATUS_ORDER.get(r.proposal.status, 9), r.proposal.id),
    "clock": lambda r: (r.clock.working_days if r.clock else 0, -aware(r.proposal.created_at).timestamp()),
    "assignee": lambda r: (vi_key(r.assignee.label) if r.assignee else ((), (), "\uffff"), r.proposal.id),
}
VERDICT_ORDER = {"refuse": 0, "needs_information": 1, "conditional": 2, "eligible": 3}
STATUS_ORDER = {str(s): i for i, s in enumerate(State)}


def _clock_events(session: Session, ids: builtins.list[int]) -> dict[int, builtins.list[tuple[datetime, str]]]:
    actions = sorted(PAUSE_STARTS | PAUSE_ENDS | CLOSING)
    out: dict[int, builtins.list[tuple[datetime, str]]] = {i: [] for i in ids}
    for chunk in range(0, len(ids), 500):
        part = [str(i) for i in ids[chunk : chunk + 500]]
        rows = session.exec(
            select(AuditEvent.object_id, AuditEvent.at, AuditEvent.action)
            .where(
                AuditEvent.object_type == "proposal",
                col(AuditEvent.object_id).in_(part),
                col(AuditEvent.action).in_(actions),
            )
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        ).all()
        for object_id, at, action in rows:
            out[int(object_id)].append((aware(at), action))
    return out


def _sector_names(session: Session, proposals: builtins.list[Proposal]) -> dict[str, tuple[str, str]]:

    codes = {c for p in proposals for c in (p.sectors or [])}
    if not codes:
        return {}
    rows = session.exec(select(Sector.code, Sector.name_vi, Sector.name_en).where(col(Sector.code).in_(codes)))
    return {code: (vi, en) for code, vi, en in rows.all()}


def queue_rows(
    session: Session,
    *,
    filters: QueueFilters,
    me: int | None = None,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> builtins.list[QueueRow]:
    """Every case matching `filters`, with its clock, sorted as asked (default: oldest first).

    The database narrows by status, verdict, zone, sector, age and assignee; the text search (folded, so
    diacritics and đ/d are ignored, over reference, company, e-mail, project and sector names) and the
    clock (from the case's audit events) are applied here, on the cases left — a province's queue holds
    hundreds of cases, not millions. The CSV export uses the same rows."""
    now = now or utcnow()
    rules = rules or Rules()
    conditions = _queue_conditions(session, filters, me=me, now=now)
    heavy = (Proposal.screening, Proposal.facts, Proposal.project_description, Proposal.environmental_measures)
    proposals = builtins.list(
        session.exec(
            select(Proposal)
            .options(*(defer(c) for c in heavy))  # the list never shows the screening snapshot or long texts
            .where(*conditions)
            .order_by(col(Proposal.created_at), col(Proposal.id))
        ).all()
    )
    names = _sector_names(session, proposals)
    if filters.q:
        proposals = [
            p
            for p in proposals
            if matches(
                filters.q,
                [p.reference, p.company_name, p.contact_email, p.project_name]
                + [part for c in (p.sectors or []) for part in (c, *names.get(c, ()))],
            )
        ]
    ids = [p.id for p in proposals]
    zone_ids = {p.zone_id for p in proposals if p.zone_id}
    zones = {z.id: z for z in session.exec(select(Zone).where(col(Zone.id).in_(zone_ids))).all()} if zone_ids else {}
    assigned = _assignees(session, ids)
    events = _clock_events(session, ids)
    rows = []
    for p in proposals:
        due = rules.due_for(p.verdict)
        clock = queue_clock(aware(p.created_at), events.get(p.id, []), now=now, due_days=due, holidays=rules.holidays)
        sectors = [(c, *names.get(c, ("", ""))) for c in (p.sectors or [])]
        rows.append(QueueRow(p, zones.get(p.zone_id), assigned.get(p.id), age_days(p, now=now), clock, sectors))
    key = SORTS.get(filters.sort, SORTS["submitted"])
    rows.sort(key=key, reverse=filters.direction == "desc")
    return rows


def case_clock(session: Session, *, proposal: Proposal, rules: Rules, now: datetime | None = None) -> Clock:
    """The queue's clock for one case (the case page shows it too)."""
    events = _clock_events(session, [proposal.id]).get(proposal.id, [])
    return queue_clock(
        aware(proposal.created_at),
        events,
        now=now or utcnow(),
        due_days=rules.due_for(proposal.verdict),
        holidays=rules.holidays,
    )


def list_queue(
    session: Session,
    *,
    filters: QueueFilters,
    me: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> QueuePage:
    """One page of `queue_rows`."""
    rows = queue_rows(session, filters=filters, me=me, now=now, rules=rules)
    pages = max(1, math.ceil(len(rows) / per_page))
    page = min(max(1, page), pages)
    return QueuePage(rows=rows[(page - 1) * per_page : page * per_page], total=len(rows), page=page, per_page=per_page)


def _assignees(session: Session, proposal_ids: list[int | None]) -> dict[int, User]:
    if not proposal_ids:
        return {}
    rows = session.exec(
        select(ReviewAssignment.proposal_id, User)
        .join(User, col(User.id) == ReviewAssignment.screener_id)
        .where(col(ReviewAssignment.proposal_id).in_(proposal_ids))
    ).all()
    return {pid: user for pid, user in rows}


def zones_in_queue(session: Session) -> list[Zone]:
    """Zones some proposal chose (for the queue's zone filter)."""
    ids = select(Proposal.zone_id).where(col(Proposal.zone_id).is_not(None)).distinct()
    return builtins.list(session.exec(select(Zone).where(col(Zone.id).in_(ids)).order_by(Zone.kind, Zone.slug)).all())


def assignment(session: Session, *, proposal: Proposal) -> ReviewAssignment | None:
    return session.exec(select(ReviewAssignment).where(ReviewAssignment.proposal_id == proposal.id)).first()


def messages(session: Session, *, proposal: Proposal, public_only: bool = False) -> list[ReviewMessage]:
    query = select(ReviewMessage).where(ReviewMessage.proposal_id == proposal.id)
    if public_only:
        query = query.where(col(ReviewMessage.kind).in_(PUBLIC_KINDS))
    return builtins.list(session.exec(query.order_by(col(ReviewMessage.created_at), col(ReviewMessage.id))).all())


def decisions(session: Session, *, proposal: Proposal) -> list[Decision]:
    return builtins.list(
        session.exec(
            select(Decision)
            .where(Decision.proposal_id == proposal.id)
            .order_by(col(Decision.decided_at), col(Decision.id))
        ).all()
    )


def screening_changes(proposal: Proposal, history: builtins.list[ScreeningRecord]) -> builtins.list[dict]:
    """For each earlier snapshot (newest first), what the screening that replaced it changed."""
    newer = [proposal.screening or {}] + [r.screening or {} for r in history]
    return [screening.changes(record.screening or {}, newer[i]) for i, record in enumerate(history)]


def screening_history(session: Session, *, proposal: Proposal) -> list[ScreeningRecord]:
    return builtins.list(
        session.exec(
            select(ScreeningRecord)
            .where(ScreeningRecord.proposal_id == proposal.id)
            .order_by(col(ScreeningRecord.replaced_at).desc(), col(ScreeningRecord.id).desc())
        ).all()
    )


def history(session: Session, *, proposal: Proposal) -> list[AuditEvent]:
    """Every audit event of the case (screeners' view), oldest first."""
    return builtins.list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == "proposal", AuditEvent.object_id == str(proposal.id))
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        ).all()
    )


def attachments(session: Session, *, proposal: Proposal) -> list[Attachment]:
    return builtins.list(
        session.exec(select(Attachment).where(Attachment.proposal_id == proposal.id).order_by(col(Attachment.id))).all()
    )


def get_attachment(session: Session, *, proposal: Proposal, attachment_id: int) -> Attachment | None:
    """The attachment only when it belongs to this proposal."""
    found = session.get(Attachment, attachment_id)
    if found is None or found.proposal_id != proposal.id:
        return None
    return found


def attachment_path(upload_dir: Path, attachment: Attachment) -> Path | None:
    """The file on disk, only when the stored name resolves to a regular file directly inside
    `upload_dir` (no separators, no '..', no symlink leading out)."""
    name = attachment.stored_name or ""
    if not name or name != Path(name).name or name.startswith(".") or "\x00" in name:
        return None
    base = Path(upload_dir).resolve()
    try:
        path = (base / name).resolve(strict=True)
    except (FileNotFoundError, OSError, RuntimeError):
        return None
    if path.parent != base or not path.is_file():
        return None
    return path


def findings(proposal: Proposal, lang: str) -> dict[str, Any]:
    """The stored screening snapshot in one language (the shape intake uses)."""
    return localized_snapshot(
        proposal.screening or {},
        lang,
        verdict=proposal.verdict,
        ruleset={"id": proposal.ruleset_id, "version": proposal.ruleset_version},
    )


def localized_snapshot(snap: dict, lang: str, *, verdict: str | None = None, ruleset: dict | None = None) -> dict:
    def pick(text: Any) -> str:
        if isinstance(text, dict):
            return str(text.get(lang) or text.get("vi") or "")
        return "" if text is None else str(text)

    return {
        "verdict": snap.get("verdict", verdict),
        "ruleset": snap.get("ruleset", ruleset or {}),
        "missing_facts": snap.get("missing_facts", []),
        "findings": [
            {
                "rule": f.get("rule"),
                "outcome": f.get("outcome"),
                "title": pick(f.get("title")),
                "message": pick(f.get("message")),
                "citation": (f.get("citation") or {}).get(lang) or {},
            }
            for f in snap.get("findings", [])
        ],
    }


# --- transitions ------------------------------------------------------------------------------------------


def _move(
    session: Session,
    *,
    proposal: Proposal,
    action: Action,
    actor: User | None,
    address: str | None,
    detail: str | None = None,
    message: dict | str | None = None,
    public: bool = True,
    extra: dict | None = None,
) -> State:
    """Apply one transition: check it, update the status only if nobody moved it meanwhile, audit it."""
    who = Actor.investor if actor is None else Actor.screener
    old = proposal.status
    new = transition(old, action, actor=who)
    now = utcnow()
    result = session.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal.id, col(Proposal.status) == old)
        .values(status=str(new), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(proposal)
        raise IllegalTransition(proposal.status, action, who)
    set_committed_value(proposal, "status", str(new))  # the row already holds it; no second UPDATE
    set_committed_value(proposal, "updated_at", now)
    after: dict[str, Any] = {"status": str(new), **(extra or {})}
    if public:
        after["public"] = True
        if message is not None:
            after["message"] = message
    audit.record(
        session,
        actor=actor,
        actor_label=None if actor is not None else "investor",
        action=f"review.{action}",
        object_type="proposal",
        object_id=proposal.id,
        before={"status": old},
        after=after,
        address=address,
        detail=detail,
    )
    return new


def _message(
    session: Session,
    *,
    proposal: Proposal,
    author: User | None,
    kind: MessageKind,
    text_vi: str | None,
    text_en: str | None,
) -> ReviewMessage:
    msg = ReviewMessage(
        proposal_id=proposal.id,
        author_id=author.id if author is not None else None,
        kind=kind,
        text_vi=text_vi,
        text_en=text_en,
        created_at=utcnow(),
    )
    session.add(msg)
    return msg


def _require_open(proposal: Proposal, action: str) -> None:
    if not is_open(proposal.status):
        raise IllegalTransition(proposal.status, action)


def assign(
    session: Session, *, proposal: Proposal, screener: User, actor: User, address: str | None = None
) -> ReviewAssignment:
    """Give the case to `screener` (a screener or admin). A submitted case starts its review."""
    _require_open(proposal, "assign")
    if not screener.active or not screener.has_role("screener"):
        raise ReviewError("screener_id", N_("This person cannot review proposals."))
    current = assignment(session, proposal=proposal)
    before = {"screener_id": current.screener_id} if current is not None else None
    if current is None:
        current = ReviewAssignment(
            proposal_id=proposal.id, screener_id=screener.id, assigned_by=actor.id, assigned_at=utcnow()
        )
    else:
        current.screener_id, current.assigned_by, current.assigned_at = screener.id, actor.id, utcnow()
    session.add(current)
    audit.record(
        session,
        actor=actor,
        action="review.assign",
        object_type="proposal",
        object_id=proposal.id,
        before=before,
        after={"screener_id": screener.id, "screener": screener.email},
        address=address,
    )
    if proposal.status == State.submitted:
        _move(session, proposal=proposal, action=Action.start_review, actor=actor, address=address)
    if before is None or before["screener_id"] != screener.id:
        notify.assigned(session, proposal=proposal, screener=screener, actor=actor)
    session.flush()
    return current


def assign_many(
    session: Session, *, proposal_ids: builtins.list[int], screener: User, actor: User, address: str | None = None
) -> tuple[int, int]:
    """Assign several cases to one screener (bulk assignment): (assigned, skipped because closed or gone)."""
    done = skipped = 0
    for proposal_id in proposal_ids:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None or not is_open(proposal.status):
            skipped += 1
            continue
        assign(session, proposal=proposal, screener=screener, actor=actor, address=address)
        done += 1
    return done, skipped


def start_review(session: Session, *, proposal: Proposal, actor: User, address: str | None = None) -> State:
    """Start the review; the actor takes the case when nobody has it."""
    new = _move(session, proposal=proposal, action=Action.start_review, actor=actor, address=address)
    if assignment(session, proposal=proposal) is None:
        session.add(
            ReviewAssignment(proposal_id=proposal.id, screener_id=actor.id, assigned_by=actor.id, assigned_at=utcnow())
        )
    session.flush()
    return new


def comment(
    session: Session, *, proposal: Proposal, actor: User, text: str, address: str | None = None
) -> ReviewMessage:
    """An internal note: screeners only, never on the investor's page. Allowed in any state."""
    text = text.strip()
    if not text:
        raise ReviewError("comment", N_("Write the comment."))
    msg = _message(session, proposal=proposal, author=actor, kind=MessageKind.comment, text_vi=text, text_en=text)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="review.comment",
        object_type="proposal",
        object_id=proposal.id,
        after={"message_id": msg.id},
        address=address,
    )
    return msg


MISSING = {
    "request_info": (
        N_("Enter the message to the investor in Vietnamese."),
        N_("Enter the message to the investor in English."),
    ),
    "decision": (N_("A decision needs its reason in Vietnamese."), N_("A decision needs its reason in English.")),
    "withdraw": (N_("A withdrawal needs its reason in Vietnamese."), N_("A withdrawal needs its reason in English.")),
}


def _both(text_vi: str | None, text_en: str | None, what: str) -> tuple[str, str]:
    """Both languages are required: the investor reads the text in their own language."""
    vi, en = (text_vi or "").strip(), (text_en or "").strip()
    if not vi:
        raise ReviewError("text_vi", MISSING[what][0])
    if not en:
        raise ReviewError("text_en", MISSING[what][1])
    return vi, en


def request_info(
    session: Session, *, proposal: Proposal, actor: User, text_vi: str, text_en: str, address: str | None = None
) -> ReviewMessage:
    """Ask the investor for information (message in both languages; the investor sees theirs)."""
    transition(proposal.status, Action.request_info)
    vi, en = _both(text_vi, text_en, "request_info")
    msg = _message(session, proposal=proposal, author=actor, kind=MessageKind.info_request, text_vi=vi, text_en=en)
    _move(
        session,
        proposal=proposal,
        action=Action.request_info,
        actor=actor,
        address=address,
        message={"vi": vi, "en": en},
    )
    notify.info_requested(session, proposal=proposal, text_vi=vi, text_en=en)
    session.flush()
    return msg


def resume(session: Session, *, proposal: Proposal, actor: User, address: str | None = None) -> State:
    """Take the case back into review without waiting for the investor's answer."""
    return _move(session, proposal=proposal, action=Action.resume, actor=actor, address=address)


def answer_info_request(
    session: Session,
    *,
    proposal: Proposal,
    text: str,
    files: builtins.list[StagedFile] | None = None,
    address: str | None = None,
) -> ReviewMessage:
    """The investor answers an information request from the tracking page, with documents if any (staged
    by the intake's checks, `portal.intake.uploads.stage_uploads`); the case returns to review. The files
    are moved into place last, before the caller commits (the caller discards them if anything fails)."""
    transition(proposal.status, Action.answer, actor=Actor.investor)
    files = files or []
    text = (text or "").strip()
    if not text:
        raise ReviewError("answer", N_("Write your answer."))
    msg = _message(
        session,
        proposal=proposal,
        author=None,
        kind=MessageKind.investor_answer,
        text_vi=text if proposal.locale == "vi" else None,
        text_en=text if proposal.locale != "vi" else None,
    )
    session.flush()
    now = utcnow()
    session.add_all(
        [
            Attachment(
                proposal_id=proposal.id,
                message_id=msg.id,
                stored_name=f.stored_name,
                original_name=f.original_name,
                content_type=f.content_type,
                size=f.size,
                sha256=f.sha256,
                created_at=now,
            )
            for f in files
        ]
    )
    _move(
        session,
        proposal=proposal,
        action=Action.answer,
        actor=None,
        address=address,
        message=text,
        extra={"attachments": [f.original_name for f in files]} if files else None,
    )
    held = assignment(session, proposal=proposal)
    notify.answer_received(
        session,
        proposal=proposal,
        text=text,
        files=[f.original_name for f in files],
        screener=get_user(session, user_id=held.screener_id) if held else None,
    )
    session.flush()
    finalize(files)
    return msg


class _WithZone:
    """The proposal as the registry reads it, with the zone the screener chose when the investor named none
    (the proposal itself keeps what the investor wrote)."""

    def __init__(self, proposal: Proposal, zone_id: int) -> None:
        self._proposal = proposal
        self.zone_id = zone_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._proposal, name)


def decide(
    session: Session,
    *,
    proposal: Proposal,
    actor: User,
    outcome: str,
    reason_vi: str,
    reason_en: str,
    land_ha: float | None = None,
    zone_id: int | None = None,
    address: str | None = None,
) -> Decision:
    """Accept or refuse with a reason in both languages. Accepting creates the registry project in the
    same transaction (`zone_id`: the zone to record when the investor named none; `land_ha`: the land
    granted, default the land asked for).

    Raises IllegalTransition or ReviewError (field + msgid); after either the caller rolls back."""
    action = {"accept": Action.accept, "refuse": Action.refuse}.get(outcome)
    if action is None:
        raise ReviewError("outcome", N_("Choose accept or refuse."))
    transition(proposal.status, action)
    vi, en = _both(reason_vi, reason_en, "decision")
    target = State.accepted if action == Action.accept else State.refused
    project = None
    if action == Action.accept:
        source: Any = proposal
        if proposal.zone_id is None and zone_id is not None:
            if session.get(Zone, zone_id) is None:
                raise ReviewError("zone_id", N_("Choose the zone where the project will be."))
            source = _WithZone(proposal, zone_id)
        try:
            project = registry.create_from_proposal(
                session, proposal=source, actor=actor, land_ha=land_ha, address=address
            )
        except registry.RegistryError as err:
            raise ReviewError("zone_id" if err.field == "zone" else "outcome", err.message) from err
        session.flush()
    decision = Decision(
        proposal_id=proposal.id,
        outcome=str(target),
        reason_vi=vi,
        reason_en=en,
        decided_by=actor.id,
        decided_at=utcnow(),
        verdict=proposal.verdict,
        ruleset_id=proposal.ruleset_id,
        ruleset_version=proposal.ruleset_version,
        regime=proposal.regime,
        screening=proposal.screening,
    )
    session.add(decision)
    _message(session, proposal=proposal, author=actor, kind=MessageKind.decision, text_vi=vi, text_en=en)
    extra: dict[str, Any] = {"outcome": str(target)}
    if project is not None:
        extra["project_id"] = project.id
    _move(
        session,
        proposal=proposal,
        action=action,
        actor=actor,
        address=address,
        detail=en,
        message={"vi": vi, "en": en},
        extra=extra,
    )
    notify.decided(session, proposal=proposal, outcome=str(target), reason_vi=vi, reason_en=en)
    session.flush()
    return decision


def withdraw(
    session: Session,
    *,
    proposal: Proposal,
    reason: str | None = None,
    address: str | None = None,
    actor: User | None = None,
    reason_vi: str | None = None,
    reason_en: str | None = None,
) -> State:
    """Withdraw an open case. Without `actor` it is the investor (reason optional, their own words); a
    screener records it with a reason in both languages."""
    who = Actor.investor if actor is None else Actor.screener
    transition(proposal.status, Action.withdraw, actor=who)
    if actor is None:
        text = (reason or "").strip() or None
        vi, en = (text, None) if proposal.locale == "vi" else (None, text)
        message: dict | str | None = text
        detail = text
    else:
        vi, en = _both(reason_vi, reason_en, "withdraw")
        message = {"vi": vi, "en": en}
        detail = en
    if vi or en:
        _message(session, proposal=proposal, author=actor, kind=MessageKind.withdrawal, text_vi=vi, text_en=en)
    new = _move(
        session, proposal=proposal, action=Action.withdraw, actor=actor, address=address, detail=detail, message=message
    )
    session.flush()
    return new


def rescreen(session: Session, *, proposal: Proposal, actor: User, address: str | None = None) -> dict:
    """Screen the stored facts again under the current ruleset and sectors; the previous snapshot is kept
    in ScreeningRecord and the audit event. Allowed while the case is open. Returns the new snapshot."""
    _require_open(proposal, "rescreen")

    facts = ScreeningFacts.model_validate(proposal.facts or {"sectors": builtins.list(proposal.sectors)})
    prepared = screening.prepare(session, facts)
    result = prepared.screen()
    old = {
        "verdict": proposal.verdict,
        "ruleset": {"id": proposal.ruleset_id, "version": proposal.ruleset_version},
        "regime": proposal.regime,
    }
    session.add(
        ScreeningRecord(
            proposal_id=proposal.id,
            verdict=proposal.verdict,
            ruleset_id=proposal.ruleset_id,
            ruleset_version=proposal.ruleset_version,
            regime=proposal.regime,
            screening=proposal.screening,
            replaced_by=actor.id,
            replaced_at=utcnow(),
        )
    )
    snapshot = {**result.as_dict(), "sectors": screening.sector_snapshot(prepared.sectors, prepared.ruleset.catalog)}
    changes = screening.changes(proposal.screening or {}, snapshot)
    proposal.screening = snapshot
    proposal.verdict = result.verdict
    proposal.ruleset_id = result.ruleset_id
    proposal.ruleset_version = result.ruleset_version
    proposal.regime = result.regime
    proposal.updated_at = utcnow()
    session.add(proposal)
    audit.record(
        session,
        actor=actor,
        action="review.rescreen",
        object_type="proposal",
        object_id=proposal.id,
        before=old,
        after={
            "verdict": result.verdict,
            "ruleset": {"id": result.ruleset_id, "version": result.ruleset_version},
            "regime": result.regime,
            "findings": builtins.list(result.rule_ids),
            "changes": changes,
        },
        address=address,
    )
    session.flush()
    return snapshot


def actions_for(proposal: Proposal) -> list[str]:
    """What a screener may do now (drives which forms the case page shows)."""
    return [str(a) for a in allowed(proposal.status)]


# --- the investor's side -----------------------------------------------------------------------------------


def public_timeline(session: Session, proposal: Proposal, lang: str) -> list[dict]:
    """What the investor sees, oldest first: submission, status changes, information requests, their answers,
    decisions with reasons — in `lang`. Never internal comments, assignments or re-screens.

    Each entry: {"at": datetime, "kind": "submitted"|"status"|"info_request"|"investor_answer"|"decision"|
    "withdrawal", "status": str|None, "text": str|None}.
    """
    kinds = {
        "review.start_review": "status",
        "review.resume": "status",
        "review.request_info": "info_request",
        "review.answer": "investor_answer",
        "review.accept": "decision",
        "review.refuse": "decision",
        "review.withdraw": "withdrawal",
    }
    out: list[dict] = []
    for ev in history(session, proposal=proposal):
        after = ev.after or {}
        if ev.action == "proposal.submitted":
            out.append(
                {"at": aware(ev.at), "kind": "submitted", "status": after.get("status", "submitted"), "text": None}
            )
            continue
        kind = kinds.get(ev.action)
        if kind is None or after.get("public") is not True:
            continue
        message = after.get("message")
        text = (message.get(lang) or message.get("vi") or message.get("en")) if isinstance(message, dict) else message
        out.append({"at": aware(ev.at), "kind": kind, "status": after.get("status"), "text": text or None})
    return out


def investor_actions(proposal: Proposal) -> list[str]:
    """What the investor may do from the tracking page now: "answer", "withdraw"."""
    return [str(a) for a in allowed(proposal.status, actor=Actor.investor)]


def open_info_request(session: Session, *, proposal: Proposal) -> ReviewMessage | None:
    """The information request waiting for an answer, if the case is waiting for one."""
    if proposal.status != State.info_requested:
        return None
    return session.exec(
        select(ReviewMessage)
        .where(ReviewMessage.proposal_id == proposal.id, ReviewMessage.kind == MessageKind.info_request)
        .order_by(col(ReviewMessage.created_at).desc(), col(ReviewMessage.id).desc())
    ).first()


def status_context(
    session: Session,
    proposal: Proposal,
    lang: str,
    *,
    token: str,
    forms: dict | None = None,
    errors: dict | None = None,
    max_files: int = 5,
    max_bytes: int = 10 * 1024 * 1024,
) -> dict:
    """What `review/public.html` needs on the tracking page: the investor's possible actions, the open
    information request, this domain's timeline, (after a refused form) the values and errors, and the
    limits of the answer's documents (the app's upload settings)."""
    return {
        "max_files": max_files,
        "max_mb": max(1, max_bytes // (1024 * 1024)),
        "token": token,
        "actions": investor_actions(proposal),
        "info_request": open_info_request(session, proposal=proposal),
        "timeline": public_timeline(session, proposal, lang),
        "forms": forms or {},
        "errors": errors or {},
    }
