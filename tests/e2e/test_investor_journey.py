"""Journey (a), in Vietnamese and in English: an investor searches, filters the zone list, opens a zone,
compares it with another, pre-checks the project, submits a proposal with a PDF, gets the receipt and
follows the private tracking link to the screening findings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LANGS, T

ZONE = {"vi": "Khu công nghiệp Trần Đề", "en": "Trần Đề Industrial Park"}
OTHER_ZONE = {"vi": "Khu công nghiệp An Nghiệp", "en": "An Nghiệp Industrial Park"}
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def main_nav(page, lang):
    return page.get_by_role("navigation", name=T(lang, "Main"))


@pytest.mark.parametrize("lang", LANGS)
def test_investor_finds_land_checks_and_submits_a_proposal(page, live_server, lang, tmp_path):
    # 1. search from the box in the header ("tran de" without accents finds Trần Đề)
    page.goto(f"/{lang}/")
    box = page.get_by_role("searchbox", name=T(lang, "Search the catalogue"))
    box.fill("tran de")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/{lang}/search\?q=tran\+de"))
    expect(page.get_by_role("heading", level=1, name=T(lang, "Search"))).to_be_visible()
    expect(page.get_by_role("link", name=ZONE[lang], exact=True).first).to_be_visible()

    # 2. the zone list, filtered to industrial parks
    main_nav(page, lang).get_by_role("link", name=T(lang, "Parks and clusters")).click()
    expect(page).to_have_url(re.compile(rf"/{lang}/zones$"))
    table = page.get_by_role("table")
    all_rows = table.get_by_role("row").count()
    page.get_by_role("checkbox", name=re.compile(re.escape(T(lang, "Industrial park (KCN)")))).check()
    page.get_by_role("button", name=T(lang, "Apply filters")).click()
    expect(page).to_have_url(re.compile(r"kind=kcn"))
    kcn_rows = table.get_by_role("row").count()
    assert 1 < kcn_rows < all_rows, (kcn_rows, all_rows)
    expect(table.get_by_role("cell", name=T(lang, "Industrial cluster (CCN)"), exact=True)).to_have_count(0)

    # 3. open a zone
    table.get_by_role("link", name=ZONE[lang], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/{lang}/zones/kcn-tran-de$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ZONE[lang])

    # 4. compare it with another park
    page.goto(f"/{lang}/compare")
    for name in (ZONE[lang], OTHER_ZONE[lang]):
        page.get_by_label(T(lang, "Add a zone")).select_option(label=name)
        page.get_by_role("button", name=T(lang, "Add"), exact=True).click()
    compare = page.get_by_role("table")
    expect(compare.get_by_role("columnheader", name=re.compile(re.escape(ZONE[lang])))).to_be_visible()
    expect(compare.get_by_role("columnheader", name=re.compile(re.escape(OTHER_ZONE[lang])))).to_be_visible()

    # 5. pre-check the project (nothing stored)
    main_nav(page, lang).get_by_role("link", name=T(lang, "Pre-check")).click()
    expect(page.get_by_role("heading", level=1, name=T(lang, "Pre-check your project"))).to_be_visible()
    page.get_by_label(T(lang, "Sectors (VSIC)")).select_option(["1020"])
    page.get_by_label(T(lang, "Desired zone")).select_option("kcn-tran-de")
    page.get_by_label(T(lang, "Land needed (ha)")).fill("5")
    page.get_by_label(T(lang, "Wastewater (m³ a day)")).fill("50")
    page.get_by_role("button", name=T(lang, "Check"), exact=True).click()
    expect(page.get_by_role("heading", level=2, name=T(lang, "Result"))).to_be_visible()

    # 6. submit a proposal with a PDF
    main_nav(page, lang).get_by_role("link", name=T(lang, "Submit a proposal")).click()
    expect(page.get_by_role("heading", level=1, name=T(lang, "Submit an investment proposal"))).to_be_visible()
    company = f"Công ty TNHH Hải sản E2E {lang}"
    page.get_by_label(T(lang, "Company name")).fill(company)
    page.get_by_label(T(lang, "Country of the investor")).fill("Việt Nam")
    page.get_by_label(T(lang, "Contact person")).fill("Trần Thị Bích")
    page.get_by_label(T(lang, "Email")).fill(f"e2e-{lang}@example.vn")
    page.get_by_label(T(lang, "Phone")).fill("+84 299 3820 000")
    page.get_by_label(T(lang, "Project name")).fill(f"Nhà máy chế biến tôm xuất khẩu ({lang})")
    page.get_by_label(T(lang, "Description")).fill("Chế biến tôm đông lạnh, 10.000 tấn/năm.")
    page.get_by_label(T(lang, "Sectors (VSIC)")).select_option(["1020"])
    page.get_by_label(T(lang, "Desired zone")).select_option("kcn-tran-de")
    page.get_by_label(T(lang, "Land needed (ha)")).fill("5")
    page.get_by_label(T(lang, "Production technology")).select_option(index=1)
    page.get_by_label(T(lang, "Main equipment"), exact=True).select_option("new")
    page.get_by_label(T(lang, "Wastewater (m³ a day)")).fill("50")
    measures = page.get_by_label(T(lang, "Environmental protection measures"))
    measures.fill("Trạm xử lý nước thải riêng trước khi đấu nối.")
    pdf = tmp_path / f"ho-so-du-an-{lang}.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label(T(lang, "Files (PDF, PNG or JPEG)")).set_input_files(str(pdf))
    page.get_by_role("button", name=T(lang, "Submit the proposal")).click()

    # 7. the receipt, then the private tracking link
    expect(page.get_by_role("heading", level=1, name=T(lang, "Proposal received"))).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/receipt/[A-Za-z0-9_-]{{22,}}$"))
    keep = T(lang, "Keep this private link to follow your proposal; anyone who has it can see the status:")
    tracking = page.get_by_role("textbox", name=keep)
    url = tracking.input_value()
    assert url.startswith(live_server.base_url + f"/{lang}/proposals/status/"), url
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 22, "tracking token shorter than 128 bits"
    page.get_by_role("link", name=T(lang, "Open the status page")).click()
    expect(page).to_have_url(url)
    expect(page.get_by_role("heading", level=1, name=T(lang, "Proposal status"))).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=T(lang, "Automatic screening at submission"))).to_be_visible()
    expect(page.get_by_text(company)).to_be_visible()
    expect(page.get_by_text(pdf.name)).to_be_visible()
