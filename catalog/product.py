"""The product record and the rules a product's values must satisfy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog import limits


class ProductValidationError(ValueError):
    """A product value breaks a rule; the message names the field."""


@dataclass(frozen=True, slots=True)
class ProductData:
    """Everything about a product but its database id: what imports and the API write."""

    sku: str
    name: str
    price: int
    stock: int | None = None
    category: str = ""
    description: str = ""
    image_urls: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    active: bool = True

    def validated(self) -> ProductData:
        """Return self if every value is acceptable, else raise naming the first bad field."""
        _text("sku", self.sku, limits.SKU, required=True)
        _text("name", self.name, limits.PRODUCT_NAME, required=True)
        _text("category", self.category, limits.CATEGORY)
        _text("description", self.description, None)
        for alias in self.aliases:
            _text("aliases", alias, limits.PRODUCT_NAME)
        if self.price < 0:
            raise ProductValidationError("price: must be 0 or more")
        if self.stock is not None and self.stock < 0:
            raise ProductValidationError("stock: must be 0 or more (leave empty for untracked)")
        for name, value in (("price", self.price), ("stock", self.stock)):
            if value is not None and value > limits.MAX_INT:
                raise ProductValidationError(f"{name}: at most {limits.MAX_INT} (minor units for a price)")
        for url in self.image_urls:
            _text("image_url", url, 2000)
            if not url.startswith(("http://", "https://")):
                raise ProductValidationError(f"image_url: {url!r} is not an http(s) URL")
        return self


def _text(field: str, value: str, limit: int | None, *, required: bool = False) -> None:
    if required and not value.strip():
        raise ProductValidationError(f"{field}: required")
    if limit is not None and len(value) > limit:
        raise ProductValidationError(f"{field}: at most {limit} characters")
    if (problem := limits.storable_text(value)) is not None:
        raise ProductValidationError(f"{field}: {problem}")


@dataclass(frozen=True, slots=True)
class Product:
    """A product as stored, with its database id."""

    id: int
    sku: str
    name: str
    price: int
    stock: int | None
    category: str = ""
    description: str = ""
    image_urls: tuple[str, ...] = field(default=())
    aliases: tuple[str, ...] = field(default=())
    active: bool = True

    @property
    def tracks_stock(self) -> bool:
        return self.stock is not None

    def available(self, quantity: int) -> bool:
        """Whether this many units can be sold now."""
        return self.active and (self.stock is None or self.stock >= quantity)


def product_to_dict(product: Product) -> dict[str, Any]:
    """The Product JSON the REST API publishes (price in minor units, stock null when untracked)."""
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "price": product.price,
        "stock": product.stock,
        "category": product.category,
        "description": product.description,
        "image_urls": list(product.image_urls),
        "aliases": list(product.aliases),
        "active": product.active,
    }
