"""Locales, translations and per-locale formatting.

Messages are English msgids translated through Babel catalogs in `locales/`. Vietnamese is the
default. `N_()` marks a string for extraction without translating it (translated at render time).
Numbers follow the locale: vi `1.106 ha`, en `1,106 ha`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache, lru_cache
from typing import Annotated

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import NumberPattern, parse_pattern
from babel.support import NullTranslations, Translations
from fastapi import Depends, HTTPException, Path

from portal.resources import asset_dir

LOCALES: tuple[str, ...] = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALE_DIR = asset_dir("locales")


def N_(message: str) -> str:
    return message


@cache
def get_translations(locale: str) -> Translations | NullTranslations:
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def translate(locale: str, message: str, **params) -> str:
    """Translate `message` into `locale` (extracted by babel as keyword translate:2)."""
    text = get_translations(locale).ugettext(message)
    return text % params if params else text


def ntranslate(locale: str, singular: str, plural: str, n: int, **params) -> str:
    text = get_translations(locale).ungettext(singular, plural, n)
    return text % {"num": n, **params}


def negotiate(accept_language: str | None) -> str:
    """Pick vi or en from an Accept-Language header; Vietnamese when nothing matches."""
    if not accept_language:
        return DEFAULT_LOCALE
    prefs: list[tuple[float, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        q = 1.0
        for p in pieces[1:]:
            p = p.strip()
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        prefs.append((-q, index, tag))  # type: ignore[arg-type]
    for _q, _i, tag in sorted(prefs):  # type: ignore[misc]
        primary = tag.split("-")[0]
        if primary in LOCALES and _q < 0:
            return primary
    return DEFAULT_LOCALE


async def _lang_dependency(lang: str = Path(..., description="Page language: vi or en")) -> str:
    """Async: no trip through the thread pool for a dict lookup."""
    if lang not in LOCALES:
        raise HTTPException(status_code=404)
    return lang


Lang = Annotated[str, Depends(_lang_dependency)]


# --- formatting -------------------------------------------------------------------------------


@cache
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(locale)


@cache
def _number_pattern(digits: int) -> NumberPattern:
    """Parsed once (format_decimal parses its pattern and locale on every call: a page formats hundreds)."""
    return parse_pattern("#,##0" + ("." + "#" * digits if digits else ""))


@lru_cache(maxsize=8192, typed=True)  # pure; a page formats the same areas and shares on every render
def fmt_number(value: float | int | Decimal | None, locale: str, digits: int = 2) -> str | None:
    """Locale number; None stays None so templates can say 'not published'."""
    if value is None:
        return None
    return _number_pattern(digits).apply(value, _babel_locale(locale))


def fmt_area(value: float | int | Decimal | None, locale: str) -> str | None:
    if value is None:
        return None
    return f"{fmt_number(value, locale)}\u00a0ha"


_PERCENT = parse_pattern("#,##0.#%")


@lru_cache(maxsize=4096, typed=True)
def fmt_percent(value: float | None, locale: str) -> str | None:
    if value is None:
        return None
    return _PERCENT.apply(value, _babel_locale(locale))


#: Viet Nam's time (Asia/Ho_Chi_Minh: UTC+7, no daylight saving), for every date and time shown
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")


def fmt_date(value: date | datetime | None, locale: str) -> str | None:
    """A date as people write it ("01/12/2026"; "1 December 2026"), or a time in Vietnam time,
    labelled ("18:40, 01/12/2026 (giờ Việt Nam)"). Naive datetimes are UTC (how they are stored)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        local = aware.astimezone(VIETNAM_TIME)
        pattern = "HH:mm, dd/MM/yyyy" if locale == "vi" else "d MMMM yyyy, HH:mm"
        text = _format_datetime(local, format=pattern, tzinfo=VIETNAM_TIME, locale=locale)
        label = translate(locale, "Vietnam time")
        return f"{text} ({label})"
    return _format_date(value, format="dd/MM/yyyy" if locale == "vi" else "long", locale=locale)


# --- which language a text of the sources is in -------------------------------------------------------

_SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(ch|ng|nh|[cmnptiyou])?$")
_WORD = re.compile(r"[^\W\d_]+")


def _folded(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=4096)  # pure; the zone pages ask it of the same quotes and titles on every render
def text_language(text: str | None) -> str:
    """ "vi" or "en" for a text from the sources (a quote, a page title, a researcher's value), so pages can
    mark it with `lang`. Vietnamese writes one syllable a word (onset, vowels, coda): a text whose words are
    at least 70% such syllables, with Vietnamese marks, is Vietnamese. Acronyms (KCN, QĐ) and one-letter
    words are not counted."""
    words = [w for w in _WORD.findall(text or "") if len(w) > 1 and not w.isupper()]
    if not words:
        return "vi" if re.search(r"[ăâđêôơưĂÂĐÊÔƠƯ]", text or "") else "en"
    syllables = sum(1 for w in words if _SYLLABLE.match(_folded(w)))
    marked = any(_folded(w) != w.lower() for w in words)  # "My Thanh Town" is English: no Vietnamese marks
    return "vi" if marked and syllables >= 0.7 * len(words) else "en"
