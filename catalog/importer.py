"""Parse catalog files (CSV or JSON) into validated products, naming the line of every bad row."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from catalog.money import MoneyError, parse_major
from catalog.product import ProductData, ProductValidationError

COLUMNS = ("sku", "name", "price", "stock", "category", "description", "image_url", "aliases")
_OPTIONAL_EXTRA = ("image_urls", "active", "currency")
_LIST_SEPARATORS = ("|", ";")
_DELIMITERS = (",", ";", "\t")  # Excel writes ";" where "," is the decimal sign, "\t" for "Unicode text"
_MAX_REPORTED = 20
# Longest first: a UTF-32 little-endian mark starts like a UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one row of an imported file, by its line (a JSON file's: by item); 0: the file."""

    line: int
    message: str
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}" if self.line else self.message


class CatalogFileError(ValueError):
    """The file cannot be applied; `errors` lists every bad row found (up to a limit)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:_MAX_REPORTED])
        more = f"\n… and {len(errors) - _MAX_REPORTED} more" if len(errors) > _MAX_REPORTED else ""
        noun = "row" if len(errors) == 1 else "rows"
        summary = f"{len(errors)} bad {noun}\n" if any(e.line for e in errors) else ""
        super().__init__(f"nothing was imported: {summary}{shown}{more}")


def decode_catalog(data: bytes, source: str, encoding: str | None = None) -> str:
    """A file's text: in the encoding named, by its byte-order mark, as UTF-16 when every other byte is
    zero, else as UTF-8. Other encodings (Windows-1252 from Excel's plain "CSV") cannot be told apart
    reliably, so they are refused with the first byte that is not UTF-8, never guessed."""
    bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    if encoding is None and bom is None and data[1::2].count(0) > len(data) // 4 > 0:
        bom = "utf-16-le"
    elif encoding is None and bom is None and data[0::2].count(0) > len(data) // 4 > 0:
        bom = "utf-16-be"
    name = encoding or bom or "utf-8"
    try:
        return data.decode(name)
    except LookupError:
        raise CatalogFileError([RowError(0, f"{source}: unknown encoding {name!r}")]) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(name, errors="replace").count("\n") + 1
        bad = data[exc.start : exc.end]
        as_1252 = bad.decode("cp1252", errors="replace")
        hint = f" (“{as_1252}” in Windows-1252)" if name.startswith("utf-8") and as_1252.isprintable() else ""
        advice = " save it as UTF-8 (Excel: “CSV UTF-8”) or name its encoding, e.g. --encoding cp1252"
        problem = f"{source} is not {_label(name)}: line {line} has the byte 0x{bad[0]:02X}{hint};{advice}"
        raise CatalogFileError([RowError(0, problem)]) from None


def _label(encoding: str) -> str:
    return {"utf-8": "UTF-8 text", "utf-8-sig": "UTF-8 text"}.get(encoding, f"{encoding} text")


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


def product_from_record(record: Mapping[str, Any], currency: str, locale: str = "en") -> ProductData:
    """One CSV row or JSON object to a validated product; raises ValueError naming the field.

    Typed prices are read in the store's number format (`locale`: 12,50 in a German store)."""
    price_raw = record.get("price")
    if price_raw is None or (isinstance(price_raw, str) and not price_raw.strip()):
        raise ProductValidationError("price: required")
    stated = str(record.get("currency") or "").strip().upper()
    if stated and stated != currency:
        raise ProductValidationError(f"currency: {_foreign(stated, currency)}")
    try:
        price = parse_major(price_raw, currency, locale)
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


def _foreign(stated: str, currency: str) -> str:
    return (
        f"the prices are in {stated}, but this store sells in {currency} and never converts prices "
        f'(set currency = "{stated}" under [store] in the store file, or import prices in {currency})'
    )


def _delimiter(text: str) -> str:
    """The separator the header line uses: a comma, or Excel's semicolon or tab."""
    header = text.split("\n", 1)[0].lower()
    fits = [d for d in _DELIMITERS if {"sku", "price"} <= {h.strip().strip('"') for h in header.split(d)}]
    return fits[0] if fits else ","


_CSV_PROBLEMS = {
    "unexpected end of data": "a quote opened on this line is never closed",
    "expected after": "a closing quote must be followed by the separator or the end of the line",
}


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    return next((why for key, why in _CSV_PROBLEMS.items() if key in text), f"not valid CSV: {text}")


def _csv_records(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        raise CatalogFileError([RowError(1, _csv_problem(exc))]) from None
    unknown = [h for h in header if h and h not in COLUMNS + _OPTIONAL_EXTRA]
    missing = [h for h in ("sku", "name", "price") if h not in header]
    if unknown or missing:
        problems = [f"unknown column {u!r}" for u in unknown] + [f"missing column {m!r}" for m in missing]
        raise CatalogFileError([RowError(1, "; ".join(problems) + f" (expected: {', '.join(COLUMNS)})")])
    while True:
        start = reader.line_num + 1  # a quoted cell may span lines: a row is named by its first
        try:
            row = next(reader, None)
        except csv.Error as exc:
            yield start, {"__error__": _csv_problem(exc)}
            return  # past a broken quote, where rows begin is anyone's guess
        if row is None:
            return
        if len(row) > len(header):
            yield start, {"__error__": "more values than columns"}
        elif any(cell.strip() for cell in row):
            yield start, dict(zip(header, row, strict=False))


def _json_records(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogFileError([RowError(exc.lineno, f"invalid JSON: {exc.msg}")]) from None
    currency = data.get("currency") if isinstance(data, dict) else None
    if isinstance(data, dict):
        data = data.get("products")
    if not isinstance(data, list):
        raise CatalogFileError([RowError(1, 'expected a list of products or {"products": [...]}')])
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            yield index, {"__error__": "each product must be an object"}
        else:
            yield index, {"currency": currency} | item if currency else item


def parse_catalog(text: str, *, currency: str, fmt: str, locale: str = "en") -> list[ProductData]:
    """Parse a whole file; raise CatalogFileError listing every bad row so nothing is half-applied.

    A CSV row is named by its line, a JSON product by its position ("item 2")."""
    records = list(_json_records(text) if fmt == "json" else _csv_records(text))
    unit = "item" if fmt == "json" else "line"
    stated = {str(r.get("currency") or "").strip().upper() for _, r in records}
    if len(stated) == 1 and (elsewhere := stated.pop()) not in ("", currency):
        raise CatalogFileError([RowError(0, _foreign(elsewhere, currency))])  # the whole file, said once
    products: list[ProductData] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, record in records:
        if "__error__" in record:
            errors.append(RowError(line, str(record["__error__"]), unit))
            continue
        try:
            product = product_from_record(record, currency, locale)
        except ValueError as exc:
            errors.append(RowError(line, str(exc), unit))
            continue
        if product.sku in seen:
            where = f"on line {seen[product.sku]}" if unit == "line" else f"in item {seen[product.sku]}"
            errors.append(RowError(line, f"sku {product.sku!r} already {where}", unit))
            continue
        seen[product.sku] = line
        products.append(product)
    if errors:
        raise CatalogFileError(errors)
    return products


def detect_format(filename: str) -> str:
    return "json" if filename.lower().endswith(".json") else "csv"
