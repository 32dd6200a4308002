"""Browser journeys in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright for Python).

- `live_server`: one real uvicorn process for the session (seeded SQLite in a temp dir).
- `browser`: one Chromium for the session; missing Chromium skips locally and FAILS under CI=true.
- `page`: a fresh context per test that records console errors, page errors and the host of every
  request; the test fails if any console error occurred or any request left 127.0.0.1 (such requests
  are also blocked, so the journey cannot depend on the internet).
- `T(lang, msgid)`: the accessible name the page shows, through the app's own catalogs (selectors use
  labels and roles in both languages, never CSS classes).

Every e2e test is in xdist group "e2e", so the server and browser are started once, on one worker.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import service_unavailable
from tests.servers import LiveServer, sqlite_url

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LANGS = ["vi", "en"]
ALLOWED_HOSTS = {"127.0.0.1"}
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


def T(lang: str, message: str, **params) -> str:
    from portal.i18n import translate

    return translate(lang, message, **params)


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        service_unavailable("Chromium", FileNotFoundError(CHROMIUM))
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("e2e-server")
    server = LiveServer(sqlite_url(workdir), workdir=workdir)
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def playwright_instance():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        service_unavailable("Playwright", err)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    try:
        browser = launch_chromium(playwright_instance)
    except Exception as err:  # launch failure = no usable browser here
        service_unavailable("Chromium", err)
    yield browser
    browser.close()


@dataclass
class Recorder:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)

    def problems(self) -> list[str]:
        return (
            [f"console error: {e}" for e in self.console_errors]
            + [f"page error: {e}" for e in self.page_errors]
            + [f"request to another host: {u}" for u in self.foreign_requests]
        )


def _host_allowed(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in ALLOWED_HOSTS


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def page(browser, live_server, recorder, request):
    callspec = getattr(request.node, "callspec", None)
    lang = callspec.params.get("lang", "vi") if callspec else "vi"
    context = browser.new_context(
        base_url=live_server.base_url, locale="vi-VN" if lang == "vi" else "en-US", accept_downloads=False
    )
    context.set_default_timeout(TIMEOUT_MS)

    def guard(route):
        if _host_allowed(route.request.url):
            route.continue_()
        else:
            recorder.foreign_requests.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.on(
        "console",
        lambda msg: recorder.console_errors.append(f"{msg.text} @ {msg.location}") if msg.type == "error" else None,
    )
    pg.on("pageerror", lambda exc: recorder.page_errors.append(str(exc)))
    pg.on("request", lambda req: recorder.hosts.add(urlparse(req.url).hostname or urlparse(req.url).scheme))
    yield pg
    context.close()
    problems = recorder.problems()
    if problems:
        pytest.fail("browser problems during the journey:\n" + "\n".join(problems), pytrace=False)


def new_page(browser, live_server, recorder, lang: str):
    """A second, independent browser (another person: staff next to an investor)."""
    context = browser.new_context(base_url=live_server.base_url, locale="vi-VN" if lang == "vi" else "en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if _host_allowed(route.request.url)
            else (recorder.foreign_requests.append(route.request.url), route.abort())
        ),
    )
    pg = context.new_page()
    pg.on(
        "console",
        lambda msg: recorder.console_errors.append(f"{msg.text} @ {msg.location}") if msg.type == "error" else None,
    )
    pg.on("pageerror", lambda exc: recorder.page_errors.append(str(exc)))
    return pg


PASSWORD = "e2e-Passw0rd-long-enough"


def create_user(server: LiveServer, email: str, *roles: str) -> tuple[str, str]:
    """An account made with the real CLI against the server's database (`portal createuser`)."""
    args = ["createuser", email, "--name", email.split("@")[0]]
    for role in roles:
        args += ["--role", role]
    server.cli(*args, extra_env={"PORTAL_NEW_PASSWORD": PASSWORD})
    return email, PASSWORD


@pytest.fixture(scope="session")
def staff_account(live_server) -> tuple[str, str]:
    return create_user(live_server, "staff.e2e@soctrang.gov.vn", "staff")


@pytest.fixture(scope="session")
def screener_account(live_server) -> tuple[str, str]:
    return create_user(live_server, "screener.e2e@soctrang.gov.vn", "screener")


def sign_in(page, lang: str, account: tuple[str, str]) -> None:
    from playwright.sync_api import expect

    page.goto(f"/{lang}/staff/login")
    required = f" ({T(lang, 'required')})"  # the form macros mark required fields in the label
    page.get_by_label(T(lang, "Email") + required, exact=True).fill(account[0])
    page.get_by_label(T(lang, "Password") + required, exact=True).fill(account[1])
    page.get_by_role("button", name=T(lang, "Sign in")).click()
    expect(page.get_by_role("heading", level=1, name=T(lang, "Staff sign-in"))).to_have_count(0)
