"""Per-conversation serialisation: two messages from one shopper never race (in one process, or across
several with Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis


class KeyedLocks:
    """An asyncio.Lock per key, kept only while held or awaited: idle shoppers cost nothing."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class RedisLocks:
    """A Redis lock per conversation across processes, behind an in-process one (ours never poll)."""

    def __init__(self, redis: Redis, prefix: str = "chatcart", timeout: float = 30, wait: float = 10) -> None:
        self._redis = redis
        self._prefix = prefix
        self._timeout = timeout
        self._wait = wait
        self._local = KeyedLocks()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        async with self._local.hold(key):
            lock = self._redis.lock(
                f"{self._prefix}:lock:{key}", timeout=self._timeout, blocking_timeout=self._wait, sleep=0.01
            )
            async with lock:
                yield
