"""POST /api/v1/proposals: 201, replays 200 with the same body, conflicts 409, fields named in 422."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import count_rows
from tests.intake.factories import proposal_json, token_from


def post(client, body=None, key=None, lang="en"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/proposals?lang={lang}", json=body or proposal_json(), headers=headers)


def test_created_then_replayed(client, session, settings):
    key = str(uuid.uuid4())
    first = post(client, key=key)
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == {"reference", "tracking_url", "verdict"}
    assert body["reference"].startswith("ST-")
    assert body["tracking_url"].startswith(f"{settings.base_url}/en/proposals/status/")
    replay = post(client, key=key)
    assert replay.status_code == 200 and replay.json() == body
    assert count_rows(session, "proposal") == 1
    page = client.get(body["tracking_url"].removeprefix(settings.base_url))
    assert page.status_code == 200 and body["reference"] in page.text
    assert token_from(body["tracking_url"])


def test_replay_after_the_language_changed_keeps_the_first_answer(client):
    key = str(uuid.uuid4())
    first = post(client, key=key, lang="en").json()
    assert post(client, key=key, lang="vi").json() == first


def test_same_key_different_proposal_is_409(client, session):
    key = str(uuid.uuid4())
    assert post(client, key=key).status_code == 201
    r = post(client, proposal_json(project_name="Another plant"), key=key)
    assert r.status_code == 409
    assert r.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert count_rows(session, "proposal") == 1


def test_form_and_api_keys_do_not_collide(client, csrf, session):
    from tests.intake.factories import proposal_form

    key = str(uuid.uuid4())
    client.post("/en/proposals/new", data=proposal_form(csrf, key=key), follow_redirects=False)
    assert post(client, key=key).status_code == 201
    assert count_rows(session, "proposal") == 2


@pytest.mark.parametrize("key", [None, "short", "x" * 201, "bad key with spaces!!"])
def test_key_required_and_checked(client, key, session):
    r = post(client, key=key)
    assert r.status_code == 422
    assert ["header", "Idempotency-Key"] in [e["loc"] for e in r.json()["detail"]]
    assert count_rows(session, "proposal") == 0


@pytest.mark.parametrize(
    ("override", "loc"),
    [
        ({"sectors": ["9999"]}, ["body", "sectors", 0]),
        ({"zone": "nope"}, ["body", "zone"]),
        ({"land_ha": 20000}, ["body", "land_ha"]),
        ({"equipment_year": 2999}, ["body", "equipment_year"]),
        ({"technology_level": "magic"}, ["body", "technology_level"]),
        ({"contact_email": "x"}, ["body", "contact_email"]),
        ({"capital_currency": None}, ["body", "capital_currency"]),
        ({"inside_zone": False}, ["body", "inside_zone"]),
        ({"company_name": ""}, ["body", "company_name"]),
    ],
)
def test_bad_fields_are_named(client, session, override, loc):
    r = post(client, proposal_json(**override), key=str(uuid.uuid4()))
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]
    assert count_rows(session, "proposal") == 0


def test_api_is_not_blocked_by_csrf_and_is_in_openapi(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/proposals" in spec["paths"] and "/api/v1/screening" in spec["paths"]
    assert "/api/v1/match" in spec["paths"]
