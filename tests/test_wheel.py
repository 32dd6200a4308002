"""The shipped package serves: the wheel, installed with the runtime lock only into a fresh venv outside
the checkout, run from a directory outside it, bootstraps and serves /vi/zones and /en/ translated, with
its static files; production refuses to start without a secret.

This is what the Dockerfile does (machines here have no Docker daemon; the image is built elsewhere).
The venv of runtime dependencies is kept between runs under ~/.cache, keyed by the hash of
requirements.lock (installing them takes ~90 s); the portal wheel is rebuilt and reinstalled each run.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from babel.support import Translations

from tests.servers import SECRET, listening_socket

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _runtime_venv() -> Path:
    key = hashlib.sha256(LOCK.read_bytes() + sys.version.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "soctrang-portal"
    venv = cache / f"runtime-venv-{key}"
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "venv", str(venv)])
        _run([str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check", "-r", str(LOCK)])
        (venv / ".complete").write_text(LOCK.read_text())
    return venv


def _h1(page: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert match, page[:2000]
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)])
    (wheel,) = dist.glob("soctrang_portal-*.whl")
    venv = _runtime_venv()
    _run([str(venv / "bin/pip"), "install", "-q", "--no-deps", "--force-reinstall", str(wheel)])
    return venv, tmp_path_factory.mktemp("outside")


def _env(workdir: Path, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "PYTHON", "VIRTUAL_ENV"))}
    environ.update(PORTAL_ENV="production", PORTAL_VAR_DIR=str(workdir / "var"), PORTAL_SECRET_KEY=SECRET, **extra)
    return environ


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
@pytest.mark.timeout(900)
def test_the_wheel_serves_translated_pages_and_static_files_outside_the_checkout(installed):
    venv, workdir = installed
    environ = _env(workdir)
    where = _run([str(venv / "bin/python"), "-c", "import portal; print(portal.__file__)"], cwd=workdir, env=environ)
    assert not where.stdout.strip().startswith(str(ROOT)), where.stdout
    tools = subprocess.run([str(venv / "bin/python"), "-c", "import pytest"], capture_output=True, cwd=workdir)
    assert tools.returncode != 0, "the runtime set carries the test tools"
    _run([str(venv / "bin/portal"), "bootstrap"], cwd=workdir, env=environ)
    assert (workdir / "var" / "portal.db").exists()

    sock = listening_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    proc = subprocess.Popen(
        [str(venv / "bin/portal"), "serve", "--fd", str(sock.fileno())],
        cwd=workdir,
        env=environ,
        pass_fds=(sock.fileno(),),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() else "slow"
            time.sleep(0.2)
        vi, en = httpx.get(base + "/vi/zones", timeout=20), httpx.get(base + "/en/zones", timeout=20)
        home = httpx.get(base + "/en/", timeout=20)
        css = httpx.get(base + "/static/css/portal.css", timeout=20)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
        sock.close()
    assert vi.status_code == en.status_code == home.status_code == 200, output[-3000:]
    assert '<html lang="vi">' in vi.text and '<html lang="en">' in home.text
    catalogue = Translations.load(str(ROOT / "locales"), ["vi"])
    assert _h1(vi.text) == catalogue.gettext(_h1(en.text)) != _h1(en.text), (_h1(vi.text), _h1(en.text))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "Traceback" not in output, output[-3000:]
    assert not (workdir / "var" / "secret_key").exists()  # production never writes a key of its own


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
@pytest.mark.timeout(900)
def test_the_installed_portal_refuses_to_start_in_production_without_a_secret(installed):
    venv, workdir = installed
    environ = _env(workdir)
    del environ["PORTAL_SECRET_KEY"]
    result = subprocess.run(
        [str(venv / "bin/portal"), "serve", "--port", "1"], cwd=workdir, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "PORTAL_SECRET_KEY must be set" in result.stderr and "Traceback" not in result.stderr
