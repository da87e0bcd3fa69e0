"""Bearer-token check for /api/v1, compared in constant time."""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request

from bot.web.deps import AppServices


def require_token(request: Request, app: AppServices) -> None:
    """401 unless the request carries `Authorization: Bearer <CHATCART_API_TOKEN>`."""
    expected = app.settings.api_token
    if expected is None:
        raise HTTPException(
            401, "the REST API is disabled: set CHATCART_API_TOKEN", {"WWW-Authenticate": "Bearer"}
        )
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        token.encode(), expected.get_secret_value().encode()
    ):
        raise HTTPException(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
