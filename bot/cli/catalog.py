"""`chatcart catalog import`: products from a CSV or JSON file, every row or none."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import Subcommands
from bot.setup.wiring import Services
from catalog.importer import detect_format, parse_catalog


def _progress(done: int, total: int) -> None:
    print(
        f"\r  applied {done}/{total} products", end="" if done < total else "\n", file=sys.stderr, flush=True
    )


async def import_catalog(services: Services, args: argparse.Namespace) -> int:
    path = Path(args.file)
    text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    rows = parse_catalog(text, currency=services.store.currency, fmt=args.format or detect_format(path.name))
    show_progress = len(rows) >= 1000 or sys.stderr.isatty()
    created, updated = await services.catalog.import_products(rows, _progress if show_progress else None)
    print(
        f"Imported {len(rows)} products from {path.name}: {created} new, {updated} updated "
        f"(prices in {services.store.currency})."
    )
    return 0


def add_commands(sub: Subcommands) -> None:
    catalog = sub.add_parser("catalog", help="products").add_subparsers(dest="catalog_command", required=True)
    command = catalog.add_parser("import", help="import products from CSV or JSON (updates by SKU)")
    command.add_argument("file", help="columns: sku,name,price,stock,category,description,image_url,aliases")
    command.add_argument("--format", choices=["csv", "json"], help="default: from the file name")
    command.set_defaults(run=import_catalog)
