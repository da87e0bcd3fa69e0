"""The drill's scenarios: each sets up a fresh database, a fake Bot API and real servers, makes trouble,
and returns its row of the table."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import orjson

from tests.drill.bot_api import FakeBotApi, Fault
from tests.drill.corpus import api_calls, telegram_updates
from tests.drill.servers import API_TOKEN, SECRET, Backend, OwnPostgres, OwnRedis, Shop
from tests.drill.shoppers import Shopper, Webhooks
from tests.drill.tally import Row, tally

SLOW_ANSWER_LIMIT = 2.5  # the README: a hanging provider adds at most about 2 s to a webhook's answer


@dataclass
class Knobs:
    """Sizes and durations: the defaults are the issue's; `quick()` is the suite's subset."""

    storm_shoppers: int = 20
    storm_repeat: int = 10
    confirms: int = 20
    kill_shoppers: int = 200
    kill_every: tuple[float, float] = (1.0, 4.0)  # seconds between kills, at random
    restart_shoppers: int = 100
    outage_shoppers: int = 50
    outage_seconds: float = 600.0
    fault_seconds: float = 30.0  # the 5xx, 429 and slow rows

    @classmethod
    def quick(cls) -> Knobs:
        return cls(3, 3, 5, 12, (0.5, 1.5), 10, 5, 4.0, 3.0)


@dataclass
class Stage:
    """One scenario's world: its database, its Bot API, its servers and its shoppers' webhook client."""

    name: str
    backend: Backend
    bot_api: FakeBotApi
    shop: Shop
    hooks: Webhooks
    chats: Iterator[int] = field(default_factory=lambda: iter(range(10_000, 10_000_000)))

    def shoppers(self, n: int, *, repeat: int = 1, concurrent: bool = False) -> list[Shopper]:
        return [
            Shopper(self.hooks, self.bot_api, next(self.chats), repeat=repeat, concurrent=concurrent)
            for _ in range(n)
        ]


@dataclass
class World:
    """What every scenario of one backend shares: where files go, and the drill's own servers."""

    root: Path
    kind: str  # sqlite | postgres
    postgres: OwnPostgres | None = None
    redis: OwnRedis | None = None
    count: int = 0

    async def backend(self, name: str) -> Backend:
        self.count += 1
        if self.kind == "sqlite":
            return Backend("sqlite", f"sqlite:///{self.root / f'{name}.db'}")
        assert self.postgres is not None and self.redis is not None
        url = await self.postgres.fresh_database(f"drill_{self.count}")
        return Backend("postgres", url, self.redis.url)


@contextlib.asynccontextmanager
async def stage(world: World, name: str, servers: int = 2) -> AsyncIterator[Stage]:
    backend = await world.backend(name)
    bot_api = FakeBotApi()
    await bot_api.start()
    shop = Shop(backend, world.root / f"{world.kind}-{name}", bot_api.url, count=servers)
    await shop.prepare()
    await shop.start_all()
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
    try:
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            yield Stage(name, backend, bot_api, shop, Webhooks(shop, client))
    finally:
        await shop.stop_all()
        await bot_api.close()
        record = {"delivered": [asdict(d) for d in bot_api.delivered], "kills": shop.kills}
        (shop.workdir / "delivered.json").write_bytes(orjson.dumps(record))  # for a closer look (--keep)


def chats(shoppers: list[Shopper]) -> set[str]:
    return {str(s.chat_id) for s in shoppers}


async def staggered(
    shoppers: list[Shopper], action: Callable[[Shopper], Awaitable[None]], over: float
) -> None:
    """Every shopper's `action`, started at random moments within `over` seconds, as people arrive."""

    async def one(shopper: Shopper) -> None:
        await asyncio.sleep(random.uniform(0, over))
        await action(shopper)

    await asyncio.gather(*(one(s) for s in shoppers))


async def duplicate_storm(world: World, knobs: Knobs, *, concurrent: bool) -> Row:
    """Every update delivered `storm_repeat` times: one order each, every reply once."""
    how = "concurrent" if concurrent else "sequential"
    async with stage(world, f"storm-{how}") as s:
        shoppers = s.shoppers(knobs.storm_shoppers, repeat=knobs.storm_repeat, concurrent=concurrent)
        await staggered(shoppers, Shopper.checkout, 1.0)
        row = Row(f"duplicate storm x{knobs.storm_repeat}, {how}", world.kind)
        return await tally(row, s.backend, s.bot_api, s.hooks, expected_chats=chats(shoppers))


async def concurrent_confirms(world: World, knobs: Knobs) -> Row:
    """One summary's Confirm pressed `confirms` times at once (distinct updates), then the order's Confirm."""
    async with stage(world, "confirms") as s:
        [shopper] = s.shoppers(1)
        await shopper.to_summary()
        await asyncio.gather(
            *(s.hooks.post(shopper.press(shopper.summary_confirm)) for _ in range(knobs.confirms))
        )
        data = await shopper.button("Confirm order")
        await asyncio.gather(*(s.hooks.post(shopper.press(data)) for _ in range(knobs.confirms)))
        row = Row(f"{knobs.confirms} concurrent Confirms of one order", world.kind)
        return await tally(row, s.backend, s.bot_api, s.hooks, expected_chats=chats([shopper]))


async def kill_nine(world: World, knobs: Knobs) -> Row:
    """kill -9 of a random server at random moments across many checkouts; Telegram redelivers what was not
    answered; afterwards every shopper taps the summary's old Confirm again."""
    async with stage(world, "kill9") as s:
        shoppers = s.shoppers(knobs.kill_shoppers)
        done = asyncio.Event()

        async def killer() -> None:
            # The first kill lands while shoppers are still arriving, however fast the checkouts run.
            pause = random.uniform(0.1, 0.8)
            while not done.is_set():
                await asyncio.sleep(pause)
                pause = random.uniform(*knobs.kill_every)
                if done.is_set():
                    break
                port = random.choice(list(s.shop.processes))
                await s.shop.kill(port)
                await asyncio.sleep(random.uniform(0.2, 1.0))
                await s.shop.start(port)

        killing = asyncio.create_task(killer())
        try:
            await staggered(shoppers, Shopper.checkout, knobs.kill_shoppers / 20)
        finally:
            done.set()
            await killing
        await asyncio.gather(*(shopper.retap_old_confirm() for shopper in shoppers))
        row = Row(f"kill -9 x{len(s.shop.kills)} across {len(shoppers)} checkouts, re-tap", world.kind)
        row.kills = len(s.shop.kills)
        return await tally(
            row, s.backend, s.bot_api, s.hooks, expected_chats=chats(shoppers), kills=s.shop.kills
        )


async def restart_under_load(world: World, knobs: Knobs, which: str) -> Row:
    """Redis or PostgreSQL stopped and started again (three times) while shoppers check out."""
    async with stage(world, f"restart-{which}") as s:
        shoppers = s.shoppers(knobs.restart_shoppers)
        done = asyncio.Event()
        restarts = 0

        async def restarter() -> None:
            nonlocal restarts
            while not done.is_set() and restarts < 3:
                await asyncio.sleep(random.uniform(1.0, 3.0))
                if which == "redis":
                    assert world.redis is not None
                    await world.redis.stop()
                    await asyncio.sleep(random.uniform(1.0, 3.0))
                    await world.redis.start()
                else:
                    assert world.postgres is not None
                    await world.postgres.stop("immediate")
                    await asyncio.sleep(random.uniform(2.0, 5.0))
                    await world.postgres.start()
                restarts += 1

        restarting = asyncio.create_task(restarter())
        try:
            await staggered(shoppers, Shopper.checkout, max(3.0, knobs.restart_shoppers / 20))
        finally:
            done.set()
            await restarting
        name = "Redis" if which == "redis" else "PostgreSQL"
        row = Row(f"{name} restarted x{restarts} under load", world.kind)
        row = await tally(row, s.backend, s.bot_api, s.hooks, expected_chats=chats(shoppers))
        expected = s.hooks.answers.get(503, 0) if which == "postgres" else 0
        row.unexpected_5xx = row.answers_5xx - expected
        return row


async def provider_trouble(world: World, knobs: Knobs, fault: Fault, seconds: float) -> Row:
    """The Bot API in trouble for `seconds` while shoppers place orders; everything that waited goes out
    within seconds of its recovery, in order, once."""
    labels = {
        Fault.DOWN: f"Telegram outage of {seconds:g} s",
        Fault.ERROR: f"Bot API answers 502 for {seconds:g} s",
        Fault.RATE_LIMIT: f"Bot API answers 429 (Retry-After 3) for {seconds:g} s",
        Fault.SLOW: f"Bot API answers after 3 s, for {seconds:g} s",
    }
    async with stage(world, f"fault-{fault.value}") as s:
        shoppers = s.shoppers(knobs.outage_shoppers)
        await asyncio.gather(*(shopper.to_summary() for shopper in shoppers))
        baseline, s.hooks.slowest = s.hooks.slowest, 0.0  # the answers before the fault, on this machine
        if fault is Fault.DOWN:
            await s.bot_api.go_down()
        else:
            s.bot_api.fault = fault
        started = time.monotonic()

        async def place(shopper: Shopper) -> None:
            await asyncio.sleep(random.uniform(0, seconds / 2))
            await s.hooks.post(shopper.press(shopper.summary_confirm))

        await asyncio.gather(*(place(shopper) for shopper in shoppers))
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
        if fault is Fault.DOWN:
            await s.bot_api.start()
        s.bot_api.fault = Fault.OK
        recovered = time.monotonic()
        during = s.hooks.slowest

        async def finish(shopper: Shopper) -> None:
            await shopper.send(shopper.press(await shopper.button("Confirm order")))
            await shopper.wait_for_text("is confirmed")

        await asyncio.gather(*(finish(shopper) for shopper in shoppers))
        row = Row(labels[fault], world.kind)
        row = await tally(
            row, s.backend, s.bot_api, s.hooks, expected_chats=chats(shoppers), recovered_at=recovered
        )
        if fault is Fault.SLOW:  # the provider may add its bound to an answer, not more
            row.slowest_answer = during
            row.answer_limit = SLOW_ANSWER_LIMIT + baseline
            row.note = f"answers before the fault took up to {baseline:.2f} s"
        return row


async def malformed(world: World, knobs: Knobs) -> Row:
    """The corpus: every request gets a 4xx or 200 with a polite answer, never a 5xx, and no order."""
    async with stage(world, "malformed", servers=1) as s:
        bad: list[str] = []
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        url = s.shop.urls[0]
        client = s.hooks.client
        bodies = telegram_updates(1, 777)
        for body in bodies:
            response = await client.post(f"{url}/webhooks/telegram", content=body, headers=headers)
            s.hooks.answers[response.status_code] = s.hooks.answers.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                bad.append(f"webhook {body[:60]!r} -> {response.status_code}")
        api = {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"}
        calls = api_calls()
        for method, path, payload in calls:
            response = await client.request(method, f"{url}{path}", content=payload, headers=api)
            s.hooks.answers[response.status_code] = s.hooks.answers.get(response.status_code, 0) + 1
            if response.status_code >= 500 or response.status_code < 400:
                bad.append(f"{method} {path[:60]} -> {response.status_code}")
        row = Row(f"malformed corpus ({len(bodies)} updates, {len(calls)} API calls)", world.kind)
        row = await tally(row, s.backend, s.bot_api, s.hooks, expected_chats=set())
        if bad:
            row.note = "ERROR: " + "; ".join(bad[:5])
        return row
