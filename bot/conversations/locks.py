"""Per-conversation serialisation in this process: one shopper's messages are handled one at a time, in
the order they arrived (across processes the database keeps them apart)."""

from __future__ import annotations

import asyncio
from types import TracebackType


class KeyedLocks:
    """An asyncio.Lock per key, kept only while held or awaited: idle shoppers cost nothing."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def hold(self, key: str) -> _Held:
        """`async with locks.hold(key):` runs its body alone among holders of the same key."""
        return _Held(self._locks, key)


class _Held:
    """The lock of one key while held (a class, not a generator: every chat turn takes one)."""

    __slots__ = ("_key", "_lock", "_locks")

    def __init__(self, locks: dict[str, tuple[asyncio.Lock, int]], key: str) -> None:
        self._locks = locks
        self._key = key

    async def __aenter__(self) -> None:
        lock, users = self._locks.get(self._key) or (asyncio.Lock(), 0)
        self._locks[self._key] = (lock, users + 1)
        self._lock = lock
        try:
            await self._lock.acquire()
        except BaseException:  # cancelled while waiting: this user is gone
            self._leave()
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()
        self._leave()

    def _leave(self) -> None:
        lock, users = self._locks[self._key]
        if users == 1:
            del self._locks[self._key]
        else:
            self._locks[self._key] = (lock, users - 1)
