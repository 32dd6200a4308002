import subprocess
import sys
from datetime import date

import pytest

from portal import ROOT_DIR
from portal.i18n import fmt_area, fmt_date, fmt_number, fmt_percent, negotiate, translate


def test_area_formats_per_locale():
    assert fmt_area(1106, "vi") == "1.106\u00a0ha"
    assert fmt_area(1106, "en") == "1,106\u00a0ha"
    assert fmt_area(12.5, "vi") == "12,5\u00a0ha"
    assert fmt_area(None, "vi") is None


def test_numbers_percent_dates():
    assert fmt_number(250000, "vi", 0) == "250.000"
    assert fmt_number(250000, "en", 0) == "250,000"
    assert fmt_percent(0.7, "en") == "70%"
    assert fmt_date(date(2021, 6, 29), "en") == "June 29, 2021"
    assert "2021" in fmt_date(date(2021, 6, 29), "vi")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "vi"),
        ("", "vi"),
        ("en", "en"),
        ("en-GB,en;q=0.8", "en"),
        ("de,fr", "vi"),
        ("vi;q=0.1,en;q=0.9", "en"),
        ("en;q=0", "vi"),
        ("garbage;;q=x", "vi"),
    ],
)
def test_negotiate(header, expected):
    assert negotiate(header) == expected


def test_translations_are_loaded():
    assert translate("vi", "Page not found") == "Không tìm thấy trang"
    assert translate("en", "Page not found") == "Page not found"


def test_catalogs_are_complete_and_compiled():
    """Every string in the code is in both catalogs, translated, and the .mo files are current."""
    result = subprocess.run([sys.executable, "scripts/i18n.py", "check"], cwd=ROOT_DIR, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for lang in ("vi", "en"):
        po = ROOT_DIR / f"locales/{lang}/LC_MESSAGES/messages.po"
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1
