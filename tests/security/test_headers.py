"""Security headers on every kind of response, API docs off in production, the request-body cap."""

from __future__ import annotations

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from portal.app import create_app
from portal.settings import Settings


def _directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def assert_secure_headers(response, *, hsts: bool = False) -> None:
    h = response.headers
    csp = h.get("content-security-policy")
    assert csp, f"no CSP on {response.request.url} ({response.status_code})"
    d = _directives(csp)
    script = d.get("script-src", d.get("default-src"))
    assert script is not None, csp
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, csp
    assert "*" not in script and "data:" not in script, csp
    assert d.get("object-src") == ["'none'"], csp
    assert d.get("frame-ancestors") == ["'none'"], csp
    assert "'unsafe-inline'" not in d.get("style-src", []), csp
    assert h.get("x-content-type-options") == "nosniff"
    assert h.get("x-frame-options") == "DENY"
    assert h.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer", "same-origin")
    if hsts:
        value = h.get("strict-transport-security", "")
        assert "max-age=" in value, value
        assert int(value.split("max-age=")[1].split(";")[0]) >= 15552000  # at least 180 days
    else:
        assert "strict-transport-security" not in h, "HSTS outside production pins developers' localhost"


RESPONSES = [
    ("GET", "/vi/", 200),
    ("GET", "/en/zones", 200),
    ("GET", "/vi/zones/kcn-tran-de", 200),
    ("GET", "/vi/khong-co-trang-nay", 404),
    ("GET", "/api/v1/zones", 200),
    ("GET", "/api/v1/zones/khong-co", 404),
    ("GET", "/api/v1/zones.csv", 200),
    ("GET", "/api/v1/zones?per_page=0", 422),
    ("GET", "/static/css/portal.css", 200),
    ("GET", "/healthz", 200),
    ("GET", "/", 302),
    ("POST", "/vi/zones", 403),
]


@pytest.mark.parametrize(("method", "path", "status"), RESPONSES)
def test_every_response_carries_the_security_headers(client, method, path, status):
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code in (status, 405) if method == "POST" else response.status_code == status
    assert_secure_headers(response)


def _production_client(db, database_url, tmp_path, **overrides):
    settings = Settings(
        env="production",
        database_url=database_url,
        secret_key="p" * 48,
        search_url=f"sqlite:///{tmp_path / 'search.db'}",
        upload_dir=tmp_path / "up",
        **overrides,
    )
    return TestClient(create_app(settings, db=db), base_url="https://127.0.0.1")


def test_production_turns_off_the_api_docs_and_adds_hsts(db, database_url, tmp_path):
    with _production_client(db, database_url, tmp_path) as prod:
        for path in ("/api/docs", "/api/openapi.json", "/api/redoc", "/docs", "/redoc", "/openapi.json"):
            response = prod.get(path)
            assert response.status_code == 404, path
            assert "swagger" not in response.text.lower()
        page = prod.get("/vi/zones")
        assert page.status_code == 200
        assert_secure_headers(page, hsts=True)
        assert_secure_headers(prod.get("/api/v1/zones"), hsts=True)
        cookie = page.headers.get("set-cookie", "")
        if cookie:
            assert "Secure" in cookie and "HttpOnly" in cookie


def test_docs_stay_available_outside_production(client):
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200


def _small_cap_client(db, database_url, tmp_path):
    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key="s" * 48,
        max_body_bytes=10_000,
        search_url=f"sqlite:///{tmp_path / 'search.db'}",
        upload_dir=tmp_path / "up",
    )
    app = create_app(settings, db=db)

    @app.post("/api/v1/_test_echo", include_in_schema=False)
    async def echo(request: Request) -> dict:  # reads the whole body, like any upload handler
        return {"bytes": len(await request.body())}

    return TestClient(app, base_url="http://127.0.0.1:8000")


@pytest.mark.parametrize("path", ["/api/v1/zones", "/vi/zones", "/en/proposals/new", "/api/v1/proposals"])
def test_a_body_over_the_cap_is_refused_with_413(db, database_url, tmp_path, path):
    with _small_cap_client(db, database_url, tmp_path) as c:
        body = b"x" * 20_000
        response = c.post(path, content=body, headers={"content-type": "application/octet-stream"})
        assert response.status_code == 413
        if path.startswith("/api"):
            assert response.headers["content-type"].startswith("application/json")
        else:
            assert "<script" not in response.text


def test_a_chunked_body_over_the_cap_is_refused_with_413(db, database_url, tmp_path):
    """No Content-Length: the middleware must count the stream."""

    def chunks():
        for _ in range(30):
            yield b"y" * 1000

    with _small_cap_client(db, database_url, tmp_path) as c:
        small = c.post("/api/v1/_test_echo", content=b"{}", headers={"content-type": "application/json"})
        assert small.status_code == 200 and small.json() == {"bytes": 2}
        response = c.post("/api/v1/_test_echo", content=chunks(), headers={"content-type": "application/json"})
        assert response.status_code == 413


def test_the_413_page_carries_the_security_headers(db, database_url, tmp_path):
    with _small_cap_client(db, database_url, tmp_path) as c:
        response = c.post("/vi/zones", content=b"x" * 20_000, headers={"content-type": "text/plain"})
        assert response.status_code == 413
        assert_secure_headers(response)
