"""The failure drill's CI-sized subset: real `chatcart serve` processes on SQLite, a few shoppers, a kill -9,
a short Telegram outage and the malformed corpus; `make drill` runs the whole of it."""

from __future__ import annotations

from tests.drill.__main__ import drill, table
from tests.drill.scenarios import Knobs

SUBSET = ["storm-concurrent", "kill", "outage", "malformed"]


async def test_the_drill_subset_loses_and_doubles_nothing() -> None:
    rows = await drill(["sqlite"], SUBSET, Knobs.quick())
    printed = table(rows)
    assert len(rows) == len(SUBSET), printed
    assert [r for r in rows if r.failures(timed=False)] == [], printed  # the suite times nothing
    kill = next(r for r in rows if r.kills)
    assert kill.orders_placed == kill.orders_expected > 0, printed
    assert all(r.orders_duplicated == r.orders_lost == r.messages_lost == 0 for r in rows), printed
    assert "| scenario | backend | orders exp | placed | dup | lost | msgs due | sent | sent 2x |" in printed
