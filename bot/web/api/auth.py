"""Bearer-token check for /api/v1, compared in constant time; declared as the API's security scheme."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.web.deps import AppServices

# auto_error=False: a missing or malformed header reaches `require_token`, which answers in the API's own
# `{"error", "code"}` shape. Declaring it puts the scheme in the OpenAPI document (Swagger's "Authorize").
bearer = HTTPBearer(auto_error=False, description="the value of CHATCART_API_TOKEN")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require_token(app: AppServices, credentials: Credentials) -> None:
    """401 unless the request carries `Authorization: Bearer <CHATCART_API_TOKEN>`."""
    expected = app.settings.api_token
    if expected is None:
        raise HTTPException(
            401, "the REST API is disabled: set CHATCART_API_TOKEN", {"WWW-Authenticate": "Bearer"}
        )
    if credentials is None or not secrets.compare_digest(
        credentials.credentials.encode(), expected.get_secret_value().encode()
    ):
        raise HTTPException(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
