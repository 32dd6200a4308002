"""Journey (c), in Vietnamese and in English: a screener opens a new proposal from the review queue,
asks the investor for information; the investor answers from the private tracking page; the screener
accepts, and the project appears in the public project registry."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LANGS, T, new_page, sign_in


def submit_by_api(live_server, lang: str) -> dict:
    tag = uuid.uuid4().hex[:8]
    body = {
        "company_name": f"Công ty Cổ phần Thủy sản Sóc Trăng {tag}",
        "investor_country": "Việt Nam",
        "contact_name": "Lê Văn Tâm",
        "contact_email": f"screener-e2e-{tag}@example.vn",
        "project_name": f"Nhà máy fillet cá tra {tag}",
        "project_description": "Chế biến cá tra fillet đông lạnh.",
        "sectors": ["1020"],
        "zone": "kcn-an-nghiep",
        "land_ha": 4.0,
        "jobs": 300,
        "equipment_condition": "new",
        "technology_level": "advanced",
        "treatment": "advanced",
        "wastewater_m3_day": 120,
        "hazardous_waste": False,
    }
    response = httpx.post(
        live_server.url(f"/api/v1/proposals?lang={lang}"),
        json=body,
        headers={"Idempotency-Key": f"e2e-screener-{tag}"},
        timeout=20,
    )
    assert response.status_code == 201, response.text
    return {**body, **response.json()}


def press_if_shown(page, lang: str, name: str) -> None:
    """Press a state button (Start / Resume review) when the case offers it, and wait for the page
    that comes back to finish loading: count() does not wait, and a click on the next page before its
    deferred script has run would post the form instead of using the script."""
    button = page.get_by_role("button", name=T(lang, name))
    if button.count():
        with page.expect_navigation(wait_until="load"):
            button.click()


def open_case(page, lang: str, reference: str) -> None:
    page.goto(f"/{lang}/review/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def bilingual(page, lang: str, label: str, vi: str, en: str) -> None:
    # role lookups skip hidden fields (the closed "record a withdrawal" form has the same labels)
    page.get_by_role("textbox", name=re.compile(re.escape(T(lang, label)) + r".*Tiếng Việt")).fill(vi)
    page.get_by_role("textbox", name=re.compile(re.escape(T(lang, label)) + r".*English")).fill(en)


@pytest.mark.parametrize("lang", LANGS)
def test_screener_requests_information_investor_answers_screener_accepts(
    page, browser, live_server, recorder, screener_account, staff_account, lang
):
    proposal = submit_by_api(live_server, lang)
    reference = proposal["reference"]

    # the screener finds the new case in the queue and starts the review
    sign_in(page, lang, screener_account)
    open_case(page, lang, reference)
    press_if_shown(page, lang, "Start review")

    # asks for information, in both languages
    bilingual(
        page,
        lang,
        "Message to the investor",
        "Xin gửi sơ đồ công nghệ xử lý nước thải.",
        "Please send the wastewater treatment process diagram.",
    )
    page.get_by_role("button", name=T(lang, "Send the request")).click()
    expect(page.get_by_role("button", name=T(lang, "Send the request"))).to_have_count(0)

    # the investor, in their own browser, answers from the tracking page
    investor = new_page(browser, live_server, recorder, lang)
    investor.goto(proposal["tracking_url"])
    expect(investor.get_by_role("heading", level=2, name=T(lang, "The reviewers need information"))).to_be_visible()
    expected_question = (
        "Xin gửi sơ đồ công nghệ xử lý nước thải."
        if lang == "vi"
        else "Please send the wastewater treatment process diagram."
    )
    expect(investor.get_by_role("blockquote")).to_have_text(expected_question)
    investor.get_by_label(T(lang, "Your answer")).fill("Sơ đồ: lắng – sinh học hiếu khí – lọc màng MBR, 150 m³/ngày.")
    investor.get_by_role("button", name=T(lang, "Send the answer")).click()
    expect(investor.get_by_role("status")).to_contain_text(
        T(lang, "Your answer was sent. The proposal is back under review.")
    )

    # the screener sees the answer and accepts
    page.reload()
    expect(page.get_by_text("lọc màng MBR")).to_be_visible()
    press_if_shown(page, lang, "Resume review")
    page.get_by_role("radio", name=T(lang, "Accept"), exact=True).check()
    bilingual(page, lang, "Reason", "Đáp ứng các điều kiện môi trường.", "Meets the environmental conditions.")
    page.get_by_role("button", name=T(lang, "Review the decision")).click()
    # a summary first; nothing is recorded until the screener confirms
    expect(page.get_by_role("heading", level=1)).to_have_text(T(lang, "Confirm the decision"))
    expect(page.get_by_text("Meets the environmental conditions.")).to_be_visible()
    page.get_by_role("button", name=T(lang, "Confirm the decision")).click()
    expect(page.get_by_role("status")).to_contain_text(
        T(lang, "The proposal was accepted and recorded in the project registry.")
    )

    # the investor's tracking page shows the decision
    investor.reload()
    reason = "Meets the environmental conditions." if lang == "en" else "Đáp ứng các điều kiện môi trường."
    expect(investor.get_by_text(reason).first).to_be_visible()

    # the project is in the registry (unpublished); staff publish it and the public registry lists it
    staff = new_page(browser, live_server, recorder, lang)
    sign_in(staff, lang, staff_account)
    staff.goto(f"/{lang}/staff/registry")
    row = staff.get_by_role("row", name=re.compile(re.escape(proposal["company_name"])))
    expect(row).to_contain_text(T(lang, "Not published"))
    row.get_by_role("link", name=re.compile(rf"^{re.escape(T(lang, 'Edit'))}")).click()
    staff.get_by_role("checkbox", name=T(lang, "Show on the public registry page")).check()
    staff.get_by_role("button", name=T(lang, "Save project")).click()
    staff.goto(f"/{lang}/staff/registry")
    expect(staff.get_by_role("row", name=re.compile(re.escape(proposal["company_name"])))).to_contain_text(
        T(lang, "Published")
    )
    investor.goto(f"/{lang}/registry")
    expect(investor.get_by_role("heading", level=1, name=T(lang, "Project registry"))).to_be_visible()
    expect(investor.get_by_role("rowheader", name=proposal["company_name"])).to_be_visible()
    investor.context.close()
    staff.context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_choosing_a_template_fills_the_form_without_a_reload_and_keeps_what_was_typed(
    page, live_server, screener_account, lang
):
    proposal = submit_by_api(live_server, lang)
    sign_in(page, lang, screener_account)
    open_case(page, lang, proposal["reference"])
    press_if_shown(page, lang, "Start review")
    vi = page.get_by_role("textbox", name=re.compile(re.escape(T(lang, "Message to the investor")) + r".*Tiếng Việt"))
    vi.fill("Ghi chú riêng của tôi.")
    page.evaluate("window.__still_here = true")
    panel = page.get_by_role("complementary", name=T(lang, "Actions on this case"))
    picker = panel.get_by_label(T(lang, "Start from a bilingual template")).first
    chosen = picker.evaluate("s => s.options[s.selectedIndex].dataset.vi")
    panel.get_by_role("button", name=T(lang, "Fill in")).first.click()
    assert page.evaluate("window.__still_here === true")  # no reload
    value = vi.input_value()
    assert value.startswith("Ghi chú riêng của tôi.") and chosen in value
    en = page.get_by_role("textbox", name=re.compile(re.escape(T(lang, "Message to the investor")) + r".*English"))
    assert en.input_value() == picker.evaluate("s => s.options[s.selectedIndex].dataset.en")
