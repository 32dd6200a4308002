"""The whole conversation by e-mail, through the real SMTP server started by the test:

submit → receipt with the tracking link → screener told → information requested → investor mail → answer
with a PDF → assigned screener told → decision mail in the investor's language.

With MAIL_SAMPLES_DIR set, every message is also saved there as received (.eml), one per kind and language.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from portal.intake.models import Attachment, Proposal
from tests.conftest import csrf_token
from tests.factories import login
from tests.intake.factories import JPEG, PDF, proposal_form, token_from
from tests.notify.smtp import save_sample

TEXTS = {
    "vi": {
        "receipt": "Chúng tôi đã nhận hồ sơ đề xuất",
        "ask": "Đề nghị bổ sung thông tin",
        "decision": "Quyết định về hồ sơ đề xuất",
        "accepted": "đã được chấp thuận về nguyên tắc",
        "question": "Xin gửi báo cáo đánh giá tác động môi trường.",
        "reason": "Phù hợp ngành ưu tiên của KCN.",
    },
    "en": {
        "receipt": "We received your proposal",
        "ask": "Information requested on your proposal",
        "decision": "Decision on your proposal",
        "accepted": "was accepted in principle",
        "question": "Please send the environmental impact assessment.",
        "reason": "In line with the park's priority sectors.",
    },
}


def to(message) -> str:
    return message["To"].addresses[0].addr_spec


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def save(message, name: str) -> None:
    save_sample(message, name)


def new_mail(smtp, seen: list, outbox) -> list:
    outbox()
    fresh = smtp.messages[len(seen) :]
    seen.extend(fresh)
    return fresh


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_submit_ask_answer_with_a_pdf_decide_all_by_mail(client, session, smtp, outbox, app, lang):
    t = TEXTS[lang]
    other = "en" if lang == "vi" else "vi"
    screener = login(client, session, roles=["screener"], email="screener@example.vn", display_name="Lê Thẩm Tra")
    seen: list = []

    # 1. the investor submits, in their language
    csrf = csrf_token(client)
    response = client.post(
        f"/{lang}/proposals/new",
        data=proposal_form(csrf, contact_email=f"investor-{lang}@example.vn"),
        follow_redirects=False,
    )
    assert response.status_code == 303
    token = token_from(response.headers["location"])
    proposal = session.exec(select(Proposal).order_by(Proposal.id.desc())).first()
    link = f"http://127.0.0.1:8000/{lang}/proposals/status/{token}"

    mails = new_mail(smtp, seen, outbox)
    [receipt] = [m for m in mails if to(m) == f"investor-{lang}@example.vn"]
    assert receipt["Subject"].startswith(t["receipt"]) and receipt["Content-Language"] == lang
    assert link in body(receipt)
    save(receipt, f"receipt-{lang}")
    # 2. the screener is told (their language: Vietnamese by default)
    [told] = [m for m in mails if to(m) == "screener@example.vn"]
    assert told["Subject"].startswith("Đề xuất mới " + proposal.reference)
    assert f"/vi/review/{proposal.id}" in body(told)
    save(told, "new_submission-vi")

    # 3. the screener starts the review and asks for information (both languages written)
    csrf = csrf_token(client)
    assert client.post(f"/en/review/{proposal.id}/start", data={"csrf_token": csrf}).status_code == 200
    response = client.post(
        f"/en/review/{proposal.id}/request-info",
        data={"csrf_token": csrf, "text_vi": TEXTS["vi"]["question"], "text_en": TEXTS["en"]["question"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    [ask] = new_mail(smtp, seen, outbox)
    assert to(ask) == f"investor-{lang}@example.vn" and ask["Subject"].startswith(t["ask"])
    assert t["question"] in body(ask) and TEXTS[other]["question"] not in body(ask)
    assert link in body(ask)
    save(ask, f"info_requested-{lang}")

    # 4. the investor answers with a PDF (and a file that only pretends to be one is refused)
    page = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert 'enctype="multipart/form-data"' in page.text and 'name="attachments"' in page.text
    fake = client.post(
        f"/{lang}/proposals/status/{token}/answer",
        data={"csrf_token": csrf, "text": "Here it is."},
        files=[("attachments", ("dtm.pdf", b"MZ not a pdf at all", "application/pdf"))],
        follow_redirects=False,
    )
    assert fake.status_code == 400 and "dtm.pdf" in fake.text
    assert session.exec(select(Attachment).where(Attachment.proposal_id == proposal.id)).all() == []
    response = client.post(
        f"/{lang}/proposals/status/{token}/answer",
        data={"csrf_token": csrf, "text": "Báo cáo ĐTM đính kèm / EIA report attached."},
        files=[
            ("attachments", ("Báo cáo ĐTM.pdf", PDF, "application/pdf")),
            ("attachments", ("site.jpg", JPEG, "image/jpeg")),
        ],
        follow_redirects=False,
    )
    assert response.status_code == 303
    session.expire_all()
    stored = session.exec(select(Attachment).where(Attachment.proposal_id == proposal.id)).all()
    assert sorted(a.original_name for a in stored) == ["Báo cáo ĐTM.pdf", "site.jpg"]
    assert all(a.message_id is not None for a in stored)
    assert {a.content_type for a in stored} == {"application/pdf", "image/jpeg"}
    files = list((app.state.settings.upload_dir).glob("*.pdf"))
    assert len(files) == 1 and files[0].read_bytes() == PDF
    # 5. the assigned screener is told, with the document named; and can open it
    [answered] = new_mail(smtp, seen, outbox)
    assert to(answered) == "screener@example.vn"
    assert "EIA report attached." in body(answered) and "Báo cáo ĐTM.pdf" in body(answered)
    save(answered, "answer_received-vi")
    case = client.get(f"/en/review/{proposal.id}")
    pdf = next(a for a in stored if a.content_type == "application/pdf")
    assert f"/en/review/{proposal.id}/attachments/{pdf.id}" in case.text
    assert client.get(f"/en/review/{proposal.id}/attachments/{pdf.id}").content == PDF

    # 6. the decision reaches the investor in the investor's language
    response = client.post(
        f"/en/review/{proposal.id}/decide",
        data={
            "csrf_token": csrf,
            "outcome": "accept",
            "text_vi": TEXTS["vi"]["reason"],
            "text_en": TEXTS["en"]["reason"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    [decision] = new_mail(smtp, seen, outbox)
    assert to(decision) == f"investor-{lang}@example.vn"
    assert decision["Subject"].startswith(t["decision"]) and decision["Content-Language"] == lang
    text = body(decision)
    assert t["accepted"] in text and t["reason"] in text and TEXTS[other]["reason"] not in text
    assert link in text
    save(decision, f"decision-{lang}")
    assert re.search(r"Message-ID", str(decision)) and screener.id
