"""A text in both languages (the engine's messages, titles and reasons carry both)."""

from __future__ import annotations

from dataclasses import dataclass

LANGS: tuple[str, ...] = ("vi", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """One text in both languages."""

    vi: str
    en: str

    def get(self, lang: str) -> str:
        if lang == "vi":
            return self.vi
        if lang == "en":
            return self.en
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
