"""Sorting names as readers of each language expect: ICU's collation (PyICU) for Vietnamese (a < ă < â,
d < đ, tones in the order ngang, huyền, hỏi, ngã, sắc, nặng) and for English. One collator per
thread and language (ICU collators are created once; sharing one across threads is not promised).

    sorted(zones, key=lambda z: sort_key(z.name_vi, "vi"))
"""

from __future__ import annotations

import threading

import icu

_LOCALES = {"vi": "vi_VN", "en": "en_GB"}
_local = threading.local()


def collator(lang: str) -> icu.Collator:
    cache = getattr(_local, "collators", None)
    if cache is None:
        cache = _local.collators = {}
    if lang not in cache:
        cache[lang] = icu.Collator.createInstance(icu.Locale(_LOCALES.get(lang, "en_GB")))
    return cache[lang]


def sort_key(text: str | None, lang: str) -> bytes:
    return collator(lang).getSortKey(text or "")


def sort_key_text(text: str | None, lang: str) -> str:
    """The sort key as text that orders the same way byte by byte (for a database or search column)."""
    return sort_key(text, lang).hex()
