"""Product routes: list, create and edit catalog products (prices in minor units)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from bot.web.api.auth import require_token
from bot.web.api.responses import ProductListOut, ProductOut, errors
from bot.web.api.schemas import MAX_INT, ProductIn, ProductPatch, Sku
from bot.web.deps import Catalog
from catalog.product import ProductData, ProductValidationError, product_to_dict

router = APIRouter(
    prefix="/api/v1", tags=["products"], dependencies=[Depends(require_token)], responses=errors(401)
)


@router.get("/products", response_model=ProductListOut, responses=errors(422))
async def list_products(
    catalog: Catalog,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> dict[str, Any]:
    found, total = await catalog.list(active_only=bool(active), limit=limit, offset=offset)
    return {"items": [product_to_dict(p) for p in found], "total": total}


@router.get("/products/{sku}", response_model=ProductOut, responses=errors(404, 422))
async def get_product(catalog: Catalog, sku: Sku) -> dict[str, Any]:
    return product_to_dict(await catalog.get(sku))


@router.post("/products", status_code=201, response_model=ProductOut, responses=errors(409, 422))
async def create_product(catalog: Catalog, body: ProductIn) -> dict[str, Any]:
    data = ProductData(
        sku=body.sku,
        name=body.name,
        price=body.price,
        stock=body.stock,
        category=body.category.strip(),
        description=body.description.strip(),
        image_urls=tuple(body.image_urls),
        aliases=tuple(body.aliases),
        active=body.active,
    )
    return product_to_dict(await catalog.create(data))


@router.patch("/products/{sku}", response_model=ProductOut, responses=errors(404, 422))
async def update_product(catalog: Catalog, sku: Sku, body: ProductPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None and k != "stock")  # stock null = untracked
    if nulls:
        raise ProductValidationError(f"{', '.join(nulls)}: cannot be null")
    for key in ("image_urls", "aliases"):
        if key in changes:
            changes[key] = tuple(changes[key])
    return product_to_dict(await catalog.update(sku, changes))
