"""Reading shoppers' words in many languages: intents, global commands, questions and quantities."""

from __future__ import annotations

import re
import unicodedata

from catalog.words import fold_accents
from flows.lexicon import Intent, Lexicon

_DIGITS = re.compile(r"^\d+$")


def normalise(text: str) -> str:
    """Case-folded, accents kept, punctuation collapsed to spaces, emoji and symbols dropped."""
    kept = "".join(ch if unicodedata.category(ch)[0] in "LNM" or ch in "'/" else " " for ch in text)
    return " ".join(kept.casefold().split())


def detect_intent(text: str, lexicon: Lexicon) -> Intent | None:
    """The first intent (in priority order) whose phrase appears in the text."""
    folded = fold_accents(normalise(text))
    for intent, pattern in lexicon.intent_patterns:
        if pattern.search(folded):
            return intent
    return None


def is_global_command(text: str, intent: Intent, lexicon: Lexicon) -> bool:
    """Whether the whole message is just this command ("cart", "cancel"), not a sentence using the word."""
    return fold_accents(normalise(text)) in lexicon.commands[intent]


def is_question(text: str, lexicon: Lexicon) -> bool:
    """Whether the message asks about a product ("how much is the chai?"), in any language."""
    return lexicon.question.search(normalise(text) + ("?" if "?" in text else "")) is not None


def parse_number(text: str, lexicon: Lexicon) -> int | None:
    """A whole number typed as digits in any script (Latin, Devanagari, Arabic-Indic…) or as a word."""
    if text.strip().startswith(("-", "−")):
        return None  # normalising would drop the sign: "-2" is not 2
    clean = normalise(text)
    if _DIGITS.match(clean):
        return int(clean)
    return lexicon.numbers.get(clean)
