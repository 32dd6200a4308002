"""Reference data shipped with the portal (YAML, with provenance). Loaded once, read-only."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from portal.i18n import N_, translate

DATA_DIR = Path(__file__).resolve().parent


@cache
def load(name: str) -> Any:
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def sources() -> dict[str, dict]:
    return load("sources")


def localities() -> dict[str, dict[str, str]]:
    return load("localities")


def locality_name(key: str | None, lang: str) -> str | None:
    if key is None:
        return None
    entry = localities().get(key)
    return entry[lang] if entry else key


#: Figures staff entered (source "staff"): named publicly by role, never by person (the person is in the audit log).
STAFF_SHORT = N_("provincial staff")
STAFF_TITLE = N_("Entered by the province's investment-promotion staff")


def source_short(key: str, lang: str) -> str:
    if key == "staff":
        return translate(lang, STAFF_SHORT)
    entry = sources().get(key)
    return entry[f"short_{lang}"] if entry else key


def source_title(key: str, lang: str) -> str:
    if key == "staff":
        return translate(lang, STAFF_TITLE)
    entry = sources().get(key)
    return entry[f"title_{lang}"] if entry else key
