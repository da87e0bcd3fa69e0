"""The order tools the AI assistant uses, as JSON-schema functions, for merchants' own agents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from bot.web.api.auth import require_token
from bot.web.api.responses import ToolsOut, errors
from flows.assistant import TOOLS

router = APIRouter(
    prefix="/api/v1", tags=["tools"], dependencies=[Depends(require_token)], responses=errors(401)
)


@router.get("/tools", response_model=ToolsOut)
async def list_tools() -> dict[str, Any]:
    """The same tool definitions the built-in assistant sends to its model (chat-completions format)."""
    return {"tools": list(TOOLS)}
