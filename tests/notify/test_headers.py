"""Subjects and display names come back from a real SMTP server exactly as they were sent (CPython
gh-144156: the email package's folder dropped the space where it split a non-ASCII text, "hồ sơ" → "hồsơ")."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import pytest

from portal.i18n import translate
from portal.notify.mailer import SMTPTransport, build_message
from portal.notify.service import SUBJECTS
from tests.notify.smtp import SMTPServer

ZONES = ["Khu công nghiệp An Nghiệp", "Khu công nghiệp Trần Đề (giai đoạn mở rộng phía Bắc)", "Khu kinh tế Trần Đề"]
PROJECTS = [
    "Nhà máy chế biến thủy sản xuất khẩu công suất hai mươi nghìn tấn mỗi năm của Công ty TNHH Đại Dương Xanh",
    "Dự án đầu tư xây dựng kho lạnh và trung tâm logistics nông sản vùng Đồng bằng sông Cửu Long",
]
PHRASES = [
    "Yêu cầu bổ sung thông tin cho hồ sơ đề xuất ST-2026-000001 của Công ty Cổ phần Thủy sản Sóc Trăng",
    "Thông báo kết quả thẩm định sơ bộ hồ sơ đầu tư vào khu công nghiệp trên địa bàn thành phố Cần Thơ",
    "Ủy ban nhân dân thành phố Cần Thơ đã tiếp nhận đề nghị của nhà đầu tư về việc thuê đất sạch",
    "Ban Quản lý các khu công nghiệp: lịch hẹn làm việc về hạ tầng, điện, nước và xử lý nước thải tập trung",
    "Đất còn trống ở Khu công nghiệp An Nghiệp: lô A-12, diện tích 5,2 ha, giá thuê chưa công bố",
]
SENDER = "Ban Quản lý các khu công nghiệp thành phố Cần Thơ — Cổng thông tin đầu tư Sóc Trăng"
NAMES = [
    "Nguyễn Thị Thanh Hương — Công ty TNHH Thủy sản Đại Dương Xanh chi nhánh Sóc Trăng",
    "Trần Văn Bình, Phó Trưởng phòng Quản lý Đầu tư, Ban Quản lý các khu công nghiệp Cần Thơ",
]


def _subjects() -> list[str]:
    out = list(PHRASES)
    for template in SUBJECTS.values():
        for zone, project in zip(ZONES, PROJECTS * 2, strict=False):
            out.append(translate("vi", template, reference="ST-2026-000123", project=project, zone=zone))
    # every cut of a long phrase: the folder's split falls at every place in turn
    words = " ".join(PHRASES).split()
    out += [" ".join(words[i : i + n]) for n in (12, 17, 23) for i in range(0, len(words) - n, 3)]
    return out


def _rfc2047(raw: str) -> str:
    """What a mail reader shows: RFC 2047 §6.2 (white space between encoded-words ignored)."""
    return str(make_header(decode_header(re.sub(r"\r?\n", "", raw))))


@pytest.mark.parametrize("lang", ["vi"])
def test_long_vietnamese_subjects_and_names_round_trip(lang):
    subjects = _subjects()
    assert len(subjects) > 40
    with SMTPServer() as server:
        transport = SMTPTransport(server.url, timeout=10)
        for i, subject in enumerate(subjects):
            name = NAMES[i % len(NAMES)]
            transport.send(
                build_message(
                    sender=f"{SENDER} <noreply@soctrang.test>",
                    to=f"to{i}@example.vn",
                    to_name=name,
                    subject=subject,
                    text="x",
                    html="<p>x</p>",
                    message_id=f"<{i}@soctrang.test>",
                    locale=lang,
                )
            )
        received = {m["Message-ID"]: m for m in server.messages}
        envelopes = server.handler.envelopes
        raw = {
            m["Message-ID"]: e.original_content.split(b"\r\n\r\n", 1)[0].decode("ascii")
            for m, e in zip(server.messages, envelopes, strict=True)
        }
    assert len(received) == len(subjects)
    for i, subject in enumerate(subjects):
        mail, source = received[f"<{i}@soctrang.test>"], raw[f"<{i}@soctrang.test>"]
        assert mail["Subject"] == subject  # the email package's own parser (policy.default)
        headers = source  # the header block as it travelled: ASCII only
        fields = dict(re.findall(r"^([A-Za-z-]+): ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", headers, re.M))
        assert _rfc2047(fields["Subject"]) == subject
        assert _rfc2047(fields["To"]) == f"{NAMES[i % len(NAMES)]} <to{i}@example.vn>"
        assert _rfc2047(fields["From"]) == f"{SENDER} <noreply@soctrang.test>"
        assert mail["To"].addresses[0].addr_spec == f"to{i}@example.vn"
        lines = headers.split("\r\n")
        assert max(len(line) for line in lines) <= 998
        words = re.findall(r"=\?utf-8\?[bq]\?[^?]*\?=", headers, re.I)
        assert words and max(len(w) for w in words) <= 75  # RFC 2047 §2
