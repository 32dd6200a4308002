"""Attachment checks without the web: sniffing, size cap while streaming, names, finalize/discard."""

from __future__ import annotations

import io

import pytest

from portal.intake import uploads
from tests.intake.factories import JPEG, PDF, PNG


@pytest.mark.parametrize(("data", "mime"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_sniff_accepts(data, mime):
    assert uploads.sniff(data) == mime


@pytest.mark.parametrize("data", [b"hello", b"GIF89a" + b"\x00" * 20, b"PK\x03\x04" + b"\x00" * 30, b"  %PDF-1.4"])
def test_sniff_refuses(data):
    assert uploads.sniff(data) is None


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("C:\\Users\\me\\plan.pdf", "plan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b<script>.pdf", "a_b_script_.pdf"),
        ("", "attachment"),
        ("...", "attachment"),
        ("Bản vẽ.pdf", "Bản vẽ.pdf"),
    ],
)
def test_display_name(raw, shown):
    assert uploads.display_name(raw) == shown


def test_long_names_keep_their_extension():
    name = uploads.display_name("x" * 300 + ".pdf")
    assert len(name) <= 120 and name.endswith(".pdf")


def test_stage_finalize_discard(tmp_path):
    staged = uploads.stage(io.BytesIO(PDF), "../a.pdf", directory=tmp_path, max_bytes=1000)
    assert staged.temp_path.exists() and not staged.final_path.exists()
    assert staged.original_name == "a.pdf" and staged.stored_name != "a.pdf" and staged.size == len(PDF)
    uploads.finalize([staged])
    assert staged.final_path.read_bytes() == PDF and not staged.temp_path.exists()
    uploads.discard([staged])
    assert not staged.final_path.exists()


def test_stage_over_the_cap_leaves_nothing(tmp_path):
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.stage(io.BytesIO(PDF + b"0" * 5000), "big.pdf", directory=tmp_path, max_bytes=1024)
    assert refused.value.params["name"] == "big.pdf"
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(uploads.UploadRefused):
        uploads.stage(io.BytesIO(b""), "e.pdf", directory=tmp_path, max_bytes=1024)
