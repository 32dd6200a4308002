"""HEAD on public pages answers like GET, without a body (uptime monitors read a 405 as "down")."""

from __future__ import annotations

import pytest

PAGES = [
    "/",
    "/vi/",
    "/en/",
    "/vi/zones",
    "/en/zones/kcn-tran-de",
    "/api/v1/zones",
    "/healthz",
    "/static/css/portal.css",
]


@pytest.mark.parametrize("path", PAGES)
def test_head_answers_like_get_without_a_body(client, path):
    get = client.get(path, follow_redirects=False)
    head = client.head(path, follow_redirects=False)
    assert head.status_code == get.status_code != 405, (head.status_code, get.status_code)
    assert head.content == b""
    assert head.headers.get("content-type") == get.headers.get("content-type")
    if "content-length" in get.headers and path != "/":
        assert head.headers["content-length"] == str(len(get.content))


def test_head_on_a_missing_page_is_404(client):
    assert client.head("/vi/khong-co-trang-nay").status_code == 404
