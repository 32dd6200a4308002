"""SQL meta-characters and Unicode oddities in every query parameter and path parameter of every GET
page and API route never produce a server error.

Routes are taken from the app's list of routers, portal.app.ROUTERS (so new domains are covered when they land); the
parameters are those the route declares plus the filter names pages read from the query string.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from starlette.datastructures import QueryParams

from portal.app import ROUTERS

NASTY = [
    "' OR 1=1 --",
    "'; DROP TABLE zone; --",
    '" OR ""="',
    "%",
    "_",
    "%_%",
    "\\",
    "\x00",
    "a\x00b",
    "\u202e",
    "\u0301",
    "e\u0301\u0301\u0301",
    "x" * 500,
    "Trần Đề 😀🏭👩‍👩‍👧",
    "\ufeff\u200b",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "[]",
    "{{7*7}}",
    "../../etc/passwd",
    "<script>alert(1)</script>",
]

# Names pages read straight from the query string (not declared as FastAPI parameters).
READ_FROM_QUERY = [
    "q",
    "kind",
    "locality",
    "status",
    "sector",
    "min_area",
    "max_area",
    "sort",
    "page",
    "per_page",
    "type",
    "zone",
    "lang",
    "min_available_ha",
    "a",
    "b",
    "zones",
    "area",
    "land_ha",
    "jobs",
    "capital",
    "wastewater",
    "next",
    "state",
    "assigned",
    "sectors",
]

PATH_DEFAULTS = {"slug": "kcn-tran-de", "lang": "vi"}


def _get_routes() -> list[tuple[str, list[str]]]:
    found = []
    for router, prefix in ROUTERS:
        for route in router.routes:
            if "GET" not in getattr(route, "methods", set()):
                continue
            declared = [p.alias or p.name for p in route.dependant.query_params]
            found.append((prefix + route.path, declared))
    return found


ROUTES = _get_routes()


def _path_params(path: str) -> list[str]:
    return [p.split(":")[0] for p in re.findall(r"{([^}]+)}", path)]


def _fill(path: str, values: dict[str, str]) -> str:
    def sub(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        return quote(values.get(name, PATH_DEFAULTS.get(name, "1")), safe="")

    return re.sub(r"{([^}]+)}", sub, path)


def _check(response, url) -> None:
    assert response.status_code < 500, f"{response.status_code} on {url!r}:\n{response.text[:500]}"
    if response.headers.get("content-type", "").startswith("text/html"):
        assert "<script>alert(1)</script>" not in response.text, f"unescaped input echoed on {url!r}"
        assert "Traceback" not in response.text


EVERY_NAME = "*"


def record_query_reads(monkeypatch) -> set[str]:
    """The query parameter names the app looks up from now on (FastAPI's declared parameters and the pages'
    own `request.query_params` lookups); `EVERY_NAME` once anything walks all of them (`multi_items()`,
    `keys()`, iteration, `len`, …)."""
    seen: set[str] = set()

    def by_name(method):
        def recording(self, key, *args):
            seen.add(key)
            return method(self, key, *args)

        return recording

    def whole(method):
        def recording(self, *args):
            seen.add(EVERY_NAME)
            return method(self, *args)

        return recording

    for attr in ("__getitem__", "__contains__", "get", "getlist"):
        monkeypatch.setattr(QueryParams, attr, by_name(getattr(QueryParams, attr)))
    for attr in ("keys", "values", "items", "multi_items", "__iter__", "__len__", "__eq__"):
        monkeypatch.setattr(QueryParams, attr, whole(getattr(QueryParams, attr)))
    return seen


@pytest.mark.parametrize(("path", "declared"), ROUTES, ids=[p for p, _ in ROUTES])
def test_odd_inputs_in_every_query_parameter_never_cause_a_server_error(client, path, declared, monkeypatch):
    names = list(dict.fromkeys(declared + READ_FROM_QUERY))
    base = _fill(path, {})
    read = record_query_reads(monkeypatch)
    _check(client.get(base), base)  # no parameter: nothing rejected early, every lookup of the route happens
    for value in NASTY:
        params = [(name, value) for name in names]
        response = client.get(base, params=params)
        _check(response, f"{base}?<all>={value!r}")
    # One at a time, so a validation error in one name cannot hide another: every name the route looked up
    # in any of the requests above (all of them when it walked the whole query). A name the route never
    # looks up changes nothing in its answer; the requests above already sent it with every value.
    alone = names if EVERY_NAME in read else [name for name in names if name in read]
    for name in alone:
        for value in ("' OR 1=1 --", "\x00", "x" * 500):
            response = client.get(base, params={name: value})
            _check(response, f"{base}?{name}={value!r}")


PATH_ROUTES = [(p, d) for p, d in ROUTES if set(_path_params(p)) - {"lang"}]


@pytest.mark.parametrize(("path", "declared"), PATH_ROUTES, ids=[p for p, _ in PATH_ROUTES])
def test_odd_inputs_in_every_path_parameter_never_cause_a_server_error(client, path, declared):
    for name in set(_path_params(path)) - {"lang"}:
        for value in NASTY:
            if value in ("../../etc/passwd",):
                continue  # normalised by the client before it reaches the app
            url = _fill(path, {name: value})
            _check(client.get(url), url)


@pytest.mark.parametrize("lang", ["xx", "VI", "v%00", "%27"])
def test_unknown_language_prefixes_are_404_not_500(client, lang):
    response = client.get(f"/{lang}/zones")
    assert response.status_code == 404


def test_an_injected_filter_does_not_widen_the_result(client):
    everything = client.get("/api/v1/zones", params={"per_page": 200}).json()["total"]
    injected = client.get("/api/v1/zones", params={"kind": "kcn' OR 1=1 --"})
    assert injected.status_code == 422
    kcn = client.get("/api/v1/zones", params={"kind": "kcn"}).json()["total"]
    assert 0 < kcn < everything


def test_a_nul_character_in_a_submitted_text_is_refused_not_a_server_error(client):
    """PostgreSQL cannot store U+0000 in text: it must be refused as bad input (422), never reach the
    database as a 'database unavailable' 503 — and nothing may be stored."""
    body = {
        "company_name": "NUL\x00Co",
        "investor_country": "Việt Nam",
        "contact_name": "A",
        "contact_email": "nul@example.vn",
        "project_name": "P",
        "project_description": "text with \x00 inside",
        "sectors": ["1020"],
        "zone": "kcn-an-nghiep",
    }
    response = client.post("/api/v1/proposals", json=body, headers={"Idempotency-Key": "nul-character-test-key"})
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert response.json()["detail"][0]["loc"][0] == "body"
