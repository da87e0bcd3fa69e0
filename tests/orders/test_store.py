"""The store file: good files load; bad ones stop start-up with a message naming the field and problem."""

from __future__ import annotations

import re

import pytest

from orders.fields import FieldSpec, FieldType, FieldValueError
from orders.store import StoreConfigError, parse_store_config


def test_a_complete_store_file_loads() -> None:
    config = parse_store_config(
        """
        [store]
        name = "Chai Corner"
        currency = "jpy"
        languages = ["en", "hi"]
        delivery = ["shipping", "pickup"]
        delivery_fees = { shipping = "500" }
        [[order_fields]]
        name = "delivery_address"
        required = true
        [[item_fields]]
        name = "size"
        type = "select"
        options = ["S", "M"]
        products = ["TSHIRT-1"]
        """
    )
    assert config.currency == "JPY"
    assert config.default_language == "en"
    assert config.delivery_fee_minor("shipping") == 500
    assert config.delivery_fee_minor("pickup") == 0
    assert [f.name for f in config.item_fields_for("TSHIRT-1")] == ["size"]
    assert config.item_fields_for("MUG") == ()


def test_no_file_content_means_sensible_defaults() -> None:
    config = parse_store_config("")
    assert (config.currency, config.store.delivery, config.store.payment) == ("USD", ("shipping",), ("cod",))


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[order_fields]]\nname = ""', "order_fields #1.name: field name must not be empty"),
        (
            '[[order_fields]]\nname = "a"\n[[order_fields]]\nname = "a"',
            "order_fields: duplicate field name 'a'",
        ),
        ('[[item_fields]]\nname = "x"\ntype = "colour"', "item_fields #1.type: Input should be 'text'"),
        ('[[item_fields]]\nname = "size"\ntype = "select"', "select field 'size' needs options"),
        ('[store]\ncurrency = "XXY"', "store.currency: unknown currency 'XXY'"),
        ('[store]\nlanguages = ["en", "zz_QQ"]', "store.languages: unknown language 'zz_QQ'"),
        ('[store]\ndelivery = ["drone"]', "store.delivery #1: Input should be 'shipping' or 'pickup'"),
        ('[store]\ncurency = "USD"', "store.curency: unknown setting"),
        ('[store]\ncurrency = "USD"\ndelivery_fees = { shipping = "1.234" }', "more than 2 decimal places"),
        ('[store]\ndelivery_fees = { pickup = "1" }', "'pickup' is not one of store.delivery"),
        ("[store\nname = 1", "not valid TOML"),
    ],
)
def test_bad_store_files_name_the_field_and_problem(toml: str, message: str) -> None:
    with pytest.raises(StoreConfigError) as caught:
        parse_store_config(toml, source="shop.toml")
    assert str(caught.value).startswith("shop.toml: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "raw", "value"),
    [
        (FieldSpec(name="qty", type=FieldType.NUMBER), "12", 12),
        (FieldSpec(name="qty", type=FieldType.NUMBER), "2,5", 2.5),
        (FieldSpec(name="size", type=FieldType.SELECT, options=("Small", "Large")), " large ", "Large"),
        (FieldSpec(name="note"), "  ring twice ", "ring twice"),
    ],
)
def test_field_values_are_normalised_by_type(spec: FieldSpec, raw: str, value: object) -> None:
    assert spec.parse_value(raw) == value


@pytest.mark.parametrize(
    ("spec", "raw", "message"),
    [
        (FieldSpec(name="qty", type=FieldType.NUMBER), "twelve", "Qty must be a number"),
        (FieldSpec(name="size", type=FieldType.SELECT, options=("S", "M")), "XL", "must be one of: S, M"),
        (FieldSpec(name="delivery_address"), "   ", "Delivery address is empty"),
    ],
)
def test_bad_field_values_are_explained(spec: FieldSpec, raw: str, message: str) -> None:
    with pytest.raises(FieldValueError, match=message):
        spec.parse_value(raw)


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ('event = "status_lost"\nlanguage = "en"\nname = "x"', "unknown event 'status_lost'"),
        ('event = "status_shipped"\nlanguage = "fr"\nname = "x"', "'fr' is not one of store.languages"),
        (
            'event = "status_shipped"\nlanguage = "en"\nname = "x"\nparams = ["price"]',
            "unknown parameter 'price'",
        ),
        ('event = "status_shipped"\nlanguage = "en"', "whatsapp_templates #1.name: Field required"),
    ],
)
def test_a_bad_whatsapp_template_stops_start_up_naming_it(template: str, problem: str) -> None:
    text = f'[store]\nlanguages = ["en"]\n[[whatsapp_templates]]\n{template}\n'
    with pytest.raises(StoreConfigError, match=re.escape(problem)):
        parse_store_config(text, "chatcart.toml")


def test_two_templates_for_one_event_and_language_are_refused() -> None:
    one = '[[whatsapp_templates]]\nevent = "cod_reminder"\nlanguage = "en"\nname = "a"\n'
    with pytest.raises(StoreConfigError, match="two templates for cod_reminder in en"):
        parse_store_config('[store]\nlanguages = ["en"]\n' + one + one)


def test_an_order_field_is_asked_for_the_delivery_methods_it_names_and_an_address_for_shipping() -> None:
    config = parse_store_config(
        """
        [store]
        delivery = ["shipping", "pickup"]
        [[order_fields]]
        name = "delivery_address"
        required = true
        [[order_fields]]
        name = "pickup_time"
        delivery = ["pickup"]
        [[order_fields]]
        name = "phone"
        required = true
        """
    )
    address, pickup_time, phone = config.order_fields
    assert [address.applies_to_delivery(m) for m in ("shipping", "pickup")] == [True, False]
    assert [pickup_time.applies_to_delivery(m) for m in ("shipping", "pickup")] == [False, True]
    assert [phone.applies_to_delivery(m) for m in ("shipping", "pickup")] == [True, True]
    everywhere = FieldSpec(name="delivery_address", delivery=("shipping", "pickup"))
    assert everywhere.applies_to_delivery("pickup")  # the store file may say otherwise


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ('[[order_fields]]\nname = "x"\ndelivery = []', "field 'x': delivery needs a method"),
        ('[[order_fields]]\nname = "x"\ndelivery = ["drone"]', "Input should be 'shipping' or 'pickup'"),
        (
            '[[item_fields]]\nname = "x"\ndelivery = ["pickup"]',
            "'x': only order fields have delivery methods",
        ),
    ],
)
def test_a_bad_delivery_list_on_a_field_stops_start_up(fields: str, problem: str) -> None:
    with pytest.raises(StoreConfigError, match=re.escape(problem)):
        parse_store_config(f'[store]\ndelivery = ["shipping", "pickup"]\n{fields}\n', "chatcart.toml")


def test_delivery_fees_are_read_in_the_stores_number_format() -> None:
    config = parse_store_config(
        '[store]\ncurrency = "EUR"\nlanguages = ["de"]\ndelivery_fees = { shipping = "4,90" }'
    )
    assert config.delivery_fee_minor("shipping") == 490


@pytest.mark.parametrize(("name", "limit"), [("phone", 64), ("email", 200), ("name", 200), ("note", 1000)])
def test_an_answer_longer_than_what_keeps_it_is_asked_again(name: str, limit: int) -> None:
    spec = FieldSpec(name=name)
    fits = {"phone": "9" + "-" * (limit - 10) + "876543210", "email": "x" * (limit - 12) + "@example.com"}
    longest = fits.get(name, "x" * limit)
    assert len(longest) == limit
    assert spec.parse_value(longest) == longest
    with pytest.raises(FieldValueError, match=f"longer than {limit} characters"):
        spec.parse_value("x" + longest)


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("phone", "12 MG Road"),
        ("phone", "12345"),
        ("phone", "call me"),
        ("email", "asha@"),
        ("email", "a b@c.d"),
    ],
)
def test_a_phone_or_email_that_is_not_one_is_asked_again(name: str, typed: str) -> None:
    with pytest.raises(FieldValueError, match="should be"):
        FieldSpec(name=name).parse_value(typed)
    assert FieldSpec(name="note").parse_value(typed) == typed  # other fields take any text
