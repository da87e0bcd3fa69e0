"""Reading shoppers' words in many languages: intents, global commands and quantities."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from catalog.search import tokens


class Intent(StrEnum):
    ORDER = "order"
    HELP = "help"
    CART = "cart"
    CANCEL = "cancel"
    RESTART = "restart"
    ORDER_STATUS = "order_status"
    GREETING = "greeting"


# Whole phrases, matched on word boundaries after case folding. Hinglish is written in Latin letters.
_PHRASES: dict[Intent, tuple[str, ...]] = {
    Intent.ORDER_STATUS: (
        "where is my order",
        "order status",
        "track my order",
        "track order",
        "my order status",
        "dónde está mi pedido",
        "donde esta mi pedido",
        "estado de mi pedido",
        "cadê meu pedido",
        "onde está meu pedido",
        "mera order kahan hai",
        "order kahan hai",
        "मेरा ऑर्डर कहाँ है",
        "где мой заказ",
        "статус заказа",
        "де моє замовлення",
        "статус замовлення",
        "أين طلبي",
        "siparişim nerede",
    ),
    Intent.RESTART: (
        "start over",
        "restart",
        "start again",
        "empezar de nuevo",
        "reiniciar",
        "começar de novo",
        "phir se shuru",
        "फिर से शुरू",
        "начать заново",
        "заново",
        "почати знову",
        "спочатку",
        "baştan başla",
    ),
    Intent.CANCEL: (
        "cancel",
        "cancelar",
        "cancela",
        "cancel karo",
        "रद्द",
        "отмена",
        "отменить",
        "скасувати",
        "відміна",
        "إلغاء",
        "iptal",
    ),
    Intent.CART: (
        "cart",
        "my cart",
        "basket",
        "carrito",
        "mi carrito",
        "carrinho",
        "mera cart",
        "कार्ट",
        "корзина",
        "кошик",
        "السلة",
        "sepet",
    ),
    Intent.HELP: ("help", "ayuda", "ajuda", "madad", "मदद", "помощь", "допомога", "مساعدة", "yardım"),
    Intent.ORDER: (
        "i want to order",
        "i want",
        "i'd like",
        "i would like",
        "order",
        "buy",
        "menu",
        "catalog",
        "catalogue",
        "shop",
        "quiero",
        "quiero pedir",
        "pedir",
        "comprar",
        "menú",
        "hacer un pedido",
        "quero",
        "quero pedir",
        "cardápio",
        "mujhe",
        "chahiye",
        "order karna",
        "kharidna",
        "चाहिए",
        "ऑर्डर",
        "खरीद",
        "मेनू",
        "хочу",
        "заказать",
        "заказ",
        "купить",
        "меню",
        "замовити",
        "замовлення",
        "купити",
        "أريد",
        "اطلب",
        "طلب",
        "القائمة",
        "sipariş",
        "istiyorum",
        "satın al",
        "menü",
    ),
    Intent.GREETING: (
        "hi",
        "hello",
        "hey",
        "hola",
        "olá",
        "ola",
        "namaste",
        "नमस्ते",
        "привет",
        "здравствуйте",
        "привіт",
        "مرحبا",
        "merhaba",
        "/start",
    ),
}

_NUMBER_WORDS: dict[str, int] = {}
for _words in (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty",
    "uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
    "diecisiete dieciocho diecinueve veinte",
    "um dois três quatro cinco seis sete oito nove dez",
    "ek do teen char paanch chhe saat aath nau das gyarah barah",
    "एक दो तीन चार पांच छह सात आठ नौ दस ग्यारह बारह",
    "один два три четыре пять шесть семь восемь девять десять",
    "один два три чотири п'ять шість сім вісім дев'ять десять",
):
    for _value, _word in enumerate(_words.split(), start=1):
        _NUMBER_WORDS.setdefault(_word, _value)
_NUMBER_WORDS |= {
    "una": 1,
    "uma": 1,
    "duas": 2,
    "chaar": 4,
    "panch": 5,
    "पाँच": 5,
    "छः": 6,
    "одна": 1,
    "две": 2,
    "дві": 2,
    "a": 1,
    "an": 1,
    "a couple": 2,
    "dozen": 12,
    "a dozen": 12,
}

_DIGITS = re.compile(r"^\d+$")
# Number words that are also everyday words elsewhere ("do you have…"): not read as a leading quantity.
_AMBIGUOUS_LEADING = frozenset({"do", "um", "a", "an"})


def normalise(text: str) -> str:
    """Case-folded, accents kept, punctuation collapsed to spaces, emoji and symbols dropped."""
    kept = "".join(ch if unicodedata.category(ch)[0] in "LNM" or ch in "'/" else " " for ch in text)
    return " ".join(kept.casefold().split())


# One alternation per intent, whole words only, compiled once (intents are checked on every message).
_INTENT_PATTERNS = {
    intent: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")
    for intent, phrases in _PHRASES.items()
}


def detect_intent(text: str) -> Intent | None:
    """The first intent (in priority order) whose phrase appears in the text."""
    clean = normalise(text)
    for intent, pattern in _INTENT_PATTERNS.items():
        if pattern.search(clean):
            return intent
    return None


def is_global_command(text: str, intent: Intent) -> bool:
    """Whether the whole message is just this command ("cart", "cancel"), not a sentence using the word."""
    clean = normalise(text)
    return any(clean in (phrase, f"my {phrase}") for phrase in _PHRASES[intent])


def parse_number(text: str) -> int | None:
    """A whole number typed as digits in any script (Latin, Devanagari, Arabic-Indic…) or as a word."""
    if text.strip().startswith(("-", "−")):
        return None  # normalising would drop the sign: "-2" is not 2
    clean = normalise(text)
    if _DIGITS.match(clean):
        return int(clean)
    return _NUMBER_WORDS.get(clean)


def leading_quantity(text: str) -> tuple[int | None, str]:
    """Split "2 masala chai" / "dos chai" / "chai x3" into (quantity, rest); (None, text) when absent."""
    words = tokens(text)
    if len(words) >= 2:
        for candidate, rest in ((words[0], words[1:]), (words[-1].removeprefix("x"), words[:-1])):
            number = None if candidate in _AMBIGUOUS_LEADING else parse_number(candidate)
            if number is not None and 0 < number <= 1000:
                return number, " ".join(rest)
    return None, text
