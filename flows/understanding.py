"""Reading a shopper's message whole: what it asks for, which products, and how many of each."""

# "I'll take 4 jalebis and 2x chai", "do samose chahiye", "дві самоси" all read as items with their
# quantities, whatever the script; the intent words of every language are read at the same time.

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache

from number_parser import parse_number as parse_number_words
from text_to_num import text2num

from catalog.product import Product
from catalog.search import CatalogSnapshot, Spot
from catalog.words import fold_accents, key, words
from flows.lexicon import Intent, Lexicon
from flows.parsing import detect_intent, is_question

# "2x", "x2", "2samosa", "chai3": a number typed against a word is a word of its own.
_GLUED = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_NEGATIVE = re.compile(r"(?<!\w)[-−]\s*\d+")  # "-2" is no quantity: dropped, not read as 2
_TIMES = frozenset({"x", "х", "×"})  # Latin, Cyrillic, the sign
_SIGNS = frozenset("$€£₹¥₺₽₴")  # currency signs are no letters: looked for in the raw text
_MAX_QUANTITY = 10_000  # a bigger number is a phone or an order number, not how many
_LONGEST_NUMBER = 4  # words: "half a dozen of"
# number-parser reads these languages' number words, text2num these; the word lists cover the rest.
_NUMBER_PARSER_LANGUAGES = ("en", "es", "hi", "ru", "uk")
_NUMBER_TABLES = ("UNIT_NUMBERS", "DIRECT_NUMBERS", "TENS", "HUNDREDS", "BIG_POWERS_OF_TEN")
_NUMBER_PARSER_WORDS = {
    language: frozenset(
        word.casefold()
        for table in _NUMBER_TABLES
        for word in importlib.import_module(f"number_parser.data.{language}").info[table]
    )
    for language in _NUMBER_PARSER_LANGUAGES
}
_TEXT2NUM_LANGUAGES = ("pt",)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A product the message names, with the quantity written next to it (None: not said)."""

    product: Product
    quantity: int | None


@dataclass(frozen=True, slots=True)
class Reading:
    """What one message says: its intent, the products it names, a number on its own, a question."""

    intent: Intent | None
    items: tuple[Wanted, ...]
    number: int | None  # a number not attached to any product ("3", "make it three")
    question: bool
    ambiguous: bool  # a name that several products share: list them rather than pick one
    currency: str | None = None  # "how much in dollars?": the ISO code asked for


def read(text: str, lexicon: Lexicon, catalog: CatalogSnapshot) -> Reading:
    """Read a message; cheap enough for every turn (no I/O, cached word look-ups)."""
    said = words(_GLUED.sub(" ", _NEGATIVE.sub(" ", text).replace("×", " × ")))
    numbers = _numbers(said, lexicon)
    keys = [
        _key(w, lexicon, catalog) if numbers[i] is None and w not in _TIMES else _digits(w)
        for i, w in enumerate(said)
    ]
    chosen, ambiguous = _best_spots(catalog.spots(keys))
    used = {i for spot in chosen for i in spot.numbers}  # "no 4" of a name is no quantity
    quantities = _quantities(chosen, said, numbers, lexicon, used)
    items = tuple(Wanted(spot.product, quantities[spot]) for spot in chosen)
    free = [n for i, n in enumerate(numbers) if n and i not in used and said[i] not in lexicon.not_leading]
    return Reading(
        intent=detect_intent(text, lexicon),
        items=items,
        number=free[0] if len(free) == 1 and not items else None,
        question=is_question(text, lexicon),
        ambiguous=ambiguous and not items,
        currency=_currency(text, said, lexicon),
    )


def _currency(text: str, said: tuple[str, ...], lexicon: Lexicon) -> str | None:
    """The currency named by a word or a sign ("dollars", "डॉलर", "€"), if any."""
    for word in said:
        if (code := lexicon.currencies.get(fold_accents(word))) is not None:
            return code
    return next((lexicon.currencies[ch] for ch in text if ch in _SIGNS and ch in lexicon.currencies), None)


def _digits(word: str) -> str:
    """A number typed in digits keeps its value as its key: it may be part of a name ("no. 4")."""
    return str(int(word)) if word.isdecimal() and len(word) <= 5 else ""


def _key(word: str, lexicon: Lexicon, catalog: CatalogSnapshot) -> str:
    """A word's key for finding products; the flow's own words ("quiero") find none, unless named so."""
    folded = key(word)
    if fold_accents(word) in lexicon.flow_words and not catalog.knows(folded):
        return ""
    return folded


def _numbers(said: tuple[str, ...], lexicon: Lexicon) -> list[int | None]:
    """The value each word starts, for the first word of a number ("a dozen": 12 at "a", the rest 0)."""
    folded = [fold_accents(w) for w in said]  # the number table holds every word without accents too
    values: list[int | None] = [None] * len(said)
    i = 0
    while i < len(said):
        # A number of several words starts with a word some such number starts with ("a", "half", "एक").
        longest = _LONGEST_NUMBER if folded[i] in lexicon.number_starts else 1
        for length in range(min(longest, len(said) - i), 0, -1):
            phrase = " ".join(folded[i : i + length]) if length > 1 else folded[i]
            value = lexicon.numbers.get(phrase)
            if value is None and length == 1:
                value = _single_number(said[i])
            if value is None and length == 1 and phrase.startswith("و") and len(phrase) > 3:
                value = lexicon.numbers.get(phrase[1:])  # Arabic "and" is written on the word: واثنين
            if value is not None and 0 <= value <= _MAX_QUANTITY:
                values[i] = value
                for j in range(i + 1, i + length):
                    values[j] = 0  # part of the number: not a product word, not a number of its own
                i += length
                break
        else:
            i += 1
    return values


@lru_cache(maxsize=8192)
def _single_number(word: str) -> int | None:
    """Digits in any script, or a number word a maintained library reads (one word; cached)."""
    if word.isdecimal():
        return int(word) if len(word) <= 5 else None
    if len(word) < 3 or (word.isascii() and not word.isalpha()):
        return None
    for language, vocabulary in _NUMBER_PARSER_WORDS.items():
        # The library reads any word slowly (~1 ms, it loads its tables each call): asked only about its own.
        if word in vocabulary and isinstance(value := parse_number_words(word, language=language), int):
            return value
    for language in _TEXT2NUM_LANGUAGES:
        try:
            return int(text2num(word, language))
        except ValueError:
            continue
    return None


def _best_spots(spots: list[Spot]) -> tuple[list[Spot], bool]:
    """The longest, most exact names first, none overlapping; a tie between two products is dropped."""
    ranked = sorted(spots, key=lambda s: (-s.words, not s.exact, s.end - s.start, s.start))
    chosen: list[Spot] = []
    taken: set[int] = set()
    ambiguous = False
    for spot in ranked:
        span = set(range(spot.start, spot.end + 1))
        if span & taken:
            continue
        rivals = [
            s
            for s in ranked
            if s.product.id != spot.product.id
            and (s.start, s.end, s.words, s.exact) == (spot.start, spot.end, spot.words, spot.exact)
        ]
        taken |= span
        if rivals:
            ambiguous = True
            continue
        if all(c.product.id != spot.product.id for c in chosen):
            chosen.append(spot)
    chosen.sort(key=lambda s: s.start)
    return chosen, ambiguous


def _quantities(
    chosen: list[Spot],
    said: tuple[str, ...],
    numbers: list[int | None],
    lexicon: Lexicon,
    used: set[int],
) -> dict[Spot, int | None]:
    """Each name's quantity: a number just before it ("2x chai"), else one just after ("chai x2")."""
    # A number after a name counts only when no later name takes it ("samosa 3 chai" is 3 chai).
    result: dict[Spot, int | None] = {}
    for spot in chosen:
        i = spot.start - 1
        while i >= 0 and (said[i] in lexicon.fillers or said[i] in _TIMES) and spot.start - i <= 2:
            i -= 1
        adjacent = i == spot.start - 1
        while i > 0 and numbers[i] == 0:  # the last word of a number of several words
            i -= 1
            adjacent = True  # "a dozen": "a" is not the article here
        value = numbers[i] if i >= 0 and i not in used else None
        if value and (said[i] not in lexicon.not_leading or adjacent):
            result[spot] = value
            used.add(i)
        else:
            result[spot] = None
    starts = {s.start for s in chosen}
    for spot in chosen:
        if result[spot] is not None:
            continue
        i = spot.end + 1
        times = i < len(said) and said[i] in _TIMES
        i += times
        if i < len(said) and i not in used and (value := numbers[i]):
            digits = said[i].isdecimal()
            if (times or digits) and i + 1 not in starts:
                result[spot] = value
                used.add(i)
    return result
