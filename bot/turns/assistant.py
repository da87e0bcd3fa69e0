"""The optional AI assistant's HTTP side: one bounded chat-completions request per unread message."""

# A slow, failing or nonsensical provider yields no tool calls, so the rules' answer stands.

from __future__ import annotations

import asyncio
import logging

import httpx

from flows.assistant import read_answer, request_body
from flows.messages import ToolCall
from flows.turn import StoreView

log = logging.getLogger(__name__)


class Assistant:
    """An OpenAI-compatible chat-completions server (local or hosted), asked for order tool calls."""

    def __init__(
        self, http: httpx.AsyncClient, url: str, model: str, api_key: str | None, timeout: float
    ) -> None:
        base = url.rstrip("/")
        self._url = base if base.endswith("/chat/completions") else f"{base}/chat/completions"
        self._http = http
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout

    async def suggest(self, text: str, view: StoreView, language: str) -> tuple[ToolCall, ...]:
        """The tool calls the model proposes for `text`; none when it is slow, down or makes no sense."""
        body = request_body(self._model, text, view.catalog, view.store.store.name, language)
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.post(self._url, json=body, headers=self._headers)
            response.raise_for_status()
            return read_answer(response.json())
        except TimeoutError:
            log.warning("AI assistant: no answer within %.1f s; the rules answer", self._timeout)
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("AI assistant unavailable (%s); the rules answer", type(exc).__name__)
        return ()
