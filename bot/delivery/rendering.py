"""Render message templates (templates/messages/<lang>/<name>.txt) in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from babel.core import Locale

from bot.templating import message_template
from catalog.money import format_money

FALLBACK_LANGUAGE = "en"


class TemplateMissing(LookupError):
    """No template of that name exists in the wanted language or the fallback."""


class MessageRenderer:
    """Renders notification templates in the reader's language, falling back to English."""

    def render(self, name: str, language: str, params: Mapping[str, object]) -> str:
        """Render `name` in `language`, falling back to its base language and then English."""
        base = language.replace("-", "_").split("_", maxsplit=1)[0]
        for lang in dict.fromkeys([language, base, FALLBACK_LANGUAGE]):
            template = message_template(lang, name)
            if template is None:
                continue
            locale = str(Locale.parse(lang))
            return template.render(**params, money=partial(format_money, locale=locale)).strip()
        raise TemplateMissing(f"no template {name!r} for {language!r} or {FALLBACK_LANGUAGE!r}")
