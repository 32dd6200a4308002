"""Passwords: at least 12 characters, not the e-mail address, not common or guessable (zxcvbn with its
list of common passwords and this site's words); e-mail addresses checked with email-validator."""

from __future__ import annotations

import pytest

from portal.accounts import service
from tests.conftest import csrf_token
from tests.factories import make_user


@pytest.mark.parametrize(
    "password",
    ["password1234", "123456789012", "qwertyuiopas", "iloveyou2024", "soctrang2026!", "Cantho123456"],
)
def test_common_and_site_passwords_are_refused(password):
    with pytest.raises(service.AccountError, match="too common or too easy to guess"):
        service.check_password_rules(password)


def test_the_email_address_is_not_a_password():
    with pytest.raises(service.AccountError, match="must not be your email address"):
        service.check_password_rules("Tran.Thi.Lan@soctrang.gov.vn", email="tran.thi.lan@soctrang.gov.vn")
    with pytest.raises(service.AccountError):
        service.check_password_rules("tran.thi.lan2026", email="tran.thi.lan@soctrang.gov.vn")


@pytest.mark.parametrize("password", ["correct horse battery staple", "mưa rào trên cánh đồng lúa chín"])
def test_long_unrelated_phrases_pass(password):
    service.check_password_rules(password, email="someone@soctrang.gov.vn")


@pytest.mark.parametrize("email", ["a@b", "a b@soctrang.gov.vn", "x@localhost", "t@host.test", "@soctrang.gov.vn"])
def test_invalid_email_addresses_are_refused(email):
    with pytest.raises(service.AccountError) as err:
        service.valid_email(email)
    assert err.value.field == "email"


def test_email_addresses_are_normalized():
    assert service.valid_email(" Admin@SocTrang.GOV.vn ") == "admin@soctrang.gov.vn"


def test_the_admin_page_refuses_a_common_password(client, session):
    from tests.factories import form_login

    admin = make_user(session, roles=["admin"])
    form_login(client, csrf_token(client), email=admin.email)
    response = client.post(
        "/en/admin/users",
        data={
            "email": "new.staff@soctrang.gov.vn",
            "password": "password1234",
            "roles": "staff",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 400, response.status_code
    assert "too common or too easy to guess" in response.text


def test_a_proposal_with_an_invalid_email_is_refused_by_the_api(client):
    from tests.intake.factories import proposal_json

    response = client.post("/api/v1/proposals", json=proposal_json(contact_email="b@host.test"))
    assert response.status_code == 422
    assert any(e["loc"][-1] == "contact_email" for e in response.json()["detail"])
