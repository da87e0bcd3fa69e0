"""The words shoppers write, from every language's word lists (templates/words), merged and compiled once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum

from catalog.words import fold_accents


class Intent(StrEnum):
    """What a message asks for. The members are in priority order: a message takes the first one found."""

    CHANGE_ORDER = "change_order"  # "change my order": a pending order back into the cart
    ORDER_STATUS = "order_status"  # before ORDER: "where is my order" also says "order"
    HUMAN = "human"  # "I want to talk to a person", before ORDER ("I want")
    RESTART = "restart"
    EMPTY = "empty"  # "empty my cart": before CART
    CANCEL = "cancel"
    PAID = "paid"  # "I've paid"
    REMOVE = "remove"  # "remove the samosa"
    CHANGE = "change"  # "make it 3", "only one"
    CHECKOUT = "checkout"
    CART = "cart"
    HELP = "help"
    MENU = "menu"  # "what do you sell?": before ORDER
    ORDER = "order"
    GREETING = "greeting"  # last: "hi, I want chai" is an order


def _phrases(tables: list[_Table]) -> dict[Intent, tuple[str, ...]]:
    """Each intent's phrases from every language, with and without accents ("donde esta", "dónde está")."""
    return {
        intent: tuple(
            dict.fromkeys(
                v for t in tables for p in t.strings("intents", intent.value) for v in (p, fold_accents(p))
            )
        )
        for intent in Intent
    }


def _currencies(tables: list[_Table]) -> Mapping[str, str]:
    """ "dollars", "डॉलर", "$": the currency a shopper asks a price in (ISO code by word)."""
    return {
        fold_accents(word): code.upper()
        for t in tables
        for code in t.mapping("currencies")
        for word in t.strings("currencies", code)
    }


class WordsError(ValueError):
    """A word list that cannot be read: a misspelt intent, a word that is not text, a clashing number."""


class Lexicon:
    """Every language's words in one place, so intents and numbers are read whatever language is written.

    Built from plain tables (one mapping per language, as in templates/words/<lang>.toml); the patterns are
    compiled here, once, because every inbound message is read with them.
    """

    def __init__(self, by_language: Mapping[str, Mapping[str, object]]) -> None:
        tables = [_Table(language, table) for language, table in sorted(by_language.items())]
        phrases = _phrases(tables)
        # One alternation per intent, whole words only (a phrase may itself hold several words).
        self.intent_patterns: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
            (intent, re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, said)) + r")(?!\w)"))
            for intent, said in phrases.items()
            if said  # an empty alternation would match every message
        )
        # The words of the flow's own phrases ("quiero", "pedir", "produtos"): never a product's name.
        self.flow_words = frozenset(w for said in phrases.values() for p in said for w in p.split())
        prefixes = [p for t in tables for p in t.strings("command_prefixes")]
        self.commands: Mapping[Intent, frozenset[str]] = {
            intent: frozenset(said) | {f"{prefix} {p}" for prefix in prefixes for p in said}
            for intent, said in phrases.items()
        }
        self.numbers: Mapping[str, int] = _merged_numbers(tables)
        self.number_starts = frozenset(w.split()[0] for w in self.numbers if " " in w)
        self.not_leading = frozenset(w for t in tables for w in t.strings("not_leading"))
        self.fillers = frozenset(w for t in tables for w in t.strings("fillers"))
        questions = "|".join(re.escape(w) for t in tables for w in t.strings("questions"))
        # Look-arounds, not \b: a Devanagari word may end in a vowel sign, which \b does not count.
        self.question = re.compile(r"\?|(?<!\w)(?:" + questions + r")(?!\w)" if questions else r"\?")
        self.currencies = _currencies(tables)
        self.yes = frozenset(w for t in tables for w in t.strings("yes"))
        self.no = frozenset(w for t in tables for w in t.strings("no"))

    def __repr__(self) -> str:
        return f"Lexicon({len(self.numbers)} number words, {len(self.intent_patterns)} intents)"


class _Table:
    """One language's tables, read with checks that name the language and the entry at fault."""

    _KNOWN = frozenset(
        {
            "intents",
            "command_prefixes",
            "numbers",
            "not_leading",
            "fillers",
            "questions",
            "yes",
            "no",
            "currencies",
        }
    )

    def __init__(self, language: str, table: Mapping[str, object]) -> None:
        self.language = language
        self.table = table
        if unknown := sorted(set(table) - self._KNOWN):
            raise WordsError(f"words for {language!r}: unknown table {unknown[0]!r}")
        intents = self.mapping("intents")
        if unknown := sorted(set(intents) - set(Intent)):
            known = ", ".join(Intent)
            raise WordsError(f"words for {language!r}: intents.{unknown[0]} is not an intent ({known})")

    def mapping(self, name: str) -> Mapping[str, object]:
        value = self.table.get(name, {})
        if not isinstance(value, Mapping):
            raise WordsError(f"words for {self.language!r}: {name} must be a table")
        return value

    def strings(self, name: str, key: str | None = None) -> Iterable[str]:
        """The list `name` (or `name.key` inside a table); absent lists are empty."""
        value = self.table.get(name, []) if key is None else self.mapping(name).get(key, [])
        where = name if key is None else f"{name}.{key}"
        if not isinstance(value, list) or not all(isinstance(word, str) and word for word in value):
            raise WordsError(f"words for {self.language!r}: {where} must be a list of words")
        return value

    def numbers(self) -> Iterable[tuple[str, int]]:
        for word, value in self.mapping("numbers").items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise WordsError(f"words for {self.language!r}: numbers.{word} must be a whole number")
            yield word, value


def _merged_numbers(tables: Iterable[_Table]) -> dict[str, int]:
    """Number words of every language; one word with two values ("do": 2 and 7) would be ambiguous."""
    numbers: dict[str, int] = {}
    for table in tables:
        for word, value in table.numbers():
            if numbers.setdefault(word, value) != value:
                raise WordsError(
                    f"words for {table.language!r}: numbers.{word} = {value}, another language says "
                    f"{numbers[word]}"
                )
    for word, value in list(numbers.items()):
        numbers.setdefault(fold_accents(word), value)  # "tres" for "três" (no clash: checked above)
    return numbers
