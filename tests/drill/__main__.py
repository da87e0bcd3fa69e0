"""`python -m tests.drill`: run the drill and print its table; exits 1 when a row breaks the promise."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.drill.bot_api import Fault
from tests.drill.scenarios import (
    Knobs,
    World,
    concurrent_confirms,
    duplicate_storm,
    kill_nine,
    malformed,
    provider_trouble,
    restart_under_load,
)
from tests.drill.servers import own_servers
from tests.drill.tally import Row

Scenario = Callable[[World, Knobs], Awaitable[Row]]

SCENARIOS: dict[str, tuple[Scenario, bool]] = {  # name -> (scenario, PostgreSQL only)
    "storm": (lambda w, k: duplicate_storm(w, k, concurrent=False), False),
    "storm-concurrent": (lambda w, k: duplicate_storm(w, k, concurrent=True), False),
    "confirms": (concurrent_confirms, False),
    "kill": (kill_nine, False),
    "redis": (lambda w, k: restart_under_load(w, k, "redis"), True),
    "postgres": (lambda w, k: restart_under_load(w, k, "postgres"), True),
    "outage": (lambda w, k: provider_trouble(w, k, Fault.DOWN, k.outage_seconds), False),
    "5xx": (lambda w, k: provider_trouble(w, k, Fault.ERROR, k.fault_seconds), False),
    "429": (lambda w, k: provider_trouble(w, k, Fault.RATE_LIMIT, k.fault_seconds), False),
    "slow": (lambda w, k: provider_trouble(w, k, Fault.SLOW, k.fault_seconds), False),
    "malformed": (malformed, False),
}
COLUMNS = (
    "scenario", "backend", "orders exp", "placed", "dup", "lost", "msgs due", "sent", "sent 2x", "lost",
    "5xx (unexp.)", "max delay", "slowest answer",
)  # fmt: skip


def cells(row: Row) -> list[str]:
    fives = f"{row.answers_5xx} ({row.unexpected_5xx})"
    numbers = (row.orders_expected, row.orders_placed, row.orders_duplicated, row.orders_lost,
               row.messages_due, row.messages_sent, row.sent_twice, row.messages_lost)  # fmt: skip
    delays = (f"{row.max_delay:.1f} s", f"{row.slowest_answer:.2f} s")
    return [row.scenario, row.backend, *map(str, numbers), fives, *delays]


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table, each row's problems (or notes) after it."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(cells(row)) + " |")
    notes = [f"- {r.scenario} ({r.backend}): {r.note}" for r in rows if r.note]
    failing = [f"- FAILS {r.scenario} ({r.backend}): {', '.join(r.failures())}" for r in rows if r.failures()]
    for extra in (notes, failing):
        if extra:
            lines += ["", *extra]
    return "\n".join(lines)


async def run_rows(world: World, names: list[str], knobs: Knobs) -> list[Row]:
    """Scenarios on one backend, one after another, each on a fresh database."""
    rows: list[Row] = []
    for name in names:
        scenario, postgres_only = SCENARIOS[name]
        if postgres_only and world.kind != "postgres":
            continue
        started = time.monotonic()
        try:
            row = await scenario(world, knobs)
        except Exception as exc:
            traceback.print_exc()
            row = Row(name, world.kind, note=f"ERROR: {type(exc).__name__}: {exc}"[:300])
        took = time.monotonic() - started
        print(f"[{world.kind}] {name}: {took:.0f} s {cells(row)}", file=sys.stderr, flush=True)
        rows.append(row)
    return rows


async def drill(backends: list[str], names: list[str], knobs: Knobs, keep: bool = False) -> list[Row]:
    """The scenarios under load run one at a time (two cores must not be shared between two of them, or
    they would time each other); the long, idle Telegram outage runs on every backend at once."""
    root = Path(tempfile.mkdtemp(prefix="chatcart-drill-"))
    rows: list[Row] = []
    try:
        async with contextlib.AsyncExitStack() as stack:
            worlds = []
            for kind in backends:
                world = World(root / kind, kind)
                world.root.mkdir(parents=True)
                if kind == "postgres":
                    world.postgres, world.redis = await stack.enter_async_context(own_servers())
                worlds.append(world)
            for world in worlds:
                rows += await run_rows(world, [n for n in names if n != "outage"], knobs)
            if "outage" in names:
                outages = await asyncio.gather(*(run_rows(world, ["outage"], knobs) for world in worlds))
                rows += [row for found in outages for row in found]
    finally:
        if keep:
            print(f"logs and databases kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    order = {name: i for i, name in enumerate(backends)}
    return sorted(rows, key=lambda row: order.get(row.backend, 0))  # stable: each backend's rows in turn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.drill", description=__doc__)
    parser.add_argument(
        "--backends", default="sqlite,postgres", help="sqlite, postgres (own PostgreSQL + Redis)"
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"scenarios: {', '.join(SCENARIOS)}")
    parser.add_argument("--outage", type=float, default=Knobs.outage_seconds, help="Telegram outage, seconds")
    parser.add_argument("--shoppers", type=int, default=Knobs.kill_shoppers, help="checkouts in the kill row")
    parser.add_argument("--quick", action="store_true", help="the suite's small subset")
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs and databases")
    args = parser.parse_args(argv)
    knobs = Knobs.quick() if args.quick else Knobs(kill_shoppers=args.shoppers, outage_seconds=args.outage)
    if args.quick and args.outage != Knobs.outage_seconds:
        knobs.outage_seconds = args.outage
    logging.basicConfig(level=logging.WARNING)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    rows = asyncio.run(drill(args.backends.split(","), names, knobs, args.keep))
    print(table(rows))
    return 1 if any(r.failures() for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
