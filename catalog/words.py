"""One key for a word however it is written: any script, any accent, common plural and case endings."""

# "मसाला चाय", "масала чай", "Masala Chai" and "masalaa chay" fold to the same keys, so a Latin-script
# catalog is found from Devanagari or Cyrillic, and "samosas", "samose" and "самосы" find "samosa".

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Letters and digits with their combining marks: Devanagari vowel signs and Arabic harakat are marks, not \w.
# An apostrophe inside a word keeps it whole ("п'ять", "I'll").
_LETTER = r"(?:\w|[\u0300-\u036f\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963\u064b-\u065f\u0670])"
_WORD = re.compile(rf"{_LETTER}+(?:['’ʼ]{_LETTER}+)*")

# Devanagari consonants carry an inherent "a" that anyascii leaves out ("मसाला" -> "msala"); it is written
# back unless a vowel sign, a virama or a nukta follows, or the word ends (Hindi drops it there).
_DEVANAGARI_CONSONANTS = frozenset(chr(c) for c in (*range(0x0915, 0x093A), *range(0x0958, 0x0960)))
_DEVANAGARI_SILENCERS = frozenset(chr(c) for c in (*range(0x093C, 0x094E), 0x0951, 0x0952))
_DEVANAGARI_SPELLING = {"च": "ch", "छ": "chh", "श": "sh", "ष": "sh", "ऑ": "o", "ॉ": "o"}

# Sounds written differently by shoppers of different languages, folded to one letter; longest first.
_SOUNDS = (
    ("chh", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("ph", "f"),
    ("kh", "k"),
    ("gh", "g"),
    ("bh", "b"),
    ("dh", "d"),
    ("th", "t"),
    ("ck", "k"),
    ("c", "k"),
    ("qu", "k"),
    ("ee", "i"),
    ("ea", "i"),
    ("ii", "i"),
    ("oo", "u"),
    ("uu", "u"),
    ("aa", "a"),
    ("ay", "ai"),
    ("ey", "ei"),
    ("ya", "ia"),
    ("w", "v"),
    ("q", "k"),
    ("z", "j"),
    ("'", ""),
)
_SOUND = re.compile("|".join(re.escape(s) for s, _ in _SOUNDS))
_SOUND_OF = dict(_SOUNDS)
_DOUBLED = re.compile(r"(.)\1+")
# Plural and case endings of the store's languages, once in Latin letters: a plural ("samosas", "laddus")
# then a vowel ("samose", "самосы", "jalebi"), so every form of a word keeps the same stem. Snowball's
# stemmers were tried first: Russian's cuts loanwords to nothing ("масала" -> "мас", "чай" -> "ча") and
# none of them knows Hindi plurals written in Latin letters.
_MIN_STEM = 4  # "lassi" keeps "lasi": cut to "las" it would be the Spanish article
# (ending, shortest stem it leaves): "teas" -> "ti", "chais" -> "cai", but "cafés" -> "kafe", as "café".
_PLURALS = (("lar", 3), ("ler", 3), ("es", 4), ("s", 2))  # Turkish plurals too: samosalar, jalebiler
_VOWELS = tuple((vowel, _MIN_STEM) for vowel in "eiyaou")


def words(text: str) -> tuple[str, ...]:
    """The words of a text, case-folded, in their own script."""
    return tuple(_WORD.findall(text.casefold()))


def _devanagari(word: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(word):
        out.append(_DEVANAGARI_SPELLING.get(ch) or anyascii(ch))
        following = word[i + 1] if i + 1 < len(word) else ""
        if ch in _DEVANAGARI_CONSONANTS and following and following not in _DEVANAGARI_SILENCERS:
            out.append("a")
    return "".join(out)


def latin(word: str) -> str:
    """The word in plain lower-case Latin letters (transliterated, accents dropped)."""
    if word.isascii():
        return word.lower()
    first = word[0]
    if "\u0900" <= first <= "\u097f":
        return _devanagari(word).lower()
    if word.startswith("ال") and len(word) > 4:  # the Arabic article, written as part of the word
        word = word[2:]
    return anyascii(word).lower()


@lru_cache(maxsize=65536)
def key(word: str) -> str:
    """The folded form two spellings of one word share; the same word always gets the same key."""
    plain = _DOUBLED.sub(r"\1", _SOUND.sub(lambda m: _SOUND_OF[m.group()], latin(word)))
    plain = "".join(ch for ch in plain if ch.isalnum())
    if plain.isdigit():
        return plain
    for endings in (_PLURALS, _VOWELS):
        for ending, shortest in endings:
            if plain.endswith(ending) and len(plain) - len(ending) >= shortest:
                plain = plain[: -len(ending)]
                break
    return plain


def keys(text: str) -> tuple[str, ...]:
    """The keys of every word of a text, in order."""
    return tuple(k for w in words(text) if (k := key(w)))


def fold_accents(text: str) -> str:
    """ "café" -> "cafe", "três" -> "tres": what a shopper typing without accents writes."""
    # Only the Latin diacritics go; other scripts' signs (Devanagari vowels, the virama) are letters.
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f"))
