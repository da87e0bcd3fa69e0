"""Every API failure as JSON `{"error": message, "code": code}` with the right 4xx status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.turns.failures import DATABASE_ERRORS, is_transient, refused_value
from catalog.product import ProductValidationError
from catalog.service import DuplicateSku, ProductNotFound
from orders import errors as order_errors
from orders.editing import InvalidEdit
from orders.fields import FieldValueError

log = logging.getLogger(__name__)

_STATUS_BY_ERROR: list[tuple[type[Exception], int]] = [
    (order_errors.OrderNotFound, 404),
    (order_errors.PaymentNotFound, 404),
    (ProductNotFound, 404),
    (order_errors.InvalidStatusTransition, 409),
    (order_errors.IdempotencyConflict, 409),
    (order_errors.ConcurrentUpdate, 409),
    (order_errors.OutOfStock, 409),
    (DuplicateSku, 409),
    (order_errors.UnknownProduct, 422),
    (order_errors.InvalidOrder, 422),
    (InvalidEdit, 422),
    (ProductValidationError, 422),
    (FieldValueError, 422),
]


def error_body(message: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"error": message, "code": code, **extra}


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    status = next(s for kind, s in _STATUS_BY_ERROR if isinstance(exc, kind))
    code = getattr(exc, "code", "invalid_request")
    return JSONResponse(error_body(str(exc), code), status_code=status)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{d['field'] or 'body'}: {d['problem']}" for d in details)
    return JSONResponse(error_body(summary, "validation_error", details=details), status_code=422)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error"
    )
    return JSONResponse(error_body(str(exc.detail), code), status_code=exc.status_code, headers=exc.headers)


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The request's values are checked at the edge; a value the database still refuses (an order total
    beyond its 32-bit column) is the request's problem (422), an outage is a 503, anything else a bug."""
    if refused_value(exc):
        log.warning("%s %s: the database refused a value: %s", request.method, request.url.path, exc)
        message = "a value is beyond what the database can keep (too large or too long)"
        return JSONResponse(error_body(message, "value_out_of_range"), status_code=422)
    if is_transient(exc):
        log.warning("%s %s: database unavailable: %s", request.method, request.url.path, exc)
        return JSONResponse(error_body("temporarily unavailable", "unavailable"), status_code=503)
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal error", "internal"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    for kind, _status in _STATUS_BY_ERROR:
        app.add_exception_handler(kind, _domain_error)
    for kind in DATABASE_ERRORS:
        app.add_exception_handler(kind, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
