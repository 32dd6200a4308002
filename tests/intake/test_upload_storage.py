"""Upload storage that fails: a full disk answers 507, an unwritable directory 503, and nothing of the
submission is stored (no row, no file). What a crash left half-written is removed at start.

The full disk is real: a 64 KiB tmpfs mounted for the test (needs root, as CI runs)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from fastapi.testclient import TestClient

from portal.app import create_app
from tests.conftest import count_rows, csrf_token, service_unavailable
from tests.intake.factories import PDF, proposal_form


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        service_unavailable("a 64 KiB tmpfs (mounting needs root)", RuntimeError(result.stderr.decode().strip()))
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _submit(client, big: bool):
    body = PDF + (b"0" * 300_000 if big else b"")
    return client.post(
        "/en/proposals/new",
        data=proposal_form(csrf_token(client)),
        files=[("attachments", ("plan.pdf", body, "application/pdf"))],
        follow_redirects=False,
    )


def _files(directory) -> list:
    return [p for p in directory.rglob("*") if p.is_file()]


def test_a_full_disk_answers_507_and_stores_nothing(client, session, settings, small_disk):
    settings.upload_dir = small_disk
    before = count_rows(session, "proposal"), count_rows(session, "attachment")
    response = _submit(client, big=True)
    assert response.status_code == 507, response.status_code
    assert "Nothing of what you sent was stored" in response.text
    session.rollback()
    assert (count_rows(session, "proposal"), count_rows(session, "attachment")) == before
    assert _files(small_disk) == []


def test_an_unwritable_upload_directory_answers_503_and_stores_nothing(client, session, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the upload directory's parent should be")
    settings.upload_dir = blocker / "uploads"
    before = count_rows(session, "proposal")
    response = _submit(client, big=False)
    assert response.status_code == 503, response.status_code
    assert response.headers.get("retry-after")
    assert "Attachments cannot be stored at the moment" in response.text
    session.rollback()
    assert count_rows(session, "proposal") == before


def test_half_written_uploads_left_by_a_crash_are_removed_at_start(app, settings):
    incoming = settings.upload_dir / ".incoming"
    incoming.mkdir(parents=True)
    stale, fresh = incoming / "crashed.pdf.part", incoming / "being-written.pdf.part"
    stale.write_bytes(b"%PDF-1.4 half")
    fresh.write_bytes(b"%PDF-1.4 another worker is writing this")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    with TestClient(app):
        pass
    assert not stale.exists() and fresh.exists()


def test_a_new_app_on_the_same_directory_starts_without_them(db, settings):
    """The same at every start, not just the first."""
    incoming = settings.upload_dir / ".incoming"
    incoming.mkdir(parents=True)
    for n in range(2):
        part = incoming / f"{n}.part"
        part.write_bytes(b"x")
        os.utime(part, (0, 0))
        with TestClient(create_app(settings, db=db)):
            pass
        assert not part.exists()
