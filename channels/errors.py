"""How a channel adapter reports a failed send: transient ones are retried, permanent ones are not."""

from __future__ import annotations


class ChannelError(Exception):
    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
