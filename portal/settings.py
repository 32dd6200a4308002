"""All configuration in one object, read from PORTAL_* environment variables (and `.env`).

The defaults are the embedded configuration: a SQLite file and a local search index under `var/`,
suitable for `make run` on a fresh machine. Production sets PORTAL_ENV=production and real secrets.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from portal import ROOT_DIR


def default_var_dir() -> Path:
    """`var/` of the checkout when running from one (`make run`), else `./var` of the working directory
    (an installed package: the container's WORKDIR). PORTAL_VAR_DIR overrides both."""
    if (ROOT_DIR / "pyproject.toml").is_file() and (ROOT_DIR / "portal").is_dir():
        return ROOT_DIR / "var"
    return Path.cwd() / "var"


def _secret_file(var_dir: Path) -> str:
    """A per-install secret kept in var/secret_key so sessions survive restarts (development, test)."""
    path = var_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    var_dir: Path = Field(default_factory=default_var_dir)  # data of this install: database, index, uploads
    database_url: str = ""  # empty → sqlite:///<var_dir>/portal.db
    search_url: str = ""  # empty or sqlite:///path → embedded FTS5; http(s)://… → Meilisearch
    meili_key: str = ""
    search_sync: Literal["thread", "manual"] = "thread"  # manual: tests drain the search outbox themselves
    search_connect_timeout: float = 1.0  # seconds to reach Meilisearch
    search_timeout: float = 2.0  # seconds to wait for each of its answers
    search_max_concurrent: int = 8  # queries waiting on the engine at once (each holds a server thread)
    search_breaker_failures: int = 5  # failures in a row that open the circuit breaker …
    search_breaker_reset: float = 30.0  # … for this many seconds
    page_cache: bool = True  # cache rendered public catalogue pages for anonymous visitors
    # keep the bodies of the big plot exports on disk per catalogue generation (portal/web/exportcache.py)
    export_cache: bool = True
    export_cache_dir: Path | None = None  # None → <var_dir>/exports
    # Threads running the routes (plain `def`) in each worker. Page work is CPU-bound Python under the GIL, so
    # a big pool only adds contention; but a search waiting on its engine holds a thread (at most
    # search_max_concurrent of them). 0 = search_max_concurrent + 2 per core (anyio's default is 40).
    threads: int = Field(default=0, ge=0, le=256)
    # seconds an idle keep-alive connection stays open (uvicorn's default 5; keep it above a proxy's own)
    keep_alive_seconds: int = Field(default=5, ge=1, le=3600)
    secret_key: str = ""  # production: required; elsewhere empty → <var_dir>/secret_key (made once)
    ratelimit_url: str = "memory://"  # or redis://127.0.0.1:6379/0
    # Prefix of the rate-limit keys in a shared store (Redis); empty → derived from database_url
    # (`ratelimit_key_prefix`), so two portals, or two test databases, on one Redis never share counts.
    ratelimit_prefix: str = ""
    tile_url: str = ""  # e.g. https://tile.example/{z}/{x}/{y}.png; empty → no base tiles
    upload_dir: Path | None = None  # None → <var_dir>/uploads
    max_upload_bytes: int = 10 * 1024 * 1024
    max_upload_files: int = 5
    max_body_bytes: int = 55 * 1024 * 1024
    session_max_age_seconds: int = 8 * 3600
    base_url: str = "http://127.0.0.1:8000"
    # Proxies whose X-Forwarded-For/-Proto are believed (IPs, CIDR networks, "*"); empty: none, every
    # client is the address it connects from. Set it to the reverse proxy's address behind one.
    forwarded_allow_ips: str = ""
    # Host headers answered (comma-separated; "*." prefixes allowed); empty: the host of base_url (and
    # 127.0.0.1, localhost) in production, any elsewhere. Other hosts get 400: no redirect or link is ever
    # built on a foreign Host.
    allowed_hosts: str = ""
    metrics_token: str = ""  # production: /metrics needs `Authorization: Bearer <this>` (empty: /metrics is 404)
    default_locale: Literal["vi", "en"] = "vi"
    # E-mail (portal/notify): empty smtp_url → messages are written as .eml files under mail_dir (development).
    smtp_url: str = ""  # smtp://host:25 | smtp+starttls://user:pass@host:587 | smtps://user:pass@host:465
    smtp_timeout_seconds: float = 20.0
    smtp_ca_file: str = ""  # CA bundle to verify the SMTP server's certificate (default: the system store)
    mail_from: str = ""  # e.g. "Cổng đầu tư <noreply@example.vn>"; empty → noreply@<host of base_url>
    mail_dir: Path | None = None  # None → <var_dir>/mail
    notify_worker: Literal["thread", "manual"] = "thread"  # manual: tests send the outbox themselves
    housekeeping_seconds: float = 3600.0  # the scheduled purges (portal/housekeeping.py); 0: only `portal housekeeping`
    notify_max_attempts: int = 8  # then the message is listed as failed for an admin to send again
    notify_retry_seconds: float = 60.0  # first retry after a failed send; doubled each time, at most 6 hours
    notify_digest_hour: int = Field(default=8, ge=0, le=23)  # daily digest of new submissions, Vietnam time
    # The review queue's clock (portal/review/queue.py): the province's own due times, in working days.
    review_due_days: int = Field(default=15, ge=1, le=365)
    review_due_days_by_verdict: dict[str, int] = {}  # e.g. {"conditional": 20}
    review_holidays: list[date] = []  # days that are not working days (public holidays), ISO dates
    # Registry: a project's land counts as leased from this status on (in_principle < licensed < building < operating)
    registry_leased_from: Literal["in_principle", "licensed", "building", "operating"] = "licensed"

    @model_validator(mode="after")
    def _derived_defaults_and_production_secrets(self) -> Settings:
        if self.env == "production":
            if len(self.secret_key) < 32:  # never a generated key: it would change with every container
                raise ValueError("PORTAL_SECRET_KEY must be set to at least 32 characters in production")
        elif not self.secret_key:
            self.secret_key = _secret_file(self.var_dir)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'portal.db'}"
        if self.upload_dir is None:
            self.upload_dir = self.var_dir / "uploads"
        if self.mail_dir is None:
            self.mail_dir = self.var_dir / "mail"
        if self.export_cache_dir is None:
            self.export_cache_dir = self.var_dir / "exports"
        return self

    @property
    def thread_count(self) -> int:
        return self.threads or self.search_max_concurrent + 2 * (os.cpu_count() or 1)

    @property
    def ratelimit_key_prefix(self) -> str:
        """`ratelimit_prefix`, or `portal-rl-<hash of database_url without its password>`: one per database."""
        if self.ratelimit_prefix:
            return self.ratelimit_prefix
        url = make_url(self.database_url)
        if url.password is not None:
            url = url.set(password="")
        digest = hashlib.sha256(url.render_as_string(hide_password=False).encode()).hexdigest()[:16]
        return f"portal-rl-{digest}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def search_path(self) -> Path:
        """File of the embedded search index (derived data, rebuildable with `portal reindex`)."""
        if self.search_url.startswith("sqlite:///"):
            return Path(self.search_url.removeprefix("sqlite:///"))
        return self.var_dir / "search.db"

    @property
    def trusted_hosts(self) -> list[str]:
        if self.allowed_hosts.strip():
            return [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]
        if self.env == "production":
            from urllib.parse import urlparse

            # and the loopback names (the container's healthcheck; not a name an attacker can point elsewhere)
            return [urlparse(self.base_url).hostname or "localhost", "127.0.0.1", "localhost"]
        return ["*"]

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()
