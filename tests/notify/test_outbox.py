"""E-mail through the outbox, delivered to a real SMTP server (aiosmtpd) started by the test: headers,
language, links, both parts; retries with backoff; nothing lost when the server refuses or is down."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from portal.intake.models import Proposal
from portal.notify import service as notify
from portal.notify.mailer import DeliveryError, SMTPTransport, build_message
from portal.notify.models import Notification
from tests.factories import login, make_user
from tests.intake.factories import proposal_form, token_from
from tests.notify.smtp import SMTPServer, save_sample
from tests.servers import closed_port

LINK = re.compile(r"http://127\.0\.0\.1:8000/(vi|en)/proposals/status/([A-Za-z0-9_-]{32,64})")


def submit(client, csrf, lang="vi", **overrides) -> str:
    response = client.post(f"/{lang}/proposals/new", data=proposal_form(csrf, **overrides), follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return token_from(response.headers["location"])


def rows(session, **where) -> list[Notification]:
    session.expire_all()
    query = select(Notification).order_by(Notification.id)
    for key, value in where.items():
        query = query.where(getattr(Notification, key) == value)
    return list(session.exec(query).all())


def parts(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


@pytest.mark.parametrize(
    ("lang", "subject", "greeting"),
    [
        ("vi", "Chúng tôi đã nhận hồ sơ đề xuất", "Kính gửi Lee Wei,"),
        ("en", "We received your proposal", "Dear Lee Wei,"),
    ],
)
def test_receipt_reaches_the_smtp_server_in_the_investors_language_with_the_tracking_link(
    client, csrf, session, smtp, outbox, lang, subject, greeting
):
    token = submit(client, csrf, lang)
    assert smtp.messages == []  # written in the submission's transaction, sent only by the worker
    [row] = rows(session, kind="receipt")
    assert row.status == "pending" and row.locale == lang

    result = outbox()
    assert result.sent >= 1 and result.retried == 0
    [mail] = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == "lee@example.sg"]
    assert mail["From"] == "Portal <noreply@soctrang.test>"
    assert mail["To"].addresses[0].display_name == "Lee Wei"
    assert mail["Subject"].startswith(subject)
    reference = session.exec(select(Proposal.reference)).all()[-1]
    assert reference in mail["Subject"]
    assert mail["Content-Language"] == lang
    assert mail["Message-ID"] == row.message_id
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"]
    assert mail.get_content_type() == "multipart/alternative"
    text, html = parts(mail)
    assert text.startswith(greeting) and greeting in html
    link = f"http://127.0.0.1:8000/{lang}/proposals/status/{token}"
    assert link in text and f'href="{link}"' in html
    # the link opens the proposal
    page = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200 and reference in page.text
    assert "/dev/mail" not in page.text  # mail goes to a real SMTP server here
    assert rows(session, kind="receipt")[0].status == "sent"


def test_screeners_hear_of_a_new_submission_in_their_language_immediate_or_digest(
    client, csrf, session, smtp, outbox, db
):
    at_once = make_user(session, roles=["screener"], email="at-once@example.vn")
    daily = make_user(session, roles=["screener"], email="daily@example.vn")
    make_user(session, roles=["staff"], email="staff-only@example.vn")
    with db.write() as w:
        notify.set_preference(w, user=at_once, locale="en", new_submissions="immediate")
        notify.set_preference(w, user=daily, locale="vi", new_submissions="digest")
    submit(client, csrf, "vi")
    submit(client, csrf, "vi", company_name="Second Co")
    outbox()
    to = [m["To"].addresses[0].addr_spec for m in smtp.messages]
    assert to.count("at-once@example.vn") == 2
    assert "daily@example.vn" not in to and "staff-only@example.vn" not in to
    mail = next(m for m in smtp.messages if m["To"].addresses[0].addr_spec == "at-once@example.vn")
    assert mail["Subject"].startswith("New proposal ST-") and mail["Content-Language"] == "en"
    save_sample(mail, "new_submission-en")
    text, _ = parts(mail)
    assert re.search(r"http://127\.0\.0\.1:8000/en/review/\d+", text)
    held = rows(session, user_id=daily.id)
    assert [r.status for r in held] == ["held", "held"]

    # the daily digest: written once the digest hour has come (08:00 Vietnam time), one message for both
    tomorrow_9am = (datetime.now(UTC) + timedelta(days=1)).replace(hour=2, minute=0)  # 09:00 UTC+7
    outbox(now=tomorrow_9am)
    [digest] = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == "daily@example.vn"]
    assert digest["Subject"] == "2 đề xuất mới"
    save_sample(digest, "digest-vi")
    text, html = parts(digest)
    assert "Second Co" in text and "Second Co" in html
    assert {r.status for r in rows(session, user_id=daily.id, kind="new_submission")} == {"digested"}
    outbox(now=tomorrow_9am + timedelta(hours=1))  # nothing held is left: no second digest
    assert len([m for m in smtp.messages if m["To"].addresses[0].addr_spec == "daily@example.vn"]) == 1


def test_a_refused_send_is_retried_with_backoff_and_delivered_once(client, csrf, session, smtp, outbox):
    submit(client, csrf, "en")
    smtp.refuse_next(1)
    first = outbox()
    assert first.sent == 0 and first.retried == 1 and "451" in first.errors[0]
    [row] = rows(session, kind="receipt")
    assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
    assert notify.aware(row.next_attempt_at) > datetime.now(UTC)  # waits for its backoff
    assert outbox().sent == 0 and smtp.messages == []  # not due yet
    later = outbox(now=datetime.now(UTC) + timedelta(minutes=5))
    assert later.sent == 1
    assert len(smtp.messages) == 1
    [row] = rows(session, kind="receipt")
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None


def test_a_server_that_is_down_loses_nothing_and_admins_see_and_resend_the_failed_message(
    client, csrf, session, app, db, smtp
):
    from portal.notify.mailer import make_transport

    submit(client, csrf, "vi")
    worker = app.state.notify_worker
    down = app.state.settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{closed_port()}"})
    worker._transport = make_transport(down)
    now = datetime.now(UTC)
    for _attempt in range(worker.cfg.max_attempts):
        result = worker.drain_now(now=now)
        assert result.sent == 0
        now += timedelta(hours=7)  # past any backoff
    [row] = rows(session, kind="receipt")
    assert row.status == "failed" and row.attempts == worker.cfg.max_attempts
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    assert worker.drain_now(now=now + timedelta(days=1)).sent == 0  # failed: not retried by itself

    admin = login(client, session, roles=["admin"])
    page = client.get("/en/admin/notifications")
    assert page.status_code == 200 and row.subject in page.text and "Send again" in page.text
    from tests.conftest import csrf_token

    response = client.post(
        f"/en/admin/notifications/{row.id}/retry", data={"csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert response.status_code == 303
    worker._transport = None  # the server is back
    assert worker.drain_now().sent >= 1
    assert [m["Subject"] for m in smtp.messages if m["Message-ID"] == row.message_id] == [row.subject]
    assert rows(session, kind="receipt")[0].status == "sent"
    assert admin.id


def test_a_claimed_message_of_a_worker_that_died_is_sent_again(client, csrf, session, db, outbox, smtp):
    submit(client, csrf, "vi")
    [row] = rows(session, kind="receipt")
    with db.write() as w:  # as a worker leaves it when killed between claiming and sending
        claimed = w.get(Notification, row.id)
        claimed.status, claimed.claimed_at, claimed.attempts = "sending", datetime.now(UTC), 1
        w.add(claimed)
    assert outbox().sent == 0
    assert outbox(now=datetime.now(UTC) + notify.LEASE + timedelta(seconds=1)).sent == 1
    assert len(smtp.messages) == 1


def test_a_name_with_line_breaks_cannot_add_a_header(client, csrf, session, smtp, outbox):
    submit(client, csrf, "en", contact_name="Lee\r\nBcc: victim@example.org")
    outbox()
    [mail] = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == "lee@example.sg"]
    assert mail["Bcc"] is None
    assert all(r == "lee@example.sg" for e in smtp.handler.envelopes for r in e.rcpt_tos if "lee" in r)
    assert not any("victim@example.org" in r for e in smtp.handler.envelopes for r in e.rcpt_tos)
    assert "\n" not in str(mail["To"])


def test_an_address_that_cannot_receive_mail_is_kept_as_failed_not_sent(session, db, smtp, outbox):
    with db.write() as w:
        row = notify.enqueue(w, kind="tracking_links", to="not an address", locale="en", context={"items": []})
    assert row.status == "failed" and row.last_error == "invalid address"
    outbox()
    assert smtp.messages == []


def test_the_worker_never_starts_on_a_tests_bound_database(settings, db):
    from fastapi.testclient import TestClient

    from portal.app import create_app

    app = create_app(settings.model_copy(update={"notify_worker": "thread"}), db=db)
    with TestClient(app):
        assert app.state.notify_worker._thread is None


# --- transports: STARTTLS, TLS, credentials --------------------------------------------------------------


def _message(to="x@example.vn"):
    return build_message(
        sender="noreply@soctrang.test",
        to=to,
        to_name="X",
        subject="Thử nghiệm",
        text="Xin chào",
        html="<p>Xin chào</p>",
        message_id="<t1@soctrang.test>",
        locale="vi",
    )


@pytest.mark.parametrize("tls", ["starttls", "tls"])
def test_smtp_over_starttls_and_tls_with_credentials(tmp_path, tls):
    with SMTPServer(tls=tls, auth=("portal", "s3cret pass"), cert_dir=tmp_path) as server:
        url = server.url.replace("s3cret pass", "s3cret%20pass")
        SMTPTransport(url, ca_file=str(server.cert)).send(_message())
        assert [m["Subject"] for m in server.messages] == ["Thử nghiệm"]
        wrong = url.replace("s3cret%20pass", "wrong")
        with pytest.raises(DeliveryError, match="535"):
            SMTPTransport(wrong, ca_file=str(server.cert)).send(_message())
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):  # nobody vouches for this one
            SMTPTransport(url).send(_message())
        assert len(server.messages) == 1


def test_the_dev_mailbox_lists_files_when_no_smtp_server_is_set(settings, db, tmp_path):
    from fastapi.testclient import TestClient

    from portal.app import create_app

    dev = settings.model_copy(update={"smtp_url": "", "mail_dir": tmp_path / "mail", "env": "development"})
    app = create_app(dev, db=db)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        with db.write() as w:
            notify.enqueue(w, kind="tracking_links", to="someone@example.vn", locale="vi", context={"items": []})
        assert app.state.notify_worker.drain_now().sent == 1
        [eml] = list((tmp_path / "mail").glob("*.eml"))
        page = client.get("/vi/dev/mail")
        assert page.status_code == 200 and "someone@example.vn" in page.text and eml.name in page.text
        one = client.get(f"/vi/dev/mail/{eml.name}")
        assert one.status_code == 200 and "someone@example.vn" in one.text and "Message-ID" in one.text
        assert client.get("/vi/dev/mail/..%2Fsecret_key").status_code == 404
        # a submission in development: the receipt page points to the mailbox, which holds the receipt
        from tests.conftest import csrf_token

        token = submit(client, csrf_token(client), "vi")
        receipt = client.get(f"/vi/proposals/receipt/{token}").text
        assert 'href="/vi/dev/mail"' in receipt
        app.state.notify_worker.drain_now()
        assert "Chúng tôi đã nhận hồ sơ đề xuất" in client.get("/vi/dev/mail").text
    prod = create_app(dev.model_copy(update={"env": "production"}), db=db)
    with TestClient(prod, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/vi/dev/mail").status_code == 404


# --- the review's messages -----------------------------------------------------------------------------------


def _post(client, url, **data):
    from tests.conftest import csrf_token

    return client.post(url, data={"csrf_token": csrf_token(client), **data}, follow_redirects=False)


def test_review_steps_mail_the_investor_in_their_language_and_the_screener_assigned(
    client, csrf, session, smtp, outbox
):
    token = submit(client, csrf, "en")
    p = session.exec(select(Proposal).order_by(Proposal.id.desc())).first()
    outbox()
    smtp.messages.clear()
    lead = login(client, session, roles=["screener"], email="lead@example.vn")
    other = make_user(session, roles=["screener"], email="other@example.vn", display_name="Trần Thị Thẩm")
    assert _post(client, f"/vi/review/{p.id}/assign", screener_id=str(other.id)).status_code == 303
    outbox()
    [mail] = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == "other@example.vn"]
    assert mail["Subject"] == f"Hồ sơ {p.reference} đã được giao cho bạn"  # her default language: Vietnamese
    save_sample(mail, "assignment-vi")
    assert lead.display_name in parts(mail)[0]

    response = _post(
        client, f"/vi/review/{p.id}/request-info", text_vi="Xin gửi báo cáo ĐTM.", text_en="Please send the EIA report."
    )
    assert response.status_code == 303
    outbox()
    [ask] = [m for m in smtp.messages if m["Subject"].startswith("Information requested")]
    text, html = parts(ask)
    assert "Please send the EIA report." in text and "Please send the EIA report." in html
    assert "báo cáo ĐTM" not in text
    assert f"http://127.0.0.1:8000/en/proposals/status/{token}" in text

    from tests.conftest import csrf_token

    answer = client.post(
        f"/en/proposals/status/{token}/answer",
        data={"csrf_token": csrf_token(client), "text": "Attached is the EIA report."},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    outbox()
    [answered] = [
        m for m in smtp.messages if m["To"].addresses[0].addr_spec == "other@example.vn" and "trả lời" in m["Subject"]
    ]
    assert "Attached is the EIA report." in parts(answered)[0]
    assert not [m for m in smtp.messages if m["To"].addresses[0].addr_spec == "lead@example.vn"]

    response = _post(
        client,
        f"/vi/review/{p.id}/decide",
        outcome="refuse",
        text_vi="Không phù hợp quy hoạch.",
        text_en="Not in line with the plan.",
    )
    assert response.status_code == 303
    outbox()
    [decision] = [m for m in smtp.messages if m["Subject"].startswith("Decision on your proposal")]
    text, _ = parts(decision)
    assert "was refused" in text and "Not in line with the plan." in text and "quy hoạch" not in text


class WorkerKilled(BaseException):
    """What stops a worker mid-batch (as SIGTERM's SystemExit does): not a delivery error, nothing catches it."""


class DiesInBatch:
    """The real SMTP transport of the test's server; the worker dies at its `at`-th send: before it reaches
    the server (`sent=False`) or after the server accepted it, before the outcome is written (`sent=True`)."""

    def __init__(self, url: str, *, at: int, sent: bool) -> None:
        self.real, self.at, self.sent, self.calls = SMTPTransport(url, timeout=5), at, sent, 0

    def send(self, message) -> None:
        self.calls += 1
        if self.calls == self.at and not self.sent:
            raise WorkerKilled
        self.real.send(message)
        if self.calls == self.at:
            raise WorkerKilled


@pytest.mark.parametrize("in_flight", [False, True], ids=["between-messages", "after-a-send"])
def test_a_worker_killed_in_a_batch_sends_again_at_most_the_message_in_flight(app, db, session, smtp, in_flight):
    with db.write() as w:
        queued = [
            notify.enqueue(w, kind="tracking_links", to=f"k{i}@example.vn", locale="en", context={"items": []})
            for i in range(5)
        ]
        w.flush()
        ids = [row.id for row in queued]
    worker = app.state.notify_worker
    worker._transport = DiesInBatch(smtp.url, at=3, sent=in_flight)
    with pytest.raises(WorkerKilled):
        worker.drain_now()
    delivered = [m["Message-ID"] for m in smtp.messages]
    assert len(delivered) == (3 if in_flight else 2)
    by_id = {r.id: r for r in rows(session)}
    assert [by_id[i].status for i in ids[:2]] == ["sent", "sent"]  # recorded as each was accepted
    assert {by_id[i].message_id for i in ids[:2]} <= set(delivered)
    assert [by_id[i].status for i in ids[2:]] == ["sending"] * 3  # the rest waits for the lease

    worker._transport = SMTPTransport(smtp.url, timeout=5)
    assert worker.drain_now().sent == 0  # a claim younger than the lease is left alone
    later = worker.drain_now(now=datetime.now(UTC) + notify.LEASE + timedelta(seconds=1))
    assert later.sent == 3
    received = [m["Message-ID"] for m in smtp.messages]
    assert sorted(set(received)) == sorted(r.message_id for r in rows(session))
    assert all(r.status == "sent" and r.attempts == (2 if r.id in ids[2:] else 1) for r in rows(session))
    twice = [mid for mid in set(received) if received.count(mid) > 1]
    assert twice == ([by_id[ids[2]].message_id] if in_flight else [])  # at most the one in flight, same Message-ID


class StopsInBatch:
    """The real SMTP transport; the worker is told to stop (its shutdown) during its `at`-th send."""

    def __init__(self, url: str, *, at: int, stop: threading.Event) -> None:
        self.real, self.at, self.stop, self.calls = SMTPTransport(url, timeout=5), at, stop, 0

    def send(self, message) -> None:
        self.calls += 1
        self.real.send(message)
        if self.calls == self.at:
            self.stop.set()


def test_a_stopping_worker_hands_back_the_rest_of_its_batch_at_once(app, db, session, smtp):
    with db.write() as w:
        queued = [
            notify.enqueue(w, kind="tracking_links", to=f"s{i}@example.vn", locale="en", context={"items": []})
            for i in range(5)
        ]
        w.flush()
        ids = [row.id for row in queued]
    worker = app.state.notify_worker
    stop = threading.Event()
    worker._transport = StopsInBatch(smtp.url, at=2, stop=stop)
    assert worker.drain_now(stop=stop).sent == 2
    by_id = {r.id: r for r in rows(session)}
    assert [by_id[i].status for i in ids] == ["sent", "sent", "pending", "pending", "pending"]
    assert [by_id[i].attempts for i in ids] == [1, 1, 0, 0, 0]  # the claim of the unsent ones is undone
    assert all(by_id[i].claimed_at is None for i in ids[2:])
    # no lease to wait out: the next sender (another worker, the restarted one) sends them at once, once each
    worker._transport = SMTPTransport(smtp.url, timeout=5)
    assert worker.drain_now().sent == 3
    received = [m["Message-ID"] for m in smtp.messages]
    assert sorted(received) == sorted(r.message_id for r in rows(session))


def test_a_server_that_never_answers_times_out_and_the_message_waits_for_a_retry(client, csrf, session, app):
    import socket

    from portal.notify.mailer import make_transport

    submit(client, csrf, "vi")
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections in the backlog and never says a word
    try:
        worker = app.state.notify_worker
        hanging = app.state.settings.model_copy(
            update={"smtp_url": f"smtp://127.0.0.1:{silent.getsockname()[1]}", "smtp_timeout_seconds": 0.5}
        )
        worker._transport = make_transport(hanging)
        result = worker.drain_now()
    finally:
        silent.close()
    assert result.sent == 0 and result.retried >= 1
    [row] = rows(session, kind="receipt")
    assert row.status == "pending" and row.attempts == 1 and "timed out" in row.last_error.lower()


def test_an_unknown_recipient_fails_at_once_and_is_listed_for_admins(client, csrf, session, smtp, outbox):
    smtp.handler.unknown.add("lee@example.sg")
    submit(client, csrf, "en")
    result = outbox()
    assert result.failed == 1 and "550" in result.errors[0]
    [row] = rows(session, kind="receipt")
    assert row.status == "failed" and row.attempts == 1  # retrying cannot help: no backoff, no more tries
    login(client, session, roles=["admin"])
    page = client.get("/en/admin/notifications").text
    assert row.subject in page and "550" in page


def test_portal_send_mail_sends_the_outbox_from_the_command_line(tmp_path):
    """The real CLI against a real server's database: a proposal submitted over HTTP, its receipt sent by
    `portal send-mail` to the SMTP server of the test."""
    import uuid

    import httpx

    from tests.intake.factories import proposal_json
    from tests.servers import LiveServer, sqlite_url

    with SMTPServer() as smtp:
        server = LiveServer(
            sqlite_url(tmp_path),
            workdir=tmp_path,
            extra_env={"PORTAL_SMTP_URL": smtp.url, "PORTAL_NOTIFY_WORKER": "manual"},
        )
        server.start()
        try:
            response = httpx.post(
                server.url("/api/v1/proposals?lang=en"),
                json=proposal_json(contact_email="cli@example.vn"),
                headers={"Idempotency-Key": str(uuid.uuid4())},
                timeout=30,
            )
            assert response.status_code == 201
            assert smtp.messages == []  # the server's worker is off
            done = server.cli("send-mail")
            assert "sent: 1;" in done.stdout
        finally:
            server.stop()
        [mail] = smtp.messages
        assert mail["To"].addresses[0].addr_spec == "cli@example.vn"
        assert response.json()["tracking_url"] in mail.get_body(preferencelist=("plain",)).get_content()


# --- wiring: the app's configuration and worker, held by the app, not hung on the Database -------------


def test_mail_uses_the_apps_configuration_and_a_commit_wakes_the_apps_worker(settings, db, smtp):
    from portal.app import create_app

    app = create_app(settings.model_copy(update={"base_url": "https://portal.example.vn"}), db=db)
    assert not hasattr(db, "mail_config") and not hasattr(db, "notify_worker")
    assert app.state.mail_config.base_url == "https://portal.example.vn"
    worker = app.state.notify_worker
    assert not worker._wake.is_set()
    with db.write() as w:
        notify.enqueue(w, kind="tracking_links", to="a@example.vn", locale="en", context={"items": []})
    assert worker._wake.is_set()  # woken after the commit, not before
    assert worker.drain_now().sent == 1
    assert "https://portal.example.vn/en/" in smtp.messages[-1].get_body(preferencelist=("plain",)).get_content()


def test_a_notify_port_nobody_provided_is_refused_not_guessed(monkeypatch):
    from portal.events import NotWired
    from portal.notify import ports

    monkeypatch.setattr(ports, "_proposals", None)
    with pytest.raises(NotWired):
        ports.verdict_label("eligible")
