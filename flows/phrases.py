"""The chat wording, per language, with English filling any gap (loaded from templates/phrases)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

FALLBACK = "en"


class Render(Protocol):
    """A phrase with placeholders, compiled once by `bot`; it raises when a placeholder is not given."""

    def __call__(self, **params: object) -> str: ...


# A phrase without placeholders is kept as plain text: most replies need no rendering at all.
Phrase = str | Render


class Phrasebook:
    """The chat wording per language, English filling any gap."""

    def __init__(self, by_language: Mapping[str, Mapping[str, Phrase]]) -> None:
        if FALLBACK not in by_language:
            raise ValueError("the English phrasebook is required: it fills every gap")
        self._by_language = {lang: dict(phrases) for lang, phrases in by_language.items()}

    def languages(self) -> frozenset[str]:
        return frozenset(self._by_language)

    def text(self, language: str, key: str, **params: object) -> str:
        """The phrase in `language` (else English), with its placeholders filled."""
        phrases = self._by_language.get(language, {})
        phrase = phrases.get(key) or self._by_language[FALLBACK][key]
        return phrase if isinstance(phrase, str) else phrase(**params)
