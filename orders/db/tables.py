"""SQLAlchemy Core tables for orders, their lines, history, payments, the outbox and idempotency keys."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Table,
    Text,
    false,
    func,
)

from catalog.db.schema import JsonColumn, UtcDateTime, metadata

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("status", String(32), nullable=False, index=True),
    Column("payment_status", String(32), nullable=False),
    Column("payment_method", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subtotal", Integer, nullable=False),
    Column("delivery_fee", Integer, nullable=False, default=0),
    Column("discount", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False),
    Column("customer_name", String(200), nullable=False, default=""),
    Column("customer_phone", String(64), nullable=False, default=""),
    Column("customer_email", String(200), nullable=False, default=""),
    Column("lead_channel", String(32), nullable=True),
    Column("lead_user_id", String(128), nullable=True),
    Column("source", String(16), nullable=False),
    Column("channel", String(32), nullable=False, default=""),
    Column("language", String(16), nullable=False, default="en"),
    Column("delivery_method", String(32), nullable=False, default=""),
    Column("delivery_address", Text, nullable=False, default=""),
    Column("carrier", String(100), nullable=False, default=""),
    Column("tracking_number", String(100), nullable=False, default=""),
    Column("expected_delivery_date", Date, nullable=True),
    Column("warehouse", String(100), nullable=False, default=""),
    Column("fields", JsonColumn, nullable=False, default=dict),
    Column("note", Text, nullable=False, default=""),
    # The sales manager: a staff email (up to 200 characters) or "system"; checked by a manager or not.
    Column("assignee", String(200), nullable=False, default=""),
    Column("assignee_confirmed", Boolean, nullable=False, default=False, server_default=false()),
    Column("remind_at", UtcDateTime, nullable=True),
    Column("reminder_sent_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_orders_lead", "lead_channel", "lead_user_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("product_id", Integer, ForeignKey("products.id", ondelete="SET NULL"), nullable=True),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Integer, nullable=False),
    Column("fields", JsonColumn, nullable=False, default=dict),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(48), nullable=False),
    Column("actor", String(200), nullable=False),  # a staff email is up to 200 characters
    Column("at", UtcDateTime, nullable=False),
    Column("data", JsonColumn, nullable=False, default=dict),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("amount", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("reference", String(200), nullable=False, default=""),
    Column("status", String(32), nullable=False),
    Column("fee", Integer, nullable=False, default=0),
    Column("net", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    # 0010: how it was paid, what staff noted, refunds against it, and a void that keeps it in the history.
    Column("method", String(32), nullable=False, server_default=""),
    Column("comment", Text, nullable=False, server_default=""),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("refunded", Integer, nullable=False, server_default="0"),
    Column("actor", String(100), nullable=False, server_default=""),
    Column("voided_at", UtcDateTime, nullable=True),
    Column("voided_by", String(100), nullable=False, server_default=""),
    Index("ix_payments_created_at", "created_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("recipient", String(300), nullable=False),
    Column("payload", JsonColumn, nullable=False),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="SET NULL"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("due_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    # Which sender delivers it: the lead channel of a chat message, `merchant` for webhooks. A process claims
    # only the channels it can send on.
    Column("channel", String(32), nullable=False, server_default=""),
    Column("lease_owner", String(64), nullable=True),  # the worker sending it, while leased
    Index("ix_outbox_due", "status", "due_at"),
    Index("ix_outbox_recipient", "recipient", "status", "due_at"),  # what holds a chat back (claim_due)
)

# Every running process that sends the outbox, and when it last said it was alive: a row leased by a worker
# that stopped saying so is taken over within seconds, not when the lease ends.
workers = Table(
    "workers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("heartbeat_at", UtcDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)

FIRST_ORDER_NUMBER = 1001
# PostgreSQL numbers orders from a sequence: a counter row would make every transaction that places an
# order wait for the previous one to commit (with group commit, whole batches of turns). A number taken
# by a transaction that rolls back is skipped; SQLite, with one writer, keeps the gapless counter above.
order_numbers = Sequence("order_numbers", start=FIRST_ORDER_NUMBER, minvalue=1, metadata=metadata)

# The dashboard's orders list and customers (100,000 orders within 100 ms: bench/orders_list.py):
# a customer without a chat is found by phone, a parcel by its exact tracking number, and a status card's
# or tab's page newest first without sorting the whole group.
Index("ix_orders_customer_phone", orders.c.customer_phone)
Index("ix_orders_tracking_number", orders.c.tracking_number)
Index("ix_orders_status_created", orders.c.status, orders.c.created_at)
# 0013: newest first with its tie-break, read from the index alone (a deep page skips index entries, not
# rows). The text search's structures differ per database (pg_trgm GIN indexes, an FTS5 table: see
# migration 0013) and are not declared here.
Index("ix_orders_created_id", orders.c.created_at, orders.c.id)
# Each filter's index carries the status, so that the stat cards count its orders from the index alone
# (fetching the rows of one channel took 21 ms on SQLite at 100,000 orders, counting its entries 3 ms).
Index("ix_orders_channel", orders.c.channel, orders.c.status)
Index("ix_orders_payment_status", orders.c.payment_status, orders.c.status)
Index("ix_orders_warehouse", orders.c.warehouse, orders.c.status)
_o = orders.c  # the delivery service as typed, in any case, with the warehouse beside it
Index("ix_orders_carrier", func.lower(_o.carrier), _o.warehouse, _o.status, _o.carrier)
# Orders without a chat belong to their contact: the customers page counts those contacts from this alone.
_CONTACT = ("lead_channel", "channel", "source", "customer_phone", "customer_email", "number")
_NO_LEAD = _o.lead_channel.is_(None)
Index("ix_orders_contacts", *(_o[c] for c in _CONTACT), sqlite_where=_NO_LEAD, postgresql_where=_NO_LEAD)

# --- Payments (issue 12): the columns 0010 adds to `payments` are declared on it above -------------------

# The one checkout an order has with a provider, and the token of its own pay link (`/pay/<token>`): the link
# sent in chat stays the same while the provider's session behind it is renewed (attempt 2, 3…) once expired.
payment_links = Table(
    "payment_links",
    metadata,
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("provider", String(32), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("session_id", String(200), nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# Provider events processed, by their own id: a replay or a retry finds its id here and changes nothing.
payment_events = Table(
    "payment_events",
    metadata,
    Column("event_id", String(200), primary_key=True),
    Column("provider", String(32), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="SET NULL"), nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
)
