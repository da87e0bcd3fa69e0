"""The product record and the rules a product's values must satisfy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
        if not self.sku.strip():
            raise ProductValidationError("sku: required")
        if len(self.sku) > 64:
            raise ProductValidationError("sku: at most 64 characters")
        if not self.name.strip():
            raise ProductValidationError("name: required")
        if self.price < 0:
            raise ProductValidationError("price: must be 0 or more")
        if self.stock is not None and self.stock < 0:
            raise ProductValidationError("stock: must be 0 or more (leave empty for untracked)")
        for url in self.image_urls:
            if not url.startswith(("http://", "https://")):
                raise ProductValidationError(f"image_url: {url!r} is not an http(s) URL")
        return self


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
