"""Object-level access: staff and admins edit; screeners get 403 on every staff path; anonymous users are
sent to the sign-in page (pages) — for every publishing and registry route, GET and POST."""

from __future__ import annotations

import pytest

from tests.factories import login
from tests.publishing.factories import make_plot

GET_PATHS = [
    "/{lang}/staff/",
    "/{lang}/staff/zones",
    "/{lang}/staff/zones/kcn-tran-de/edit",
    "/{lang}/staff/zones/kcn-tran-de/history",
    "/{lang}/staff/zones/kcn-tran-de/plots",
    "/{lang}/staff/zones/kcn-tran-de/plots/new",
    "/{lang}/staff/zones/kcn-tran-de/plots/{plot}/edit",
    "/{lang}/staff/zones/kcn-tran-de/plots/{plot}/delete",
    "/{lang}/staff/zones/kcn-tran-de/plots/{plot}/history",
    "/{lang}/staff/import",
    "/{lang}/staff/import/template.csv",
    "/{lang}/staff/import/template.xlsx",
    "/{lang}/staff/export/plots.csv",
    "/{lang}/staff/export/plots.xlsx",
    "/{lang}/staff/export/zones.csv",
    "/{lang}/staff/export/zones.xlsx",
    "/{lang}/staff/registry",
    "/{lang}/staff/registry/new",
]
POST_PATHS = [
    "/{lang}/staff/zones/kcn-tran-de/edit",
    "/{lang}/staff/zones/kcn-tran-de/plots/new",
    "/{lang}/staff/zones/kcn-tran-de/plots/{plot}/edit",
    "/{lang}/staff/zones/kcn-tran-de/plots/{plot}/delete",
    "/{lang}/staff/import",
    "/{lang}/staff/import/abc/apply",
    "/{lang}/staff/import/abc/discard",
    "/{lang}/staff/registry/new",
]


@pytest.fixture
def plot(session):
    return make_plot(session, code="ACCESS-1")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_anonymous_is_sent_to_sign_in(client, csrf, plot, lang):
    for path in GET_PATHS:
        url = path.format(lang=lang, plot=plot.id)
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith(f"/{lang}/staff/login?next=/{lang}/staff/"), url
    for path in POST_PATHS:
        url = path.format(lang=lang, plot=plot.id)
        response = client.post(url, data={"csrf_token": csrf, "version": "1"}, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"] == f"/{lang}/staff/login", url


@pytest.mark.parametrize("role", ["screener"])
def test_screener_gets_403_everywhere(client, session, csrf, plot, role):
    login(client, session, roles=[role])
    for path in GET_PATHS:
        url = path.format(lang="en", plot=plot.id)
        assert client.get(url, follow_redirects=False).status_code == 403, url
    for path in POST_PATHS:
        url = path.format(lang="vi", plot=plot.id)
        response = client.post(
            url,
            data={"csrf_token": csrf, "version": "1", "code": "X", "area_ha": "1", "status": "leased"},
            follow_redirects=False,
        )
        assert response.status_code == 403, url
    assert session.get(type(plot), plot.id).status == "available"


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admin_can_open_every_page(client, session, plot, role):
    login(client, session, roles=[role])
    for path in GET_PATHS:
        url = path.format(lang="vi", plot=plot.id)
        assert client.get(url, follow_redirects=False).status_code == 200, url


def test_post_without_csrf_token_is_refused_even_for_staff(client, session, plot):
    login(client, session, roles=["staff"])
    response = client.post(f"/en/staff/zones/kcn-tran-de/plots/{plot.id}/delete", data={"version": "1"})
    assert response.status_code == 403
    assert session.get(type(plot), plot.id) is not None


def test_unknown_zone_or_plot_is_404(client, session, plot):
    login(client, session, roles=["staff"])
    assert client.get("/en/staff/zones/nowhere/edit").status_code == 404
    assert client.get(f"/en/staff/zones/kcn-an-nghiep/plots/{plot.id}/edit").status_code == 404  # other zone
    assert client.get("/en/staff/zones/kcn-tran-de/plots/999999/edit").status_code == 404
