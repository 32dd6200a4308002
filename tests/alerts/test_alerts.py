"""Land alerts through the real SMTP server started by the test:

subscribe on the zone list → confirmation mail (vi and en) → nothing else before confirming → confirm →
a plot published in a matching zone → alert mail with the RFC 8058 unsubscribe headers → one-click
unsubscribe → the next change sends nothing. A change outside the filter sends nothing; forged or replayed
links touch no subscription; bad input and floods are refused.

With MAIL_SAMPLES_DIR set, the messages are saved there as received (.eml).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from portal.alerts.models import AlertSubscription
from portal.notify.models import Notification
from tests.factories import login
from tests.notify.smtp import save_sample

BASE = "http://127.0.0.1:8000"
TEXTS = {
    "vi": {
        "confirm_subject": "Xác nhận đăng ký thông báo về đất",
        "alert_subject": "Có đất trống: Khu công nghiệp Trần Đề",
        "plots": "Lô đất nay còn trống: A-9",
        "kind": "Loại hình: Khu công nghiệp (KCN)",
    },
    "en": {
        "confirm_subject": "Confirm your land alert",
        "alert_subject": "Land available: Trần Đề Industrial Park",
        "plots": "Plots now available: A-9",
        "kind": "Type: Industrial park (KCN)",
    },
}
PLOT = {
    "area_ha": "12.5",
    "status": "available",
    "price_amount": "",
    "price_currency": "",
    "price_unit": "",
    "geometry": "",
}


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def new_mail(smtp, seen: list, outbox) -> list:
    outbox()
    fresh = smtp.messages[len(seen) :]
    seen.extend(fresh)
    return fresh


def subscribe(client, csrf, lang="en", email="investor@example.vn", **filters):
    data = {"csrf_token": csrf, "email": email, **(filters or {"kind": ["kcn"]})}
    return client.post(f"/{lang}/alerts", data=data, follow_redirects=False)


def add_plot(client, csrf, slug: str, code: str, lang: str = "en", status: str = "available"):
    data = {**PLOT, "code": code, "status": status, "csrf_token": csrf}
    response = client.post(f"/{lang}/staff/zones/{slug}/plots/new", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]


def link(text: str, kind: str) -> str:
    match = re.search(rf"{re.escape(BASE)}/(?:vi|en)/alerts/{kind}/[A-Za-z0-9_.-]+", text)
    assert match, text
    return match.group(0)


def path(url: str) -> str:
    return url.removeprefix(BASE)


def subscriptions(session) -> list[AlertSubscription]:
    session.expire_all()
    return list(session.exec(select(AlertSubscription).order_by(AlertSubscription.id)).all())


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_subscribe_confirm_alert_unsubscribe_all_by_mail(client, app, session, smtp, outbox, csrf, lang):
    t = TEXTS[lang]
    seen: list = []
    page = client.get(f"/{lang}/zones?kind=kcn&sort=name").text
    form = re.search(rf'<form method="post" action="/{lang}/alerts".*?</form>', page, re.S).group(0)
    assert '<input type="hidden" name="kind" value="kcn">' in form and 'name="sort"' not in form

    # 1. subscribe: the filter is stored normalised (no sort, values once), a confirmation goes out
    response = subscribe(client, csrf, lang, kind=["kcn", "kcn"], sort="name")
    assert response.status_code == 303 and response.headers["location"] == f"/{lang}/alerts/sent"
    [sub] = subscriptions(session)
    assert (sub.status, sub.filters, sub.query, sub.lang) == ("pending", {"kind": ["kcn"]}, "kind=kcn", lang)
    [confirmation] = new_mail(smtp, seen, outbox)
    save_sample(confirmation, f"alert_confirm-{lang}")
    assert confirmation["To"].addresses[0].addr_spec == "investor@example.vn"
    assert confirmation["Subject"] == t["confirm_subject"] and confirmation["Content-Language"] == lang
    text = body(confirmation)
    assert t["kind"] in text and f"{BASE}/{lang}/zones?kind=kcn" in text
    confirm_url = link(text, "confirm")
    assert confirm_url in html(confirmation)
    assert confirmation["List-Unsubscribe"] == f"<{link(text, 'unsubscribe')}>"
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # 2. nothing is sent before the address is confirmed
    login(client, session, roles=["staff"])
    add_plot(client, csrf, "kcn-tran-de", "A-8")
    assert new_mail(smtp, seen, outbox) == []

    # 3. confirm: the page asks (a mail scanner following the link confirms nothing), the button confirms
    page = client.get(path(confirm_url))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert subscriptions(session)[0].status == "pending"
    assert client.post(path(confirm_url), data={"csrf_token": csrf}).status_code == 200
    assert subscriptions(session)[0].status == "active"
    again = client.post(path(confirm_url), data={"csrf_token": csrf})  # twice: harmless
    assert again.status_code == 200 and subscriptions(session)[0].status == "active"
    assert new_mail(smtp, seen, outbox) == []

    # 4. a plot made available in a matching zone: one alert, in the subscriber's language
    add_plot(client, csrf, "kcn-tran-de", "A-9", lang="en" if lang == "vi" else "vi")
    [alert] = new_mail(smtp, seen, outbox)
    save_sample(alert, f"alert-{lang}")
    assert alert["Subject"] == t["alert_subject"] and alert["Content-Language"] == lang
    text = body(alert)
    assert t["plots"] in text and f"{BASE}/{lang}/zones/kcn-tran-de" in text and "A-8" not in text
    unsubscribe_url = link(text, "unsubscribe")
    assert alert["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_url in html(alert)

    # 5. a change outside the filter (a cluster, not a park) sends nothing
    add_plot(client, csrf, "ccn-an-lac-thon-1", "C-1")
    assert new_mail(smtp, seen, outbox) == []
    # land taken sends nothing either
    add_plot(client, csrf, "kcn-song-hau", "L-1", status="leased")
    assert new_mail(smtp, seen, outbox) == []

    # 6. one-click unsubscribe as a mail client sends it (RFC 8058): no cookie, no CSRF token
    with TestClient(app, base_url=BASE) as mail_client:
        response = mail_client.post(
            path(unsubscribe_url),
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200
        assert subscriptions(session)[0].status == "unsubscribed"
        assert mail_client.post(path(unsubscribe_url), data={"List-Unsubscribe": "One-Click"}).status_code == 200
        assert mail_client.get(path(unsubscribe_url)).status_code == 200  # the page says it is stopped
    # a replayed confirmation link does not subscribe again
    assert client.post(path(confirm_url), data={"csrf_token": csrf}).status_code == 200
    assert subscriptions(session)[0].status == "unsubscribed"

    # 7. the next matching change sends nothing
    add_plot(client, csrf, "kcn-tran-de", "A-10")
    assert new_mail(smtp, seen, outbox) == []


def _confirmed(client, session, smtp, outbox, csrf, email, **filters):
    assert subscribe(client, csrf, "en", email, **filters).status_code == 303
    outbox()
    url = link(body(smtp.messages[-1]), "confirm")
    assert client.post(path(url), data={"csrf_token": csrf}).status_code == 200
    return url, link(body(smtp.messages[-1]), "unsubscribe")


def test_forged_or_misused_tokens_touch_no_subscription(client, app, session, smtp, outbox, csrf):
    _confirm_a, unsub_a = _confirmed(client, session, smtp, outbox, csrf, "a@example.vn")
    assert subscribe(client, csrf, "en", "b@example.vn").status_code == 303
    outbox()
    confirm_b = link(body(smtp.messages[-1]), "confirm")
    key_a, mac_a = path(unsub_a).rsplit("/", 1)[1].split(".")
    key_b = path(confirm_b).rsplit("/", 1)[1].split(".")[0]
    forged = [
        f"/en/alerts/unsubscribe/{key_b}.{mac_a}",  # a's signature on b's key
        f"/en/alerts/unsubscribe/{key_a}.{mac_a[:-2]}xx",  # an altered signature
        f"/en/alerts/unsubscribe/{key_a}",  # no signature
        "/en/alerts/unsubscribe/" + "A" * 24 + "." + "B" * 43,
        path(confirm_b).replace("/confirm/", "/unsubscribe/"),  # b's confirmation link used to unsubscribe
    ]
    before = [(s.id, s.status) for s in subscriptions(session)]
    assert [s for _, s in before] == ["active", "pending"]
    with TestClient(app, base_url=BASE) as other:
        for url in forged:
            assert other.get(url).status_code == 404, url
            assert other.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 404, url
        for url in (f"/en/alerts/confirm/{key_b}.{mac_a}", path(unsub_a).replace("/unsubscribe/", "/confirm/")):
            assert other.get(url).status_code == 404, url
    assert client.post(path(confirm_b).replace(key_b, key_a), data={"csrf_token": csrf}).status_code == 404
    assert [(s.id, s.status) for s in subscriptions(session)] == before


@pytest.mark.parametrize(
    "email",
    ["not-an-address", "a@example.vn\r\nBcc: victim@example.vn", "a@example.vn\n", "a b@example.vn", ""],
)
def test_malformed_address_or_header_injection_is_refused(client, session, smtp, outbox, csrf, email):
    response = subscribe(client, csrf, "vi", email)
    assert response.status_code == 422
    assert "Hãy nhập một địa chỉ thư điện tử" in response.text
    assert subscriptions(session) == [] and session.exec(select(Notification)).all() == []


def test_unknown_filter_values_are_refused(client, session, csrf):
    response = subscribe(client, csrf, "en", kind=["kcn", "castle"])
    assert response.status_code == 422 and "zone list does not know" in response.text
    assert subscriptions(session) == []


def test_a_post_without_csrf_is_refused(client, session):
    response = client.post("/en/alerts", data={"email": "a@example.vn", "kind": "kcn"}, follow_redirects=False)
    assert response.status_code == 403 and subscriptions(session) == []


def test_floods_are_rate_limited_per_address_and_per_client(client, session, smtp, outbox, csrf):
    codes = [subscribe(client, csrf, "en", "same@example.vn", kind=k).status_code for k in ("kcn", "ccn", "kkt", "kcn")]
    assert codes == [303, 303, 303, 429]
    codes = [subscribe(client, csrf, "en", f"bot{i}@example.vn").status_code for i in range(8)]
    assert codes[:6] == [303] * 6 and set(codes[6:]) == {429}  # 10 per client: 3 + 6 before the refusals
    assert len(subscriptions(session)) == 9
    outbox()
    assert len(smtp.messages) == 9


def test_subscribing_again_sends_nothing_new_once_active(client, session, smtp, outbox, csrf):
    _confirmed(client, session, smtp, outbox, csrf, "a@example.vn")
    sent = len(smtp.messages)
    assert subscribe(client, csrf, "en", "A@example.vn").status_code == 303  # same answer
    outbox()
    assert len(smtp.messages) == sent and len(subscriptions(session)) == 1


def test_a_zone_published_and_filters_by_sector_and_area(client, session, smtp, outbox, csrf):
    """Several subscriptions: each hears only of what its own filter matches (the catalogue's conditions)."""
    from tests.publishing.factories import post_zone, zone_form

    _confirmed(client, session, smtp, outbox, csrf, "parks@example.vn", kind="kcn")
    _confirmed(client, session, smtp, outbox, csrf, "big@example.vn", min_area="100000")
    _confirmed(client, session, smtp, outbox, csrf, "clusters@example.vn", kind="ccn")
    sent = len(smtp.messages)
    login(client, session, roles=["staff"])
    assert (
        post_zone(client, csrf, zone_form(session, "kcn-my-thanh", action="draft"), slug="kcn-my-thanh").status_code
        == 303
    )
    outbox()
    assert len(smtp.messages) == sent  # unpublishing tells nobody
    assert (
        post_zone(client, csrf, zone_form(session, "kcn-my-thanh", action="publish"), slug="kcn-my-thanh").status_code
        == 303
    )
    outbox()
    fresh = smtp.messages[sent:]
    assert [m["To"].addresses[0].addr_spec for m in fresh] == ["parks@example.vn"]
    assert "newly published" in body(fresh[0])


def test_the_zone_page_subscribes_to_that_zone_alone(client, session, smtp, outbox, csrf):
    page = client.get("/en/zones/kcn-tran-de").text
    form = re.search(r'<form method="post" action="/en/alerts".*?</form>', page, re.S).group(0)
    assert '<input type="hidden" name="zone" value="kcn-tran-de">' in form
    listed = client.get("/en/zones?zone=kcn-tran-de").text  # the zone list takes the same parameter
    assert "Trần Đề Industrial Park" in listed and "An Nghiệp Industrial Park" not in listed
    assert 'name="zone" value="kcn-tran-de"' in listed
    assert client.get("/api/v1/zones?zone=kcn-tran-de").json()["total"] == 1
    _confirmed(client, session, smtp, outbox, csrf, "trande@example.vn", zone="kcn-tran-de")
    [sub] = subscriptions(session)
    assert sub.filters == {"zone": ["kcn-tran-de"]} and sub.query == "zone=kcn-tran-de"
    assert "Zone: Trần Đề Industrial Park" in body(smtp.messages[0])
    sent = len(smtp.messages)
    login(client, session, roles=["staff"])
    add_plot(client, csrf, "kcn-an-nghiep", "N-1")  # another park: nothing
    outbox()
    assert len(smtp.messages) == sent
    add_plot(client, csrf, "kcn-tran-de", "T-1")
    outbox()
    [alert] = smtp.messages[sent:]
    assert "Plots now available: T-1" in body(alert)
