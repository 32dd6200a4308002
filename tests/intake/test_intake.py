"""The proposal form: success, idempotency, attachments, errors kept by the field, body cap, CSRF."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from sqlmodel import select

from portal.audit.models import AuditEvent
from portal.intake.models import Attachment, Proposal
from tests.conftest import count_rows
from tests.intake.factories import JPEG, PDF, PNG, proposal_form, token_from


def submit(client, csrf, lang="en", files=None, **fields):
    return client.post(
        f"/{lang}/proposals/new", data=proposal_form(csrf, **fields), files=files or None, follow_redirects=False
    )


def proposals(session) -> list[Proposal]:
    return list(session.exec(select(Proposal)).all())


def test_form_renders_with_a_fresh_key(client):
    a = client.get("/vi/proposals/new")
    b = client.get("/en/proposals/new")
    assert a.status_code == b.status_code == 200
    assert 'enctype="multipart/form-data"' in a.text
    key_a = a.text.split('name="idempotency_key" value="')[1].split('"')[0]
    key_b = b.text.split('name="idempotency_key" value="')[1].split('"')[0]
    assert uuid.UUID(key_a) and key_a != key_b
    assert a.headers["cache-control"] == "no-store"


def test_form_preselects_a_zone(client):
    r = client.get("/en/proposals/new?zone=kcn-tran-de")
    assert '<option value="kcn-tran-de" selected>' in r.text


def test_success_stores_one_screened_proposal(client, csrf, session, settings):
    r = submit(
        client,
        csrf,
        files=[("attachments", ("plan.pdf", PDF, "application/pdf")), ("attachments", ("site.png", PNG, "image/png"))],
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/en/proposals/receipt/")
    token = token_from(r.headers["location"])
    rows = proposals(session)
    assert len(rows) == 1
    p = rows[0]
    assert p.reference.startswith("ST-") and p.reference.endswith(f"{p.id:06d}")
    assert p.status == "submitted" and p.locale == "en" and p.channel == "form"
    assert p.sectors == ["1313"] and p.zone_id is not None and p.inside_zone is True
    assert p.capital_currency == "USD" and p.jobs == 300
    assert p.facts["environmental_measures"] is True and p.facts["zone"] == "kcn-an-nghiep"
    assert p.verdict == p.screening["verdict"]
    assert p.ruleset_id == "resolution-03-iv7" and p.screening["ruleset"]["version"] == p.ruleset_version
    first = p.screening["findings"][0]
    assert set(first["title"]) == {"vi", "en"} and set(first["citation"]) == {"vi", "en"}
    assert p.tracking_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(p.model_dump())  # the token itself is never stored
    files = list(session.exec(select(Attachment).where(Attachment.proposal_id == p.id)).all())
    assert sorted(f.content_type for f in files) == ["application/pdf", "image/png"]
    for f in files:
        path = settings.upload_dir / f.stored_name
        assert path.read_bytes() in (PDF, PNG)
        assert f.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert f.original_name in ("plan.pdf", "site.png") and f.original_name != f.stored_name
    assert not list((settings.upload_dir / ".incoming").iterdir())
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "proposal.submitted")).all()
    assert [e.object_id for e in events] == [str(p.id)]
    assert events[0].after["verdict"] == p.verdict and events[0].actor_label == "investor"


def test_same_key_twice_is_one_proposal_and_the_same_receipt(client, csrf, session, settings):
    key = str(uuid.uuid4())
    first = submit(client, csrf, key=key, files=[("attachments", ("a.pdf", PDF, "application/pdf"))])
    second = submit(client, csrf, key=key, files=[("attachments", ("a.pdf", PDF, "application/pdf"))])
    third = submit(client, csrf, key=key, project_name="Changed after pressing back")
    assert first.status_code == second.status_code == third.status_code == 303
    assert first.headers["location"] == second.headers["location"] == third.headers["location"]
    assert len(proposals(session)) == 1
    assert count_rows(session, "attachment") == 1
    assert len([p for p in settings.upload_dir.iterdir() if p.is_file()]) == 1


def test_different_keys_are_different_proposals(client, csrf, session):
    submit(client, csrf)
    submit(client, csrf)
    assert len(proposals(session)) == 2
    refs = {p.reference for p in proposals(session)}
    assert len(refs) == 2


def test_race_on_the_same_key_loads_the_winner(db, session, settings):
    """The loser of a race hits the UNIQUE key: rolled back, the winner returned, its files deleted."""
    import io

    from portal.intake import service, uploads
    from portal.intake.schemas import ProposalCreate
    from tests.intake.factories import proposal_json

    data = ProposalCreate.model_validate(proposal_json())
    winner = service.submit(
        db, data=data, key="race-key-0000000001", channel="api", locale="vi", secret=settings.secret_key
    )
    staged = [uploads.stage(io.BytesIO(PDF), "late.pdf", directory=settings.upload_dir, max_bytes=10_000)]
    # skip the replay check, as a concurrent request would have: straight to the INSERT
    loser = service.submit(
        db,
        data=data,
        key="race-key-0000000001",
        channel="api",
        locale="vi",
        secret=settings.secret_key,
        files=staged,
    )
    assert loser.created is False and loser.proposal.id == winner.proposal.id and loser.token == winner.token
    assert count_rows(session, "proposal") == 1
    assert not staged[0].final_path.exists() and not staged[0].temp_path.exists()


def test_fake_pdf_is_refused_with_a_clear_message(client, csrf, session):
    r = submit(client, csrf, files=[("attachments", ("x.pdf", b"just some text, honestly a PDF", "application/pdf"))])
    assert r.status_code == 422
    at = r.text.index('id="f-attachments-error"')
    assert "x.pdf is not a PDF, PNG or JPEG file" in r.text[at : at + 300]
    assert "choose them again" in r.text
    assert count_rows(session, "proposal") == 0


def test_pdf_content_with_png_name_is_stored_as_pdf(client, csrf, session):
    r = submit(client, csrf, files=[("attachments", ("scan.png", PDF, "image/png"))])
    assert r.status_code == 303
    assert session.exec(select(Attachment.content_type)).all() == ["application/pdf"]


def test_jpeg_is_accepted(client, csrf, session):
    assert submit(client, csrf, files=[("attachments", ("p.jpg", JPEG, "image/jpeg"))]).status_code == 303


def test_six_files_are_refused(client, csrf, session, settings):
    files = [("attachments", (f"f{i}.pdf", PDF, "application/pdf")) for i in range(6)]
    r = submit(client, csrf, files=files)
    assert r.status_code == 422
    assert "Attach at most 5 files." in r.text
    assert count_rows(session, "proposal") == 0
    assert not settings.upload_dir.exists() or not [p for p in settings.upload_dir.rglob("*") if p.is_file()]


def test_file_over_the_cap_is_refused(client, csrf, session, settings):
    big = PDF + b"0" * (settings.max_upload_bytes + 1)
    r = submit(client, csrf, files=[("attachments", ("big.pdf", big, "application/pdf"))])
    assert r.status_code == 422
    assert "big.pdf is larger than 10 MB." in r.text
    assert count_rows(session, "proposal") == 0
    assert not [p for p in settings.upload_dir.rglob("*") if p.is_file()]


def test_body_over_the_cap_is_413(settings, db, csrf):
    from fastapi.testclient import TestClient

    from portal.app import create_app

    small = create_app(settings.model_copy(update={"max_body_bytes": 4096}), db=db)
    with TestClient(small, base_url="http://127.0.0.1:8000") as c:
        from tests.conftest import csrf_token

        token = csrf_token(c)
        r = c.post(
            "/en/proposals/new",
            data=proposal_form(token),
            files=[("attachments", ("a.pdf", PDF + b"0" * 10_000, "application/pdf"))],
            follow_redirects=False,
        )
    assert r.status_code == 413


def test_errors_keep_everything_typed(client, csrf, session):
    r = submit(
        client,
        csrf,
        lang="en",
        contact_email="not-an-email",
        land_ha="20000",
        sectors=["1313", "1020"],
        treatment="magic",
        company_name="",
        files=[("attachments", ("a.pdf", PDF, "application/pdf"))],
    )
    assert r.status_code == 422
    assert count_rows(session, "proposal") == 0
    page = r.text
    for field, message in [
        ("contact_email", "Enter a valid email address."),
        ("land_ha", "Enter an area between 0 and 10,000 ha."),
        ("treatment", "Choose one of the options."),
        ("company_name", "This field is required."),
    ]:
        at = page.index(f'id="f-{field}-error"')
        assert message in page[at : at + 200], field
    assert 'value="not-an-email"' in page and 'value="20000"' in page
    assert 'value="Mekong Textiles Ltd"' not in page  # the emptied field stays empty
    assert 'value="Lee Wei"' in page and "Own wastewater plant meeting QCVN 40:2025" in page
    assert re.search(r'<option value="1313" selected[ >]', page) and re.search(
        r'<option value="1020" selected[ >]', page
    )
    assert '<option value="kcn-an-nghiep" selected>' in page
    assert "choose them again" in page
    key = proposal_form(csrf)["idempotency_key"]
    assert 'name="idempotency_key" value="' in page and key not in page  # each call to the factory is a new key


def test_errors_in_vietnamese(client, csrf):
    r = submit(client, csrf, lang="vi", contact_email="nope")
    assert r.status_code == 422
    at = r.text.index('id="f-contact_email-error"')
    assert "Enter a valid email address." not in r.text[at : at + 200]


def test_expired_key_is_refused_without_storing(client, csrf, session):
    r = submit(client, csrf, key="not-a-uuid")
    assert r.status_code == 422
    assert count_rows(session, "proposal") == 0
    assert 'name="idempotency_key" value="not-a-uuid"' not in r.text


def test_outside_any_zone_is_refused_by_screening(client, csrf, session):
    r = submit(client, csrf, location="_outside")
    assert r.status_code == 303
    p = proposals(session)[0]
    assert p.inside_zone is False and p.zone_id is None and p.verdict == "refuse"
    assert "outside-zone" in [f["rule"] for f in p.screening["findings"]]


def test_help_me_choose(client, csrf, session):
    assert submit(client, csrf, location="").status_code == 303
    p = proposals(session)[0]
    assert p.zone_id is None and p.inside_zone is True
    assert "zone-not-selected" in [f["rule"] for f in p.screening["findings"]]


def test_empty_measures_are_not_stated(client, csrf, session):
    submit(client, csrf, environmental_measures="  ")
    p = proposals(session)[0]
    assert p.environmental_measures is None and p.facts["environmental_measures"] is None
    assert "missing-environmental-measures" in [f["rule"] for f in p.screening["findings"]]


def test_form_post_needs_csrf(client, session):
    data = proposal_form("")
    data.pop("csrf_token")
    r = client.post("/en/proposals/new", data=data, follow_redirects=False)
    assert r.status_code == 403
    assert count_rows(session, "proposal") == 0


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_receipt_after_redirect(client, csrf, lang):
    r = submit(client, csrf, lang=lang)
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    token = token_from(r.headers["location"])
    assert f"/{lang}/proposals/status/{token}" in page.text
    assert 'id="tracking-url"' in page.text
