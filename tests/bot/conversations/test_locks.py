"""Per-conversation locks: one holder per key at a time, in arrival order, and nothing kept once idle."""

from __future__ import annotations

import asyncio
import contextlib

from bot.conversations.locks import KeyedLocks


async def test_holders_of_one_key_take_turns_in_arrival_order_and_other_keys_do_not_wait() -> None:
    locks = KeyedLocks()
    order: list[str] = []
    inside = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with locks.hold("a"):
            order.append("first in")
            inside.set()
            await release.wait()
            order.append("first out")

    async def later(name: str, key: str) -> None:
        async with locks.hold(key):
            order.append(name)

    task = asyncio.create_task(first())
    await inside.wait()
    waiting = [asyncio.create_task(later("second", "a")), asyncio.create_task(later("third", "a"))]
    await later("other key", "b")  # not held up by "a"
    release.set()
    await asyncio.gather(task, *waiting)
    assert order == ["first in", "other key", "first out", "second", "third"]
    assert locks._locks == {}


async def test_a_waiter_cancelled_before_its_turn_leaves_nothing_behind() -> None:
    locks = KeyedLocks()
    holding = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with locks.hold("a"):
            holding.set()
            await release.wait()

    async def waiter() -> None:
        async with locks.hold("a"):
            raise AssertionError("a cancelled waiter never holds the lock")

    task = asyncio.create_task(holder())
    await holding.wait()
    cancelled = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    assert locks._locks["a"][1] == 2
    cancelled.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await cancelled
    assert locks._locks["a"][1] == 1
    release.set()
    await task
    assert locks._locks == {}
    async with locks.hold("a"):  # still usable
        pass
