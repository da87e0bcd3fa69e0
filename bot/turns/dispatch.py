"""Hand an inbound chat message to the shopping flow, or to the admin commands when staff send one."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from bot.setup.wiring import Container
from bot.turns.admin import is_admin_command
from flows.messages import InboundKind, InboundMessage

STAFF_ONLY = "Sorry, that command is only for the store's staff."


def _admin_work(container: Container, inbound: InboundMessage) -> Callable[[Connection], str]:
    """Admin commands run for the channel's admin chat or number only; others hear they are for staff."""
    channel = inbound.key.channel
    admin = container.admin_ids.get(channel)
    if admin is not None and inbound.key.user_id == admin:
        return lambda conn: container.admin.run(conn, inbound.text, f"{channel}:{admin}")
    return lambda _conn: STAFF_ONLY


async def dispatch(container: Container, inbound: InboundMessage) -> None:
    """One message, processed once (its provider id is claimed), its replies sent after commit."""
    channel = inbound.key.channel
    if inbound.kind is InboundKind.TEXT and is_admin_command(inbound.text):
        await container.turns.answer_once(channel, inbound, _admin_work(container, inbound))
    else:
        await container.turns.handle(channel, inbound)
