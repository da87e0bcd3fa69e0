"""Every table, registered on the shared metadata: the schema as a whole (what the migrations must build)."""

from __future__ import annotations

import bot.conversations.sql
import bot.delivery.health
import bot.delivery.web_mailboxes
import bot.delivery.windows
import bot.staff.tables
import bot.turns.claims
import bot.turns.failures  # noqa: F401
import orders.db.tables  # noqa: F401
