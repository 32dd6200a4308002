"""Only the configured Host names are answered (PORTAL_ALLOWED_HOSTS), so no redirect or link is ever
built on a Host header an attacker chose."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from portal.app import create_app
from portal.settings import Settings
from tests.servers import LiveServer, sqlite_url


def _production(db, database_url, tmp_path, **overrides) -> TestClient:
    settings = Settings(
        env="production",
        database_url=database_url,
        secret_key="p" * 48,
        search_url=f"sqlite:///{tmp_path / 'search.db'}",
        upload_dir=tmp_path / "up",
        search_sync="manual",
        base_url="https://dautu.example.vn",
        **overrides,
    )
    return TestClient(create_app(settings, db=db), base_url="https://dautu.example.vn")


def test_a_foreign_host_is_refused_and_never_used_in_a_redirect(db, database_url, tmp_path):
    with _production(db, database_url, tmp_path) as client:
        assert client.get("/vi/zones").status_code == 200
        redirect = client.get("/vi/zones/", follow_redirects=False)
        assert redirect.status_code in (301, 307, 308)
        assert redirect.headers["location"].startswith("https://dautu.example.vn/"), redirect.headers["location"]
        forged = client.get("/vi/zones/", headers={"Host": "evil.example"}, follow_redirects=False)
        assert forged.status_code == 400 and "evil.example" not in forged.headers.get("location", "")


def test_allowed_hosts_can_list_several_names(db, database_url, tmp_path):
    with _production(db, database_url, tmp_path, allowed_hosts="dautu.example.vn, *.cantho.gov.vn") as client:
        assert client.get("/vi/zones", headers={"Host": "xuctien.cantho.gov.vn"}).status_code == 200
        assert client.get("/vi/zones", headers={"Host": "cantho.gov.vn.evil.example"}).status_code == 400


@pytest.mark.slow
@pytest.mark.xdist_group("crash")
def test_portal_serve_believes_x_forwarded_for_only_from_configured_proxies(tmp_path):
    """`portal serve` with no PORTAL_FORWARDED_ALLOW_IPS: a client on 127.0.0.1 rotating X-Forwarded-For
    still meets the per-address login limit (it used to trust 127.0.0.1 and count each forged address)."""
    with LiveServer(sqlite_url(tmp_path), workdir=tmp_path, via_cli=True) as server, httpx.Client() as client:
        page = client.get(server.url("/en/staff/login"))
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
        statuses = [
            client.post(
                server.url("/en/staff/login"),
                data={"email": f"nobody{i}@example.vn", "password": "wrong-password-xx", "csrf_token": token},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(21)
        ]
        # the access line is written after the answer is sent: wait for it rather than race it
        refused, deadline = '127.0.0.1 "POST /en/staff/login" 429', time.monotonic() + 10
        while refused not in (log := server.log_tail(200)) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert statuses == [400] * 20 + [429], statuses
    assert "198.51.100." not in log and refused in log, log[-2000:]
