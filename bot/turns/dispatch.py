"""Hand an inbound chat message to the shopping flow, or to the admin commands when staff send one."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Connection

from bot.turns.admin import AdminCommands, is_admin_command
from bot.turns.runner import TurnRunner
from flows.messages import InboundKind, InboundMessage

STAFF_ONLY = "Sorry, that command is only for the store's staff."


class Dispatcher:
    """What every webhook and the web chat hand their messages to: each is processed once (its provider id
    is claimed), and its replies are sent after commit."""

    def __init__(self, turns: TurnRunner, admin: AdminCommands, admins: Mapping[str, str]) -> None:
        self._turns = turns
        self._admin = admin
        self._admins = admins  # lead channel -> the staff's user id there

    async def __call__(self, inbound: InboundMessage) -> None:
        channel = inbound.key.channel
        if inbound.kind is InboundKind.TEXT and is_admin_command(inbound.text):
            await self._turns.answer_once(channel, inbound, self._admin_work(inbound))
        else:
            await self._turns.handle(channel, inbound)

    def _admin_work(self, inbound: InboundMessage) -> Callable[[Connection], str]:
        """Admin commands run for the channel's admin chat or number only; others hear they are for staff."""
        channel = inbound.key.channel
        admin = self._admins.get(channel)
        if admin is not None and inbound.key.user_id == admin:
            return lambda conn: self._admin.run(conn, inbound.text, f"{channel}:{admin}")
        return lambda _conn: STAFF_ONLY
