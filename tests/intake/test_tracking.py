"""Receipt and status pages: findings in vi and en, private headers, 404 for any bad token, rate limit,
timeline from public audit events."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.audit import service as audit
from portal.intake import service
from portal.intake.models import Proposal
from tests.intake.factories import proposal_form, token_from

PRIVATE = {"referrer-policy": "no-referrer", "x-robots-tag": "noindex, nofollow", "cache-control": "no-store"}


@pytest.fixture
def token(client, csrf) -> str:
    r = client.post("/en/proposals/new", data=proposal_form(csrf, technology_level="standard"), follow_redirects=False)
    assert r.status_code == 303
    return token_from(r.headers["location"])


def assert_private(response):
    for name, value in PRIVATE.items():
        assert response.headers[name] == value, name


def test_status_page_in_both_languages_shows_the_findings(client, token, session):
    p = session.exec(select(Proposal)).one()
    en = client.get(f"/en/proposals/status/{token}")
    vi = client.get(f"/vi/proposals/status/{token}")
    assert en.status_code == vi.status_code == 200
    refused = next(f for f in p.screening["findings"] if f["rule"] == "sensitive-sector-refused")
    assert refused["title"]["en"] in en.text and refused["title"]["vi"] in vi.text
    assert refused["title"]["vi"] not in en.text
    assert p.reference in en.text and p.reference in vi.text
    assert "Submitted" in en.text  # status
    assert "IV.7" in en.text and "IV.7" in vi.text
    assert '<html lang="vi">' in vi.text


def test_receipt_and_status_are_private(client, token):
    for path in (f"/en/proposals/receipt/{token}", f"/vi/proposals/status/{token}"):
        r = client.get(path)
        assert r.status_code == 200
        assert_private(r)
        assert '<meta name="robots" content="noindex">' in r.text


def test_receipt_shows_a_copyable_tracking_link(client, token, settings):
    r = client.get(f"/en/proposals/receipt/{token}")
    assert f'value="{settings.base_url}/en/proposals/status/{token}"' in r.text
    assert "readonly" in r.text


@pytest.mark.parametrize("bad", ["x", "A" * 43, "not%20a%20token", "%00", "A" * 42 + "!", "a" * 200])
def test_bad_tokens_are_404_alike(client, token, bad):
    r = client.get(f"/en/proposals/status/{bad}")
    assert r.status_code == 404
    assert_private(r)
    unknown = client.get(f"/en/proposals/status/{'B' * 43}")
    assert unknown.status_code == 404
    assert r.text.replace(bad, "").count("404") == unknown.text.replace("B" * 43, "").count("404")


def test_token_lookups_are_rate_limited(client, token, monkeypatch):
    from portal.intake import tracking

    monkeypatch.setattr(tracking, "TRACKING_LIMIT", "3/minute")
    client.app.state.ratelimits = {}
    codes = [client.get(f"/en/proposals/status/{token}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    blocked = client.get(f"/en/proposals/status/{'C' * 43}")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1


def test_timeline_lists_public_events_only(client, token, session):
    p = session.exec(select(Proposal)).one()
    audit.record(
        session,
        actor=None,
        action="proposal.note",
        object_type="proposal",
        object_id=p.id,
        after={"message": "internal: call the zone board"},
    )
    audit.record(
        session,
        actor=None,
        action="proposal.request_info",
        object_type="proposal",
        object_id=p.id,
        after={
            "public": True,
            "status": "info_requested",
            "message": {"vi": "Xin bổ sung báo cáo ĐTM.", "en": "Please add the EIA report."},
        },
    )
    p.status = "info_requested"
    session.add(p)
    session.commit()
    entries = service.timeline(session, p)
    assert [e.action for e in entries] == ["proposal.submitted", "proposal.request_info"]
    en = client.get(f"/en/proposals/status/{token}").text
    vi = client.get(f"/vi/proposals/status/{token}").text
    assert "Please add the EIA report." in en and "Xin bổ sung báo cáo ĐTM." in vi
    assert "internal" not in en and "internal" not in vi
    assert "Information requested" in en


def test_the_copy_button_words_come_from_the_catalogues(client, token):
    vi = client.get(f"/vi/proposals/receipt/{token}").text
    en = client.get(f"/en/proposals/receipt/{token}").text
    assert 'data-copy="Sao chép liên kết" data-copied="Đã sao chép"' in vi
    assert 'data-copy="Copy the link" data-copied="Copied"' in en
