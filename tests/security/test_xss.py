"""Stored XSS and spreadsheet-formula injection: hostile text saved in the database is shown escaped on
every page that displays it, and exported as data (CSV cells defused, JSON exact)."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from portal.catalogue.models import Zone

SCRIPT = "<script>alert(1)</script>"
ATTR = '"onmouseover=alert(1) x="'
PAYLOAD = f"KCN {SCRIPT} {ATTR} end"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)"]


def assert_escaped(html: str, where: str) -> None:
    assert SCRIPT not in html, f"raw <script> from stored data on {where}"
    assert ATTR not in html, f"raw attribute breakout from stored data on {where}"
    handlers = event_handler_attributes(html)
    assert not handlers, f"event handler attribute injected on {where}: {handlers}"
    assert ESCAPED_SCRIPT in html, f"the stored text is not shown at all on {where} (test cannot fail)"


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name) for name, _ in attrs if name.lower().startswith("on")]


def event_handler_attributes(html: str) -> list[tuple[str, str]]:
    """Every on* attribute as a browser would parse it (the app's templates have none: CSP forbids them)."""
    parser = _Attributes()
    parser.feed(html)
    return parser.found


def hostile_zone(
    session, slug: str = "kcn-tran-de", *, name_vi: str = PAYLOAD, name_en: str = PAYLOAD, **fields
) -> Zone:
    zone = session.exec(select(Zone).where(Zone.slug == slug)).one()
    zone.name_vi = name_vi
    zone.name_en = name_en
    for key, value in fields.items():
        setattr(zone, key, value)
    session.add(zone)
    session.commit()
    return zone


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_hostile_zone_name_is_escaped_on_public_pages(client, session, lang):
    hostile_zone(
        session,
        description_vi=PAYLOAD,
        description_en=PAYLOAD,
        infrastructure_vi=PAYLOAD,
        infrastructure_en=PAYLOAD,
        contact_org_vi=PAYLOAD,
        contact_org_en=PAYLOAD,
    )
    for path in (
        f"/{lang}/zones",
        f"/{lang}/zones?kind=kcn&sort=name",
        f"/{lang}/zones/kcn-tran-de",
        f"/{lang}/compare?zones=kcn-tran-de,kcn-an-nghiep",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.text, path)
    # pages that may list zones by name (only checked once they exist)
    for path in (
        f"/{lang}/",
        f"/{lang}/compare?zones=kcn-tran-de,kcn-an-nghiep",
        f"/{lang}/compare?zones=kcn-tran-de,kcn-an-nghiep,kcn-dai-ngai",
        f"/{lang}/map",
        f"/{lang}/match",
        f"/{lang}/registry",
        f"/{lang}/targets",
        f"/{lang}/proposals/new",
        f"/{lang}/precheck",
    ):
        response = client.get(path)
        assert response.status_code < 500, path
        assert SCRIPT not in response.text and ATTR not in response.text, path


def test_a_hostile_zone_name_is_exact_data_in_the_json_exports(client, session):
    hostile_zone(session)
    for path in ("/api/v1/zones.json", "/api/v1/zones/kcn-tran-de", "/api/v1/zones?kind=kcn"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert PAYLOAD in set(_strings(response.json())), path
    zone = client.get("/api/v1/zones/kcn-tran-de").json()
    assert zone["name_vi"] == PAYLOAD and zone["name_en"] == PAYLOAD


def test_csv_export_defuses_formulas_and_keeps_markup_as_text(client, session):
    hostile_zone(session, "kcn-tran-de", name_vi=FORMULAS[0], name_en=FORMULAS[1])
    hostile_zone(session, "kcn-an-nghiep", name_vi=FORMULAS[2], name_en=FORMULAS[3])
    response = client.get("/api/v1/zones.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers.get("content-disposition", "")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    cells = [cell for row in rows for cell in row]
    for formula in FORMULAS:
        assert formula not in cells, f"formula exported live: {formula}"
        assert "'" + formula in cells, f"formula not exported as text: {formula}"
    for cell in cells:
        assert cell[:1] not in ("=", "+", "@"), cell
        assert cell[:1] != "-" or _is_number(cell), cell


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_reflected_search_text_is_escaped(client):
    for path in ("/vi/search", "/en/search", "/vi/zones"):
        response = client.get(path, params={"q": PAYLOAD, "kind": PAYLOAD})
        assert response.status_code < 500
        assert SCRIPT not in response.text and ATTR not in response.text, path


# --- proposals, attachments, staff and review pages ---------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HOSTILE_FILENAME = f"{SCRIPT}{ATTR}.pdf"


def hostile_proposal(client, csrf, lang: str = "vi") -> tuple[str, str]:
    """Submit through the public form (multipart, with an attachment) and return (receipt url, reference)."""
    form = client.get(f"/{lang}/proposals/new").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    data = {
        "csrf_token": csrf,
        "idempotency_key": key,
        "company_name": PAYLOAD,
        "investor_country": PAYLOAD[:90],
        "contact_name": PAYLOAD,
        "contact_email": "xss@example.vn",
        "project_name": PAYLOAD,
        "project_description": PAYLOAD * 3,
        "sectors": "1020",
        "location": "kcn-an-nghiep",
        "emissions": PAYLOAD,
        "environmental_measures": PAYLOAD,
    }
    response = client.post(
        f"/{lang}/proposals/new",
        data=data,
        follow_redirects=False,
        files=[("attachments", (HOSTILE_FILENAME, PDF, "application/pdf"))],
    )
    assert response.status_code == 303, response.text[:2000]
    receipt = response.headers["location"]
    page = client.get(receipt)
    reference = re.search(r"ST-\d{4}-\d{6}", page.text).group(0)
    return receipt, reference


def test_hostile_proposal_text_and_filename_are_escaped_for_the_investor(client, csrf):
    receipt, _ = hostile_proposal(client, csrf)
    page = client.get(receipt)
    assert page.status_code == 200
    assert_escaped(page.text, receipt)
    status = receipt.replace("/receipt/", "/status/")
    assert_escaped(client.get(status).text, status)


def test_hostile_proposal_is_escaped_on_the_review_pages(client, csrf, session):
    from tests.factories import signed_in

    _, reference = hostile_proposal(client, csrf)
    signed_in(client, csrf, session, roles=("screener",))
    for lang in ("vi", "en"):
        queue = client.get(f"/{lang}/review/")
        assert queue.status_code == 200
        assert_escaped(queue.text, "review queue")
        case_url = re.search(rf'href="(/{lang}/review/\d+)">{reference}<', queue.text).group(1)
        case = client.get(case_url)
        assert case.status_code == 200
        assert_escaped(case.text, case_url)
        for link in set(re.findall(rf'href="({case_url}/attachments/\d+)"', case.text)):
            download = client.get(link)
            assert download.status_code == 200
            disposition = download.headers.get("content-disposition", "")
            assert "<script>" not in disposition and '"onmouseover' not in disposition, disposition
            assert download.headers.get("x-content-type-options") == "nosniff"


def test_hostile_zone_name_is_escaped_on_staff_pages_and_staff_exports(client, csrf, session):
    from tests.factories import signed_in

    hostile_zone(session, "kcn-tran-de", name_vi=PAYLOAD, name_en=FORMULAS[0])
    signed_in(client, csrf, session, roles=("staff",))
    for path in (
        "/vi/staff/zones",
        "/vi/staff/zones/kcn-tran-de/edit",
        "/vi/staff/zones/kcn-tran-de/plots",
        "/vi/staff/zones/kcn-tran-de/history",
        "/vi/staff/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert SCRIPT not in response.text and ATTR not in response.text, path
    assert ESCAPED_SCRIPT in client.get("/vi/staff/zones").text
    export = client.get("/vi/staff/export/zones.csv")
    assert export.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(export.text.lstrip("\ufeff"))) for c in row]
    assert FORMULAS[0] not in cells and "'" + FORMULAS[0] in cells
    assert PAYLOAD in cells  # data stays data in a CSV; it is not HTML
