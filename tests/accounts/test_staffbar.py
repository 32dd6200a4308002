"""Every staff, review and admin page has the same bar: the sections the user may open, my account, sign out."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from tests.factories import login
from tests.review.factories import make_proposal

STAFF_PREFIXES = ("/{lang}/staff", "/{lang}/admin", "/{lang}/review")


def staff_pages(ids: dict[str, str]) -> list[str]:
    from portal.app import ROUTERS

    urls = []
    for router, _prefix in ROUTERS:
        for route in router.routes:
            if (
                not isinstance(route, APIRoute)
                or "GET" not in route.methods
                or not route.path.startswith(STAFF_PREFIXES)
            ):
                continue
            if (
                route.path.endswith((".csv", ".xlsx", "/login", "/report")) or "attachments" in route.path
            ):  # files, print
                continue
            params = set(route.param_convertors) - {"lang"}
            if params <= set(ids):
                path = route.path
                for name in params:
                    path = path.replace("{" + name + "}", ids[name])
                urls.append(path.replace("{lang}", "en"))
    return sorted(set(urls))


@pytest.mark.parametrize("roles", [["admin"], ["staff", "screener"]])
def test_every_staff_page_has_the_same_bar(client, session, roles):
    p, _ = make_proposal(session, status="in_review")
    login(client, session, roles=roles, email=f"bar-{roles[0]}@example.vn")
    urls = staff_pages({"proposal_id": str(p.id), "slug": "kcn-tran-de"})
    assert "/en/staff/zones" in urls and f"/en/review/{p.id}" in urls and "/en/staff/registry" in urls
    seen = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue  # pages this role may not open (403) are not staff pages for it
        seen += 1
        bar = re.search(r'<nav class="staffbar".*?</nav>', response.text, re.S)
        assert bar, url
        assert 'action="/en/staff/logout"' in bar.group(0) and 'href="/en/staff/account"' in bar.group(0), url
        if "screener" in roles or "admin" in roles:
            assert 'href="/en/review/"' in bar.group(0), url
        if "admin" in roles:
            assert 'href="/en/admin/users"' in bar.group(0), url
    assert seen >= 8
