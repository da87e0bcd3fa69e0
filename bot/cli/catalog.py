"""`chatcart catalog import`: products from a CSV or JSON file, every row or none."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import Subcommands
from bot.setup.wiring import Services
from catalog.importer import decode_catalog, detect_format, parse_catalog


def _progress(done: int, total: int) -> None:
    print(
        f"\r  applied {done}/{total} products", end="" if done < total else "\n", file=sys.stderr, flush=True
    )


async def import_catalog(services: Services, args: argparse.Namespace) -> int:
    path = Path(args.file)
    text = decode_catalog(await asyncio.to_thread(path.read_bytes), path.name, args.encoding)
    store = services.store
    fmt = args.format or detect_format(path.name)
    rows = parse_catalog(text, currency=store.currency, fmt=fmt, locale=store.price_locale)
    show_progress = len(rows) >= 1000 or sys.stderr.isatty()
    created, updated = await services.catalog.import_products(rows, _progress if show_progress else None)
    noun = "product" if len(rows) == 1 else "products"
    print(
        f"Imported {len(rows)} {noun} from {path.name}: {created} new, {updated} updated "
        f"(prices in {store.currency})."
    )
    return 0


def add_commands(sub: Subcommands) -> None:
    catalog = sub.add_parser("catalog", help="products").add_subparsers(dest="catalog_command", required=True)
    command = catalog.add_parser("import", help="import products from CSV or JSON (updates by SKU)")
    command.add_argument("file", help="columns: sku,name,price,stock,category,description,image_url,aliases")
    command.add_argument("--format", choices=["csv", "json"], help="default: from the file name")
    command.add_argument(
        "--encoding", help="the file's text encoding, e.g. cp1252 (default: UTF-8, or UTF-16 with its mark)"
    )
    command.set_defaults(run=import_catalog)
