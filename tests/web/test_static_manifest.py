"""Static URLs carry their file's content hash (portal.web.render.static_url): a changed file, a new URL."""

import hashlib

import pytest

from portal.web.render import STATIC_DIR, static_manifest, static_url


def test_every_static_url_names_its_files_hash():
    digest = hashlib.sha256((STATIC_DIR / "css/portal.css").read_bytes()).hexdigest()[:12]
    assert static_url("css/portal.css") == f"/static/css/portal.css?v={digest}"
    assert len(set(static_manifest().values())) > 1  # per file, not one version for all


def test_an_unknown_static_file_is_an_error_not_a_silent_404():
    with pytest.raises(KeyError):
        static_url("css/no-such.css")


def test_pages_link_the_hashed_urls(client):
    page = client.get("/vi/").text
    assert static_url("css/portal.css") in page and "?v=1" not in page
