"""Attachment names as shown and downloaded: the extension of the type the content really is, and no
control, bidi or zero-width characters (which make "invoice\u202efdp.exe" look like "invoiceexe.pdf")."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from portal.intake import uploads
from portal.intake.models import Attachment
from tests.conftest import csrf_token
from tests.intake.factories import JPEG, PDF, PNG, proposal_form


@pytest.mark.parametrize(
    ("raw", "content", "shown"),
    [
        ("scan.png", PDF, "scan.pdf"),
        ("site.pdf", PNG, "site.png"),
        ("photo.JPEG", JPEG, "photo.jpg"),
        ("report.exe", PDF, "report.exe.pdf"),
        ("Bản vẽ mặt bằng", PDF, "Bản vẽ mặt bằng.pdf"),
        ("invoice\u202efdp.exe", PDF, "invoicefdp.exe.pdf"),
        ("a\u2066b\u2069c\u200b\u200fd\u0085.png", PNG, "abcd.png"),
    ],
)
def test_the_stored_name_takes_the_sniffed_extension_and_loses_invisible_characters(tmp_path, raw, content, shown):
    staged = uploads.stage(io.BytesIO(content), raw, directory=tmp_path, max_bytes=10_000)
    assert staged.original_name == shown


def _submit(client, name: str, content: bytes):
    return client.post(
        "/en/proposals/new",
        data=proposal_form(csrf_token(client)),
        files=[("attachments", (name, content, "application/octet-stream"))],
        follow_redirects=False,
    )


def test_a_pdf_sent_as_png_is_stored_and_named_as_pdf(client, session):
    assert _submit(client, "scan\u202egnp.png", PDF).status_code == 303
    (stored,) = session.exec(select(Attachment)).all()
    assert (stored.content_type, stored.original_name) == ("application/pdf", "scangnp.pdf")
