"""Lost links: "send me my tracking links" answers the same for any address, mails the links of that
address's proposals (through the real SMTP server), and is rate-limited per client and per address."""

from __future__ import annotations

import re

from tests.intake.factories import proposal_form, token_from
from tests.notify.smtp import save_sample


def submit(client, csrf, lang="en", **overrides) -> str:
    response = client.post(f"/{lang}/proposals/new", data=proposal_form(csrf, **overrides), follow_redirects=False)
    assert response.status_code == 303
    return token_from(response.headers["location"])


def ask(client, csrf, email, lang="en"):
    return client.post(f"/{lang}/proposals/links", data={"csrf_token": csrf, "email": email})


def answer_text(response) -> str:
    main = re.search(r"<main.*?</main>", response.text, re.S).group(0)
    return re.sub(r'name="csrf_token" value="[0-9a-f]+"', "", main)


def test_the_links_of_an_addresss_proposals_are_mailed_and_open_them(client, csrf, smtp, outbox):
    first = submit(client, csrf, "en", contact_email="Owner@Example.vn")
    second = submit(client, csrf, "vi", contact_email="owner@example.vn", project_name="Second plant")
    submit(client, csrf, "en", contact_email="someone.else@example.vn")
    outbox()
    smtp.messages.clear()

    known = ask(client, csrf, "OWNER@example.vn", "vi")
    unknown = ask(client, csrf, "nobody@example.vn", "vi")
    assert known.status_code == unknown.status_code == 200
    assert answer_text(known) == answer_text(unknown)  # the page never tells whether an address has proposals
    assert known.headers["Cache-Control"] == "no-store"

    outbox()
    [mail] = smtp.messages
    assert mail["To"].addresses[0].addr_spec.lower() == "owner@example.vn"
    assert mail["Subject"] == "Các đường dẫn theo dõi của Quý vị" and mail["Content-Language"] == "vi"
    save_sample(mail, "tracking_links-vi")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    for token, lang in ((first, "en"), (second, "vi")):
        link = f"http://127.0.0.1:8000/{lang}/proposals/status/{token}"
        assert link in text and link in html
        assert client.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert "Second plant" in text
    assert "someone.else" not in text


def test_a_malformed_address_is_refused_with_a_message(client, csrf, smtp, outbox):
    response = ask(client, csrf, "not-an-address\r\nBcc: x@example.org")
    assert response.status_code == 422 and 'aria-invalid="true"' in response.text
    outbox()
    assert smtp.messages == []


def test_rate_limited_per_address_silently_and_per_client_with_429(client, csrf, smtp, outbox):
    submit(client, csrf, "en", contact_email="flood@example.vn")
    outbox()
    smtp.messages.clear()
    answers = [ask(client, csrf, "flood@example.vn") for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert len({answer_text(a) for a in answers}) == 1
    outbox()
    assert len(smtp.messages) == 3  # LINKS_LIMIT_PER_TARGET: the address is not flooded
    for n in range(5):  # other addresses, same client: 10 requests an hour in all
        assert ask(client, csrf, f"other{n}@example.vn").status_code == 200
    limited = ask(client, csrf, "another@example.vn")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
