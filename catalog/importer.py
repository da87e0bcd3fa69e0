"""Parse catalog files (CSV or JSON) into validated products, naming the line of every bad row."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from catalog.money import MoneyError, parse_major
from catalog.product import ProductData, ProductValidationError

COLUMNS = ("sku", "name", "price", "stock", "category", "description", "image_url", "aliases")
_OPTIONAL_EXTRA = ("image_urls", "active")
_LIST_SEPARATORS = ("|", ";")
_MAX_REPORTED = 20


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one row of an imported file, by its line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class CatalogFileError(ValueError):
    """The file cannot be applied; `errors` lists every bad row found (up to a limit)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:_MAX_REPORTED])
        more = f"\n… and {len(errors) - _MAX_REPORTED} more" if len(errors) > _MAX_REPORTED else ""
        noun = "row" if len(errors) == 1 else "rows"
        super().__init__(f"nothing was imported: {len(errors)} bad {noun}\n{shown}{more}")


def _split_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if str(v).strip())
    text = str(value)
    for sep in _LIST_SEPARATORS:
        text = text.replace(sep, "\n")
    return tuple(part.strip() for part in text.splitlines() if part.strip())


def _parse_stock(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ProductValidationError(f"stock: {value!r} is not a whole number")
    try:
        return int(str(value).strip()) if not isinstance(value, int | float) else int(value)
    except ValueError:
        raise ProductValidationError(f"stock: {value!r} is not a whole number") from None


def _parse_active(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y"}:
        return True
    if text in {"0", "false", "no", "n"}:
        return False
    raise ProductValidationError(f"active: {value!r} is not yes/no")


def product_from_record(record: Mapping[str, Any], currency: str) -> ProductData:
    """One CSV row or JSON object to a validated product; raises ValueError naming the field."""
    price_raw = record.get("price")
    if price_raw is None or (isinstance(price_raw, str) and not price_raw.strip()):
        raise ProductValidationError("price: required")
    try:
        price = parse_major(price_raw, currency)
    except MoneyError as exc:
        raise ProductValidationError(f"price: {exc}") from None
    images = _split_list(record.get("image_urls")) + _split_list(record.get("image_url"))
    return ProductData(
        sku=str(record.get("sku") or "").strip(),
        name=str(record.get("name") or "").strip(),
        price=price,
        stock=_parse_stock(record.get("stock")),
        category=str(record.get("category") or "").strip(),
        description=str(record.get("description") or "").strip(),
        image_urls=images,
        aliases=_split_list(record.get("aliases")),
        active=_parse_active(record.get("active")),
    ).validated()


def _csv_records(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h and h not in COLUMNS + _OPTIONAL_EXTRA]
    missing = [h for h in ("sku", "name", "price") if h not in header]
    if unknown or missing:
        problems = [f"unknown column {u!r}" for u in unknown] + [f"missing column {m!r}" for m in missing]
        raise CatalogFileError([RowError(1, "; ".join(problems) + f" (expected: {', '.join(COLUMNS)})")])
    reader.fieldnames = header
    for row in reader:
        if None in row:
            yield reader.line_num, {"__error__": "more values than columns"}
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        yield reader.line_num, row


def _json_records(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogFileError([RowError(exc.lineno, f"invalid JSON: {exc.msg}")]) from None
    if isinstance(data, dict):
        data = data.get("products")
    if not isinstance(data, list):
        raise CatalogFileError([RowError(1, 'expected a list of products or {"products": [...]}')])
    for index, item in enumerate(data, start=1):
        # JSON has no useful line numbers once parsed; number the products from 1 instead.
        yield index, item if isinstance(item, dict) else {"__error__": "each product must be an object"}


def parse_catalog(text: str, *, currency: str, fmt: str) -> list[ProductData]:
    """Parse a whole file; raise CatalogFileError listing every bad row so nothing is half-applied."""
    records = _json_records(text) if fmt == "json" else _csv_records(text)
    products: list[ProductData] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, record in records:
        if "__error__" in record:
            errors.append(RowError(line, str(record["__error__"])))
            continue
        try:
            product = product_from_record(record, currency)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if product.sku in seen:
            errors.append(RowError(line, f"sku {product.sku!r} already on line {seen[product.sku]}"))
            continue
        seen[product.sku] = line
        products.append(product)
    if errors:
        raise CatalogFileError(errors)
    return products


def detect_format(filename: str) -> str:
    return "json" if filename.lower().endswith(".json") else "csv"
