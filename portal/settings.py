"""All configuration in one object, read from PORTAL_* environment variables (and `.env`).

The defaults are the embedded configuration: a SQLite file and a local search index under `var/`,
suitable for `make run` on a fresh machine. Production sets PORTAL_ENV=production and real secrets.
"""

from __future__ import annotations

import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from portal import ROOT_DIR

VAR_DIR = ROOT_DIR / "var"


def _secret_file_default() -> str:
    """A per-install secret kept in var/secret_key so sessions survive restarts in development."""
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{VAR_DIR / 'portal.db'}"
    search_url: str = ""  # empty or sqlite:///path → embedded FTS5; http(s)://… → Meilisearch
    meili_key: str = ""
    search_sync: Literal["thread", "manual"] = "thread"  # manual: tests drain the search outbox themselves
    page_cache: bool = True  # cache rendered public catalogue pages for anonymous visitors
    secret_key: str = Field(default_factory=_secret_file_default)
    ratelimit_url: str = "memory://"  # or redis://127.0.0.1:6379/0
    tile_url: str = ""  # e.g. https://tile.example/{z}/{x}/{y}.png; empty → no base tiles
    upload_dir: Path = VAR_DIR / "uploads"
    max_upload_bytes: int = 10 * 1024 * 1024
    max_upload_files: int = 5
    max_body_bytes: int = 55 * 1024 * 1024
    session_max_age_seconds: int = 8 * 3600
    base_url: str = "http://127.0.0.1:8000"
    default_locale: Literal["vi", "en"] = "vi"
    # E-mail (portal/notify): empty smtp_url → messages are written as .eml files under mail_dir (development).
    smtp_url: str = ""  # smtp://host:25 | smtp+starttls://user:pass@host:587 | smtps://user:pass@host:465
    smtp_timeout_seconds: float = 20.0
    smtp_ca_file: str = ""  # CA bundle to verify the SMTP server's certificate (default: the system store)
    mail_from: str = ""  # e.g. "Cổng đầu tư <noreply@example.vn>"; empty → noreply@<host of base_url>
    mail_dir: Path = VAR_DIR / "mail"
    notify_worker: Literal["thread", "manual"] = "thread"  # manual: tests send the outbox themselves
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
    def _production_needs_real_secrets(self) -> Settings:
        if self.env == "production" and len(self.secret_key) < 32:
            raise ValueError("PORTAL_SECRET_KEY must be set to at least 32 characters in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def search_path(self) -> Path:
        """File of the embedded search index (derived data, rebuildable with `portal reindex`)."""
        if self.search_url.startswith("sqlite:///"):
            return Path(self.search_url.removeprefix("sqlite:///"))
        return VAR_DIR / "search.db"

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()
