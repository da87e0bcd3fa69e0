"""`chatcart chat`: shop in this terminal (channel `console`), on the same engine as every channel."""

from __future__ import annotations

import argparse
import asyncio
import uuid

from bot.cli.common import Subcommands
from bot.setup.wiring import Services
from channels.console import CHANNEL, ConsoleChannel


async def chat(services: Services, args: argparse.Namespace) -> int:
    console = services.channels.by_name[CHANNEL]
    assert isinstance(console, ConsoleChannel)
    stop = asyncio.Event()
    background = asyncio.create_task(services.worker.run(stop))
    run = uuid.uuid4().hex[:8]  # message ids unique per session, so claims never swallow a new line
    print(
        f"Chatting with {services.store.store.name} as {console.key}. Type a number to press a choice; "
        "Ctrl-D to leave."
    )
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, "you> ")
            except EOFError:
                break
            if line.strip():
                await services.turns.handle(CHANNEL, console.read(line, services.clock(), run))
    finally:
        stop.set()
        await background
    return 0


def add_commands(sub: Subcommands) -> None:
    command = sub.add_parser("chat", help="talk to the bot in this terminal (channel console)")
    command.add_argument("--user", default="local", help="who you are (each user is a separate shopper)")
    command.set_defaults(run=chat, channels=lambda args: [ConsoleChannel(args.user)])
