"""A staff answer to a zone enquiry is mailed to the asker, in the language they asked in, through the
notify outbox and the real SMTP server started by the test (tests/notify/smtp.py).

With MAIL_SAMPLES_DIR set, each message is saved there as received (.eml)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.enquiries.models import Enquiry
from portal.notify.models import Notification
from tests.factories import login
from tests.notify.conftest import outbox, settings, smtp  # noqa: F401  (the real SMTP server)
from tests.notify.smtp import save_sample

TEXTS = {
    "vi": ("Trả lời câu hỏi của bạn về Khu công nghiệp An Nghiệp", "Câu trả lời của Ban Quản lý:"),
    "en": ("Answer to your question about An Nghiệp Industrial Park", "The authority's answer:"),
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_answer_is_mailed_in_the_language_of_the_question(client, session, smtp, outbox, csrf, lang):  # noqa: F811
    subject, heading = TEXTS[lang]
    question = "Giá thuê đất bao nhiêu một mét vuông?" if lang == "vi" else "What is the land rent per m²?"
    data = {
        "csrf_token": csrf,
        "name": "Nguyễn\r\nBcc: x@example.vn",
        "email": "asker@example.vn",
        "question": question,
    }
    assert client.post(f"/{lang}/zones/kcn-an-nghiep/enquiry", data=data, follow_redirects=False).status_code == 303
    outbox()
    assert smtp.messages == []  # asking sends nothing
    [enquiry] = session.exec(select(Enquiry)).all()

    login(client, session, roles=["staff"])
    answer = "Xin liên hệ Ban Quản lý.\nĐiện thoại: 0299 000 000"
    form = {"csrf_token": csrf, "version": str(enquiry.version), "answer": answer}
    assert client.post(f"/en/staff/enquiries/{enquiry.id}", data=form, follow_redirects=False).status_code == 303
    assert outbox().sent == 1
    [mail] = smtp.messages
    save_sample(mail, f"enquiry_answer-{lang}")
    assert mail["To"].addresses[0].addr_spec == "asker@example.vn"
    assert mail["To"].addresses[0].display_name == "Nguyễn Bcc: x@example.vn"  # one line: no header added
    assert mail["Bcc"] is None
    assert mail["Subject"] == subject and mail["Content-Language"] == lang
    text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert heading in text and question in text and answer in text and "Nguyễn Bcc: x@example.vn," in text
    assert f"http://127.0.0.1:8000/{lang}/zones/kcn-an-nghiep" in text

    # a stale second answer is refused and mails nothing more
    assert client.post(f"/en/staff/enquiries/{enquiry.id}", data=form, follow_redirects=False).status_code == 409
    outbox()
    assert len(smtp.messages) == 1
    assert len(session.exec(select(Notification).where(Notification.kind == "enquiry_answer")).all()) == 1
