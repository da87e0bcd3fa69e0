"""The API's documentation: the OpenAPI document (bearer scheme, typed answers, documented errors) and the
/docs and /redoc pages with their assets served by chatcart itself."""

from __future__ import annotations

import re
from typing import Any

import httpx
from pydantic import BaseModel

from bot.web.api.responses import OrderOut, ProductOut

ORDER = {
    "items": [{"sku": "TEA", "quantity": 2}],
    "delivery": {"method": "shipping", "address": "12 MG Road"},
}


async def test_the_bearer_scheme_is_declared_and_required_by_every_api_route(api: httpx.AsyncClient) -> None:
    doc = (await api.get("/openapi.json")).json()
    assert doc["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "the value of CHATCART_API_TOKEN",
    }
    api_operations = [
        op for path, ops in doc["paths"].items() if path.startswith("/api/") for op in ops.values()
    ]
    assert api_operations and all(op["security"] == [{"HTTPBearer": []}] for op in api_operations)
    assert all("security" not in op for op in doc["paths"]["/healthz"].values())


async def test_each_route_documents_its_answers_and_errors_in_the_error_shape(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]

    def answers(method: str, path: str) -> dict[str, str]:
        responses = paths[path][method]["responses"]
        return {
            code: r["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
            for code, r in responses.items()
        }

    assert answers("get", "/api/v1/orders/{number}") == {
        "200": "OrderOut",
        "401": "ErrorOut",
        "404": "ErrorOut",
        "422": "ValidationErrorOut",
    }
    assert answers("post", "/api/v1/orders/{number}/status") == {
        "200": "OrderOut",
        "401": "ErrorOut",
        "404": "ErrorOut",
        "409": "ErrorOut",
        "422": "ValidationErrorOut",
    }
    assert answers("post", "/api/v1/orders")["201"] == "OrderOut"
    assert answers("post", "/api/v1/products") == {
        "201": "ProductOut",
        "401": "ErrorOut",
        "409": "ErrorOut",
        "422": "ValidationErrorOut",
    }
    assert answers("get", "/api/v1/products")["200"] == "ProductListOut"
    assert answers("get", "/readyz") == {"200": "ReadyOut", "503": "NotReadyOut"}


def undocumented(model: type[BaseModel], body: dict[str, Any]) -> set[str]:
    """Keys of `body` (and its nested objects) the model does not describe, as dotted paths."""
    missing = {key for key in body if key not in model.model_fields}
    for name, field in model.model_fields.items():
        nested = [
            a for a in getattr(field.annotation, "__args__", (field.annotation,)) if isinstance(a, type)
        ]
        inner = next((a for a in nested if issubclass(a, BaseModel)), None)
        items = body.get(name)
        for item in items if isinstance(items, list) else [items]:
            if inner is not None and isinstance(item, dict):
                missing |= {f"{name}.{key}" for key in undocumented(inner, item)}
    return missing


async def test_the_response_models_describe_every_key_the_api_really_answers(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/orders", json=ORDER)
    moved = await api.post("/api/v1/orders/1001/status", json={"status": "confirmed"})
    assert created.status_code == 201 and moved.status_code == 200
    order = moved.json()
    assert order["history"] and order["items"]
    assert undocumented(OrderOut, order) == set()
    assert set(order) == set(OrderOut.model_fields)  # and every documented key is really there
    OrderOut.model_validate(order)
    product = (await api.get("/api/v1/products/TEA")).json()
    assert set(product) == set(ProductOut.model_fields)
    listed = (await api.get("/api/v1/orders")).json()
    assert set(listed) == {"items", "total", "page", "per_page"} and listed["items"][0] == order


async def test_the_docs_pages_load_every_script_and_style_from_this_server(api: httpx.AsyncClient) -> None:
    for page, assets in (("/docs", 3), ("/redoc", 2)):
        html = (await api.get(page)).text
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert len(urls) == assets and all(u.startswith("/docs-assets/") for u in urls), urls
        assert "http" not in html.replace("http-equiv", "")  # no CDN, no web fonts
        for url in urls:
            served = await api.get(url)
            assert served.status_code == 200 and len(served.content) > 1000, url
    assert "SwaggerUIBundle" in (await api.get("/docs-assets/swagger-ui-bundle.js")).text
