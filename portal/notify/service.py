"""Notifications: written in the event's transaction (the outbox), sent later by the worker.

Producers (other domains' services call these inside their own write transaction):

    proposal_submitted(session, proposal=..., token=...)   receipt to the investor; new-submission mail
                                                           to screeners (immediate, or held for the digest)
    info_requested(session, proposal=...)                  to the investor, with the question and link
    answer_received(session, proposal=..., text=...)       to the assigned screener (or all screeners)
    decided(session, proposal=..., outcome=..., ...)       to the investor, in the investor's language
    assigned(session, proposal=..., screener=..., actor=...) to the screener given the case
    tracking_links(session, email=..., proposals=...)      lost links, to that address
    enquiry_answered(session, email=..., lang=..., ...)    staff's answer to a zone enquiry, in the language
                                                           the question was asked in

Each renders its message now, in the recipient's language (subject, plain text and HTML from the
templates under `templates/notify/`, strings in the Babel catalogues), so the outbox holds exactly what
will be sent. The consumer is `drain(db, transport)`: it claims due rows in one short write, sends them
outside any transaction, and records each message's outcome in its own short write right after its send;
a failure schedules a retry with backoff (`notify_retry_seconds`, doubled each time, at most 6 hours)
until `notify_max_attempts`, then the row is `failed` and listed for admins, who can send it again. Rows
are never deleted.

A row claimed by a worker that died (status `sending` for longer than LEASE) is sent again: delivery is
at least once, but only the message in flight when the worker died (sent, its outcome not yet written)
can reach the server twice, and its Message-ID stays the same so the duplicate is recognisable.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from portal import PACKAGE_DIR
from portal.accounts.models import User
from portal.audit import service as audit
from portal.i18n import LOCALES, N_, fmt_date, fmt_number, get_translations, ntranslate, translate
from portal.notify import ports
from portal.notify.mailer import DeliveryError, build_message, one_line, valid_address
from portal.notify.models import Notification, NotifyPreference
from portal.settings import get_settings

VN_TIME = timezone(timedelta(hours=7), "ICT")  # Vietnam has no daylight saving time
LEASE = timedelta(minutes=10)
MAX_DELAY = timedelta(hours=6)
NEW_SUBMISSION_MODES = ("immediate", "digest", "off")

SUBJECTS: dict[str, str] = {
    "receipt": N_("We received your proposal %(reference)s"),
    "info_requested": N_("Information requested on your proposal %(reference)s"),
    "answer_received": N_("The investor answered on case %(reference)s"),
    "decision": N_("Decision on your proposal %(reference)s"),
    "new_submission": N_("New proposal %(reference)s: %(project)s"),
    "assignment": N_("Case %(reference)s was assigned to you"),
    "tracking_links": N_("Your tracking links"),
    "enquiry_answer": N_("Answer to your question about %(zone)s"),
}
KIND_LABELS: dict[str, str] = {
    "receipt": N_("Receipt"),
    "info_requested": N_("Information requested"),
    "answer_received": N_("Answer received"),
    "decision": N_("Decision"),
    "new_submission": N_("New submission"),
    "assignment": N_("Assignment"),
    "tracking_links": N_("Tracking links"),
    "digest": N_("Daily digest"),
    "enquiry_answer": N_("Answer to an enquiry"),
    "alert_confirm": N_("Land alert: confirmation"),
    "alert": N_("Land alert"),
}
STATUS_LABELS: dict[str, str] = {
    "pending": N_("Waiting to be sent"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "held": N_("Held for the digest"),
    "digested": N_("In a digest"),
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# --- configuration (links need the public address and the secret of the tracking tokens) -----------------


@dataclass(frozen=True)
class MailConfig:
    base_url: str
    secret: str
    sender: str
    max_attempts: int = 8
    retry_seconds: float = 60.0
    digest_hour: int = 8

    @classmethod
    def from_settings(cls, settings: Any) -> MailConfig:
        host = urlsplit(settings.base_url).hostname or "localhost"
        return cls(
            base_url=settings.base_url.rstrip("/"),
            secret=settings.secret_key,
            sender=settings.mail_from or f"noreply@{host}",
            max_attempts=settings.notify_max_attempts,
            retry_seconds=settings.notify_retry_seconds,
            digest_hour=settings.notify_digest_hour,
        )

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"


#: Database -> the MailConfig of the app that owns it (`configure`, called by the app factory); held weakly,
#: so a test's app and database go away together.
_configs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def configure(db: Any, cfg: MailConfig) -> None:
    """Mail written through `db` uses `cfg` (links, sender, retries): the app factory wires this."""
    _configs[db] = cfg


def config_for(session: Session) -> MailConfig:
    """The configuration of the app whose database this session belongs to, else the process settings
    (a command or script that built its own Database)."""
    db = session.info.get("db")
    found = _configs.get(db) if db is not None else None
    return found if found is not None else MailConfig.from_settings(get_settings())


# --- rendering -------------------------------------------------------------------------------------------


@cache
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(PACKAGE_DIR / "templates")),
        autoescape=select_autoescape(["html"]),  # the .txt part is plain text, not escaped
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(get_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        lang=lang,
        num=lambda v, digits=2: fmt_number(v, lang, digits),
        when=lambda v: vn_time(v, lang),
        fdate=lambda v: fmt_date(v, lang),
    )
    return env


def vn_time(value: datetime | None, lang: str) -> str:
    """A moment in Vietnam time, written the same way as on the pages (`portal.i18n.fmt_date`) and never
    ambiguous: '09:15, 02/12/2026 (giờ Việt Nam)', '2 December 2026, 09:15 (Vietnam time)'."""
    return fmt_date(value, lang) or ""


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, lang: str, context: dict[str, Any], *, subject: str | None = None) -> Rendered:
    if lang not in LOCALES:
        lang = "vi"
    env = _environment(lang)
    title = one_line(subject if subject is not None else translate(lang, SUBJECTS[kind], **context.get("_s", {})), 300)
    ctx = {**context, "subject": title}
    return Rendered(
        title,
        env.get_template(f"notify/{kind}.txt").render(ctx),
        env.get_template(f"notify/{kind}.html").render(ctx),
    )


# --- producing -------------------------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    kind: str,
    to: str,
    name: str = "",
    locale: str,
    context: dict[str, Any],
    proposal_id: int | None = None,
    user_id: int | None = None,
    hold: bool = False,
    subject: str | None = None,
    unsubscribe_url: str | None = None,
) -> Notification:
    """Render one message and add it to the outbox in `session` (the caller's transaction). An address
    that cannot receive mail is stored as failed with the reason, for admins to see."""
    cfg = config_for(session)
    context = {**context, "site_url": cfg.base_url, "unsubscribe_url": unsubscribe_url}
    rendered = render(kind, locale, context, subject=subject)
    row = Notification(
        kind=kind,
        status="held" if hold else "pending",
        recipient=(to or "").strip()[:254],
        recipient_name=one_line(name, 200),
        locale=locale if locale in LOCALES else "vi",
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        message_id=f"<{secrets.token_hex(16)}.{kind}@{cfg.domain}>",
        proposal_id=proposal_id,
        user_id=user_id,
        unsubscribe_url=unsubscribe_url,
        created_at=utcnow(),
        next_attempt_at=utcnow(),
    )
    if not valid_address(row.recipient):
        row.status, row.last_error = "failed", "invalid address"
    session.add(row)
    session.info["notify_dirty"] = True
    return row


def tracking_url(cfg: MailConfig, proposal: Any, *, token: str | None = None) -> str:
    token = token or ports.tracking_token(proposal, secret=cfg.secret)
    return f"{cfg.base_url}/{proposal.locale}/proposals/status/{token}"


def case_url(cfg: MailConfig, proposal: Any, lang: str) -> str:
    return f"{cfg.base_url}/{lang}/review/{proposal.id}"


def _proposal_context(proposal: Any) -> dict[str, Any]:
    return {
        "reference": proposal.reference,
        "project": proposal.project_name,
        "company": proposal.company_name,
        "contact": proposal.contact_name,
        "submitted_at": proposal.created_at,
        "verdict": proposal.verdict,
        "verdict_label": ports.verdict_label(proposal.verdict),
        "_s": {"reference": proposal.reference, "project": one_line(proposal.project_name, 120)},
    }


def preference(session: Session, user: User) -> NotifyPreference:
    """The stored preference, or the default: Vietnamese; screeners hear of new submissions at once,
    admins who are not screeners by role do not."""
    found = session.get(NotifyPreference, user.id)
    if found is not None:
        return found
    screener = "screener" in (user.roles or [])
    return NotifyPreference(user_id=user.id, locale="vi", new_submissions="immediate" if screener else "off")


def screeners(session: Session) -> list[User]:
    users = session.exec(select(User).where(User.active == True).order_by(col(User.email))).all()  # noqa: E712
    return [u for u in users if u.has_role("screener")]


def _to_investor(session: Session, proposal: Any, kind: str, **context: Any) -> Notification:
    cfg = config_for(session)
    return enqueue(
        session,
        kind=kind,
        to=proposal.contact_email,
        name=proposal.contact_name,
        locale=proposal.locale,
        proposal_id=proposal.id,
        context={**_proposal_context(proposal), "tracking_url": tracking_url(cfg, proposal), **context},
    )


def _to_staff(session: Session, proposal: Any, user: User, kind: str, *, hold: bool = False, **context: Any):
    cfg = config_for(session)
    lang = preference(session, user).locale
    return enqueue(
        session,
        kind=kind,
        to=user.email,
        name=user.display_name,
        locale=lang,
        proposal_id=proposal.id,
        user_id=user.id,
        hold=hold,
        context={**_proposal_context(proposal), "case_url": case_url(cfg, proposal, lang), **context},
    )


def proposal_submitted(session: Session, *, proposal: Any, token: str) -> list[Notification]:
    cfg = config_for(session)
    out = [
        enqueue(
            session,
            kind="receipt",
            to=proposal.contact_email,
            name=proposal.contact_name,
            locale=proposal.locale,
            proposal_id=proposal.id,
            context={**_proposal_context(proposal), "tracking_url": tracking_url(cfg, proposal, token=token)},
        )
    ]
    for user in screeners(session):
        mode = preference(session, user).new_submissions
        if mode in ("immediate", "digest"):
            out.append(_to_staff(session, proposal, user, "new_submission", hold=mode == "digest"))
    return out


def info_requested(session: Session, *, proposal: Any, text_vi: str, text_en: str) -> Notification:
    return _to_investor(session, proposal, "info_requested", question=text_vi if proposal.locale == "vi" else text_en)


def decided(session: Session, *, proposal: Any, outcome: str, reason_vi: str, reason_en: str) -> Notification:
    return _to_investor(
        session, proposal, "decision", outcome=outcome, reason=reason_vi if proposal.locale == "vi" else reason_en
    )


def answer_received(
    session: Session, *, proposal: Any, text: str, files: list[str] | None = None, screener: User | None = None
) -> list[Notification]:
    """To the assigned screener; a case nobody holds goes to every screener who hears of new submissions."""
    recipients = [screener] if screener is not None and screener.active else []
    if not recipients:
        recipients = [u for u in screeners(session) if preference(session, u).new_submissions != "off"]
    return [
        _to_staff(session, proposal, user, "answer_received", answer=text, files=files or []) for user in recipients
    ]


def assigned(session: Session, *, proposal: Any, screener: User, actor: User) -> Notification | None:
    if screener.id == actor.id:
        return None  # one does not need to be told of what one just did
    return _to_staff(session, proposal, screener, "assignment", by=actor.display_name or actor.email)


def tracking_links(session: Session, *, email: str, proposals: list[Any], locale: str) -> Notification:
    cfg = config_for(session)
    items = [
        {"reference": p.reference, "project": p.project_name, "submitted_at": p.created_at, "url": tracking_url(cfg, p)}
        for p in proposals
    ]
    return enqueue(session, kind="tracking_links", to=email, locale=locale, context={"items": items})


def enquiry_answered(
    session: Session,
    *,
    email: str,
    name: str,
    lang: str,
    zone_name: str,
    zone_slug: str,
    question: str,
    answer: str,
    asked_at: datetime,
) -> Notification:
    cfg = config_for(session)
    return enqueue(
        session,
        kind="enquiry_answer",
        to=email,
        name=name,
        locale=lang,
        context={
            "name": one_line(name, 120),
            "zone": zone_name,
            "zone_url": f"{cfg.base_url}/{lang}/zones/{zone_slug}",
            "question": question,
            "answer": answer,
            "asked_at": asked_at,
            "_s": {"zone": one_line(zone_name, 120)},
        },
    )


# --- digests ---------------------------------------------------------------------------------------------


def digest_moment(now: datetime, hour: int) -> datetime:
    """Today's digest time (Vietnam time) as UTC; items held before it go into today's digest."""
    local = now.astimezone(VN_TIME)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(UTC)


def compose_digests(session: Session, *, now: datetime | None = None, cfg: MailConfig | None = None) -> int:
    """One digest per screener of the new-submission mails held before today's digest time, once that time
    has come. Returns how many digests were written."""
    now = now or utcnow()
    cfg = cfg or config_for(session)
    moment = digest_moment(now, cfg.digest_hour)
    if now < moment:
        return 0
    held = session.exec(
        select(Notification)
        .where(Notification.status == "held", col(Notification.created_at) < moment)
        .order_by(col(Notification.user_id), col(Notification.id))
    ).all()
    by_user: dict[int | None, list[Notification]] = {}
    for row in held:
        by_user.setdefault(row.user_id, []).append(row)
    written = 0
    for user_id, rows in by_user.items():
        user = session.get(User, user_id) if user_id is not None else None
        if user is None or not user.active:
            for row in rows:
                row.status, row.last_error = "failed", "recipient no longer active"
                session.add(row)
            continue
        lang = preference(session, user).locale
        items = []
        for row in rows:
            p = ports.proposal(session, row.proposal_id) if row.proposal_id else None
            if p is not None:
                items.append({**_proposal_context(p), "case_url": case_url(cfg, p, lang)})
        subject = ntranslate(lang, "%(num)d new proposal", "%(num)d new proposals", len(items))
        digest = enqueue(
            session,
            kind="digest",
            to=user.email,
            name=user.display_name,
            locale=lang,
            user_id=user.id,
            context={"items": items, "queue_url": f"{cfg.base_url}/{lang}/review/"},
            subject=subject,
        )
        session.flush()
        for row in rows:
            row.status, row.digest_id = "digested", digest.id
            session.add(row)
        written += 1
    return written


# --- consuming -------------------------------------------------------------------------------------------


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _due(now: datetime):
    return or_(
        (col(Notification.status) == "pending") & (col(Notification.next_attempt_at) <= now),
        (col(Notification.status) == "sending") & (col(Notification.claimed_at) <= now - LEASE),
    )


def _count(session: Session, condition) -> int:
    return int(session.exec(select(func.count()).select_from(Notification).where(condition)).one())


def retry_delay(cfg: MailConfig, attempts: int) -> timedelta:
    return min(timedelta(seconds=cfg.retry_seconds * 2 ** max(0, attempts - 1)), MAX_DELAY)


def drain(
    db: Any,
    transport: Any,
    *,
    cfg: MailConfig,
    now: datetime | None = None,
    batch: int = 20,
    stop: threading.Event | None = None,
) -> DrainResult:
    """Send what is due, batch by batch, until nothing due is left or a batch failed entirely.

    `stop` (the worker's shutdown): once set, no further message is sent; the claimed rows not yet sent go
    back to `pending` at once instead of waiting out the lease, so a restart sends them without delay."""
    result = DrainResult()
    now = now or utcnow()
    moment = digest_moment(now, cfg.digest_hour)
    with db.session() as r:  # an idle outbox costs a read, never the write lock
        waiting = (col(Notification.status) == "held") & (col(Notification.created_at) < moment)
        held = now >= moment and _count(r, waiting)
        due = _count(r, _due(now))
    if held:
        with db.write() as w:
            compose_digests(w, now=now, cfg=cfg)
    elif not due:
        return result
    while stop is None or not stop.is_set():
        with db.write() as w:
            stmt = select(Notification).where(_due(now)).order_by(col(Notification.id)).limit(batch)
            if not db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            claimed = []
            for row in w.exec(stmt).all():
                row.status, row.claimed_at, row.attempts = "sending", utcnow(), row.attempts + 1
                w.add(row)
                claimed.append((row.id, row.attempts, _message(row, cfg)))
        if not claimed:
            return result
        delivered = False
        for index, (row_id, attempts, message) in enumerate(claimed):  # outside any transaction: SMTP may be slow
            if stop is not None and stop.is_set():
                with db.write() as w:
                    _release(w, [row_id for row_id, _, _ in claimed[index:]])
                return result
            try:
                if isinstance(message, Exception):
                    raise message
                transport.send(message)
                err = None
            except DeliveryError as error:
                err = error
            # each outcome in its own short write, right after its send: a worker killed in the middle of a
            # batch leaves only the message in flight to be sent again (same Message-ID), not the whole batch
            with db.write() as w:
                _record(w, row_id=row_id, attempts=attempts, err=err, cfg=cfg, result=result)
            delivered = delivered or err is None
        if not delivered:
            return result  # the server is down: wait for the backoff rather than hammer it
    return result


def _release(w: Session, row_ids: list[int]) -> None:
    """Claimed rows this worker will not send (it is stopping): pending again, the claim's attempt undone."""
    for row in w.exec(select(Notification).where(col(Notification.id).in_(row_ids))).all():
        if row.status == "sending":
            row.status, row.claimed_at, row.attempts = "pending", None, max(0, row.attempts - 1)
            w.add(row)


def _record(
    w: Session, *, row_id: int, attempts: int, err: DeliveryError | None, cfg: MailConfig, result: DrainResult
) -> None:
    """One message's outcome: sent, failed for good, or pending again after the backoff."""
    row = w.get(Notification, row_id)
    if err is None:
        row.status, row.sent_at, row.last_error = "sent", utcnow(), None
        result.sent += 1
    elif err.permanent or attempts >= cfg.max_attempts:
        row.status, row.last_error = "failed", str(err)[:2000]
        result.failed += 1
        result.errors.append(str(err))
    else:
        row.status, row.last_error = "pending", str(err)[:2000]
        row.next_attempt_at = utcnow() + retry_delay(cfg, attempts)
        result.retried += 1
        result.errors.append(str(err))
    w.add(row)


def _message(row: Notification, cfg: MailConfig) -> EmailMessage | DeliveryError:
    """The MIME message of a row, or the permanent error of one that cannot be built."""
    try:
        return build_message(
            sender=cfg.sender,
            to=row.recipient,
            to_name=row.recipient_name,
            subject=row.subject,
            text=row.body_text,
            html=row.body_html,
            message_id=row.message_id,
            locale=row.locale,
            unsubscribe_url=row.unsubscribe_url,
        )
    except (ValueError, TypeError) as err:
        return DeliveryError(f"{err.__class__.__name__}: {err}", permanent=True)


def next_due(session: Session) -> datetime | None:
    """When the next pending message is due (the worker sleeps until then)."""
    value = session.exec(select(func.min(Notification.next_attempt_at)).where(Notification.status == "pending")).one()
    return aware(value)


# --- admins and staff --------------------------------------------------------------------------------------


def list_undelivered(session: Session, *, limit: int = 200) -> list[Notification]:
    """Messages that failed for good, and those waiting for a retry after an error (newest first)."""
    return list(
        session.exec(
            select(Notification)
            .where(
                or_(
                    col(Notification.status) == "failed",
                    (col(Notification.status).in_(["pending", "sending"])) & col(Notification.last_error).is_not(None),
                )
            )
            .order_by(col(Notification.id).desc())
            .limit(limit)
        ).all()
    )


def retry(session: Session, *, notification_id: int, actor: User, address: str | None = None) -> Notification | None:
    """Send a failed message again: a fresh set of attempts from now (audited)."""
    row = session.get(Notification, notification_id)
    if row is None or row.status != "failed" or not valid_address(row.recipient):
        return None
    before = {"status": row.status, "attempts": row.attempts, "error": row.last_error}
    row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    session.add(row)
    session.info["notify_dirty"] = True
    audit.record(
        session,
        actor=actor,
        action="notify.retry",
        object_type="notification",
        object_id=row.id,
        before=before,
        after={"status": "pending"},
        address=address,
    )
    return row


def set_preference(session: Session, *, user: User, locale: str, new_submissions: str) -> NotifyPreference:
    if locale not in LOCALES:
        raise ValueError("locale")
    if new_submissions not in NEW_SUBMISSION_MODES:
        raise ValueError("new_submissions")
    row = session.get(NotifyPreference, user.id) or NotifyPreference(user_id=user.id)
    row.locale, row.new_submissions, row.updated_at = locale, new_submissions, utcnow()
    session.add(row)
    return row
