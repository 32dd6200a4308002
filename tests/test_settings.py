"""Settings: every path of an install comes from PORTAL_VAR_DIR; production never invents a secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from portal.settings import Settings


def test_production_refuses_to_start_without_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="PORTAL_SECRET_KEY must be set"):
        Settings(env="production", var_dir=tmp_path, _env_file=None)
    assert not (tmp_path / "secret_key").exists()


def test_every_path_follows_the_var_dir(tmp_path, monkeypatch):
    for name in (
        "PORTAL_DATABASE_URL",
        "PORTAL_UPLOAD_DIR",
        "PORTAL_MAIL_DIR",
        "PORTAL_EXPORT_CACHE_DIR",
        "PORTAL_SEARCH_URL",
        "PORTAL_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path / "data"))
    settings = Settings(_env_file=None)
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'portal.db'}"
    assert settings.upload_dir == tmp_path / "data" / "uploads"
    assert settings.search_path == tmp_path / "data" / "search.db"
    assert settings.mail_dir == tmp_path / "data" / "mail"  # was fixed at import time (the checkout's var/mail)
    assert settings.export_cache_dir == tmp_path / "data" / "exports"
    monkeypatch.setenv("PORTAL_MAIL_DIR", str(tmp_path / "elsewhere"))
    assert Settings(_env_file=None).mail_dir == tmp_path / "elsewhere"  # set explicitly: kept
    key = (tmp_path / "data" / "secret_key").read_text()  # development: made once, kept
    assert settings.secret_key == key and len(key) >= 32
    assert Settings(_env_file=None).secret_key == key
