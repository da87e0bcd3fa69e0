"""The chat wording, per language, with English filling any gap (loaded from templates/phrases)."""

from __future__ import annotations

from collections.abc import Mapping

FALLBACK = "en"


class Phrasebook:
    def __init__(self, by_language: Mapping[str, Mapping[str, str]]) -> None:
        if FALLBACK not in by_language:
            raise ValueError("the English phrasebook is required: it fills every gap")
        self._by_language = {lang: dict(phrases) for lang, phrases in by_language.items()}

    def languages(self) -> frozenset[str]:
        return frozenset(self._by_language)

    def text(self, language: str, key: str, **params: object) -> str:
        """The phrase in `language` (else English), with its {placeholders} filled."""
        phrases = self._by_language.get(language, {})
        template = phrases.get(key) or self._by_language[FALLBACK][key]
        return template.format(**params) if params else template
