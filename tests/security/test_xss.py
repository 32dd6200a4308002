"""Stored XSS and spreadsheet-formula injection: hostile text saved in the database is shown escaped on
every page that displays it, and exported as data (CSV cells defused, JSON exact)."""

from __future__ import annotations

import csv
import io

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
    assert "onmouseover=alert(1)" not in html.replace("&#34;onmouseover=alert(1)", ""), where
    assert ESCAPED_SCRIPT in html, f"the stored text is not shown at all on {where} (test cannot fail)"


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
    for path in (f"/{lang}/zones", f"/{lang}/zones?kind=kcn&sort=name", f"/{lang}/zones/kcn-tran-de"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.text, path)
    # pages that may list zones by name (only checked once they exist)
    for path in (
        f"/{lang}/",
        f"/{lang}/compare?zones=kcn-tran-de&zones=kcn-an-nghiep",
        f"/{lang}/compare?a=kcn-tran-de&b=kcn-an-nghiep",
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
