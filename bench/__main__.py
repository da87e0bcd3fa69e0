"""`python -m bench`: run every benchmark and print its numbers."""

from __future__ import annotations

import asyncio

from bench import orders_core, orders_list, processes, telegram_flow

if __name__ == "__main__":
    asyncio.run(orders_core.main())
    asyncio.run(telegram_flow.main())
    asyncio.run(orders_list.main())
    asyncio.run(processes.main())
