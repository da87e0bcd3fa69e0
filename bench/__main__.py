"""`python -m bench`: run every benchmark and print its numbers."""

from __future__ import annotations

import asyncio

from bench import orders_core, processes, telegram_flow

if __name__ == "__main__":
    asyncio.run(orders_core.main())
    asyncio.run(telegram_flow.main())
    asyncio.run(processes.main())
