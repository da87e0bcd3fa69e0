"""One Jinja2 environment: phrases compiled once and strict, pages escaped, chat text left as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import TemplateSyntaxError, UndefinedError

from bot.templating import compile_phrases, language_tables, load_phrases, render_page
from orders.status import OrderStatus

# Every phrase the engine asks for, with the parameters it passes (flows/*.py, `turn.t(...)`).
ENGINE_PARAMS: dict[str, tuple[str, ...]] = {
    "welcome": ("store",),
    "pick_product": (),
    "pick_filtered": ("query",),
    "not_found": ("query",),
    "nothing_on_sale": (),
    "list_button": (),
    "more": (),
    "more_description": (),
    "ask_quantity": ("product", "price"),
    "quantity_button": (),
    "quantity_invalid": ("max", "available", "product"),
    "quantity_over_stock": ("max", "available", "product"),
    "ask_item_field": ("field", "product"),
    "field_invalid": ("problem",),
    "added": ("quantity", "product"),
    "merged": ("quantity", "product"),
    "cart_menu": ("count", "subtotal"),
    "add_more": (),
    "checkout": (),
    "cart_empty": (),
    "cart_contents": ("lines", "subtotal"),
    "ask_delivery": (),
    "delivery_shipping": (),
    "delivery_pickup": (),
    "ask_order_field": ("field",),
    "choose_order_field": ("field",),
    "use_known": ("value",),
    "summary": ("lines", "delivery", "fee", "total", "details"),
    "confirm": (),
    "cancel": (),
    "skip": (),
    "cart_cleared": (),
    "cod_confirmation": ("number", "total"),
    "confirm_order": (),
    "cancel_order": (),
    "refused_stock": ("product",),
    "refused_unavailable": (),
    "refused_other": (),
    "sold_out": ("product",),
    "help": (),
    "off_script": (),
    "unsupported": (),
    "stale_menu": (),
    "no_orders": (),
    "order_status": ("number", "status"),
    "cannot_cancel": ("number", "status"),
    "already_status": ("number", "status"),
    "price_answer": ("product", "price", "stock"),
    "in_stock": (),
    "few_left": ("available",),
    "idle_prompt": (),
    "human": (),
    "paid": (),
    "removed": ("product",),
    "not_in_cart": ("product",),
    "ask_payment": (),
    "payment_cod": (),
    "payment_online": (),
    "online_placed": ("number", "total"),
    "checking_payment": ("number",),
    "payment_already_received": ("number",),
    "payment_not_online": ("number",),
    "price_quote": ("product", "price", "quote", "currency"),
    "quote_unavailable": ("currency",),
    "subtotal": (),
    "order_reopened": ("number",),
    "cannot_change": ("number", "status"),
    **{f"status_{status.value}": () for status in OrderStatus},
}
TABLES = language_tables("phrases")
PHRASES = load_phrases()


def test_english_has_every_phrase_the_engine_asks_for_and_no_other() -> None:
    assert set(TABLES["en"]) == set(ENGINE_PARAMS)


@pytest.mark.parametrize("language", sorted(TABLES))
def test_every_phrase_renders_in_every_language_with_the_parameters_the_engine_passes(language: str) -> None:
    assert set(TABLES[language]) <= set(TABLES["en"])  # a key English lacks would be a typo
    for key, names in ENGINE_PARAMS.items():
        params = {name: f"<{name}>" for name in names}
        text = PHRASES.text(language, key, **params)  # a placeholder the engine does not pass raises
        assert text and "{" not in text and "}" not in text, (language, key, text)


def test_a_placeholder_left_out_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('welcome = "Hi {{ store }}, and {{ missing }}!"\n', encoding="utf-8")
    phrases = load_phrases(tmp_path)
    with pytest.raises(UndefinedError, match="'missing' is undefined"):
        phrases.text("en", "welcome", store="Chai Corner")
    assert phrases.text("en", "welcome", store="Chai Corner", missing="more") == "Hi Chai Corner, and more!"


def test_a_broken_phrase_fails_when_loaded_not_in_a_conversation(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('welcome = "Hi {{ store"\n', encoding="utf-8")
    with pytest.raises(TemplateSyntaxError):
        load_phrases(tmp_path)
    with pytest.raises(ValueError, match="'en': welcome must be text"):
        compile_phrases({"en": {"welcome": 3}})


def test_chat_text_is_not_escaped_and_a_phrase_without_placeholders_is_kept_as_written() -> None:
    phrases = compile_phrases({"en": {"added": "Added {{ product }}.", "plain": "Fish & chips <3"}})
    assert phrases.text("en", "added", product="Fish & chips <large>") == "Added Fish & chips <large>."
    assert phrases.text("en", "plain") == phrases.text("en", "plain", product="x") == "Fish & chips <3"


def test_the_web_chat_page_escapes_the_store_name() -> None:
    page = render_page("chat.html", store_name="<b>Tea & Co</b>", nonce="n0nce")
    assert "<title>&lt;b&gt;Tea &amp; Co&lt;/b&gt; · test chat</title>" in page
    assert "<b>" not in page
