"""The word lists (templates/words/<lang>.toml): each language reads on its own and all of them together."""

from __future__ import annotations

import pytest

from bot.templating import language_tables, load_lexicon
from flows.lexicon import Intent, Lexicon, WordsError
from flows.parsing import detect_intent, is_global_command, is_question, parse_number
from flows.understanding import read
from tests.flows.shopper import make_view

TABLES = language_tables("words")
WORDS = load_lexicon()


def alone(language: str) -> Lexicon:
    return Lexicon({language: TABLES[language]})


def test_every_language_of_the_old_lists_has_a_file() -> None:
    assert set(TABLES) == {"en", "es", "pt", "hi", "ru", "uk", "ar", "tr"}


@pytest.mark.parametrize(
    ("language", "text", "intent"),
    [
        ("en", "Where is my order?", Intent.ORDER_STATUS),
        ("es", "Hola, quiero pedir", Intent.ORDER),
        ("pt", "cadê meu pedido", Intent.ORDER_STATUS),
        ("hi", "mujhe chai chahiye", Intent.ORDER),
        ("hi", "मदद", Intent.HELP),
        ("ru", "начать заново", Intent.RESTART),
        ("uk", "скасувати", Intent.CANCEL),
        ("ar", "السلة", Intent.CART),
        ("tr", "Merhaba!", Intent.GREETING),
    ],
)
def test_an_intent_in_each_language_is_read_by_its_own_list_and_by_all_of_them(
    language: str, text: str, intent: Intent
) -> None:
    assert detect_intent(text, alone(language)) is intent
    assert detect_intent(text, WORDS) is intent


@pytest.mark.parametrize(
    ("language", "word", "value"),
    [
        ("en", "twelve", 12),
        ("en", "a dozen", 12),
        ("es", "dieciséis", 16),
        ("pt", "duas", 2),
        ("hi", "paanch", 5),
        ("hi", "पाँच", 5),
        ("ru", "семь", 7),
        ("uk", "п'ять", 5),
    ],
)
def test_number_words_in_each_language(language: str, word: str, value: int) -> None:
    assert parse_number(word, alone(language)) == value
    assert parse_number(word.upper(), WORDS) == value


def test_intents_are_tried_in_the_order_of_the_intent_enum() -> None:
    assert [intent for intent, _ in WORDS.intent_patterns] == list(Intent)
    assert detect_intent("where is my order", WORDS) is Intent.ORDER_STATUS  # it also says "order"
    assert detect_intent("hi, I want chai", WORDS) is Intent.ORDER  # an order before a greeting


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("dos chai", 2),
        ("chai x3", 3),
        ("do chai", 2),  # Hinglish "do" is two, right before a product
        ("do you have chai", None),  # and an English word anywhere else
        ("a chai", 1),
        ("um chai", 1),
    ],
)
def test_number_words_that_are_everyday_words_count_only_next_to_a_product(
    text: str, quantity: int | None
) -> None:
    (wanted,) = read(text, WORDS, make_view().catalog).items
    assert wanted.quantity == quantity


def test_commands_questions_and_answers_in_several_languages() -> None:
    assert is_global_command("My cart", Intent.CART, WORDS)
    assert not is_global_command("add it to the cart", Intent.CART, WORDS)
    assert is_question("kitne ka hai samosa", WORDS) and is_question("¿Cuánto cuesta?", WORDS)
    assert not is_question("2 chai", WORDS)
    assert {"haan", "evet", "так"} <= WORDS.yes and {"nahin", "hayır", "ні"} <= WORDS.no


def test_no_word_lists_read_nothing_but_a_question_mark() -> None:
    empty = Lexicon({})
    assert detect_intent("hello, I want to order", empty) is None
    assert parse_number("two", empty) is None and parse_number("2", empty) == 2
    assert is_question("chai?", empty) and not is_question("price", empty)


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"en": {"intents": {"oder": ["order"]}}}, "'en': intents.oder is not an intent"),
        ({"en": {"numbers": {"one": "1"}}}, "'en': numbers.one must be a whole number"),
        ({"en": {"yes": "yes"}}, "'en': yes must be a list of words"),
        ({"en": {"intents": {"help": ["help", 3]}}}, "'en': intents.help must be a list of words"),
        ({"en": {"yess": ["yes"]}}, "'en': unknown table 'yess'"),
        ({"en": {"numbers": {"do": 2}}, "xx": {"numbers": {"do": 7}}}, "'xx': numbers.do = 7, another"),
    ],
)
def test_a_broken_word_list_is_refused_with_the_language_and_entry(
    tables: dict[str, dict[str, object]], message: str
) -> None:
    with pytest.raises(WordsError, match=message):
        Lexicon(tables)
