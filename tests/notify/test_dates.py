"""Dates in e-mails: the pages' unambiguous form in both languages, Vietnam time, never "12/2/26"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from portal.notify.service import render

AT = datetime(2026, 12, 2, 7, 18, tzinfo=UTC)  # 14:18 in Viet Nam
WRITTEN = {"en": "2 December 2026, 14:18 (Vietnam time)", "vi": "14:18, 02/12/2026 (giờ Việt Nam)"}


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_tracking_links_mail_dates_are_unambiguous_and_not_nested(lang):
    item = {"reference": "ST-2026-000001", "project": "Nhà máy (giai đoạn 1)", "url": "https://x.test/t/abc"}
    mail = render("tracking_links", lang, {"items": [{**item, "submitted_at": AT}], "name": "An"})
    submitted = {"en": "submitted on", "vi": "gửi lúc"}[lang]
    line = f"Nhà máy (giai đoạn 1), {submitted} {WRITTEN[lang]}"
    assert f"- ST-2026-000001: {line}" in mail.text
    assert f"ST-2026-000001</a>: {line}</li>" in mail.html
    assert not re.search(r"\([^()]*\(", mail.text)  # no parenthesis inside another


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_receipt_mail_date(lang):
    context = {"contact": "An", "project": "P", "company": "C", "reference": "ST-1", "submitted_at": AT}
    mail = render("receipt", lang, {**context, "tracking_url": "https://x.test/t/abc", "_s": {"reference": "ST-1"}})
    assert WRITTEN[lang] in mail.text and WRITTEN[lang] in mail.html
