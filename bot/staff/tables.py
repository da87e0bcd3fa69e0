"""The staff tables: accounts, their sessions (shared by every process), failed sign-ins, the setup link."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from catalog.db.schema import UtcDateTime, metadata

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(200), nullable=False, unique=True),  # lower case
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The cookie holds a random token; only its hash is kept, so a copy of the database opens no session.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# Failed sign-ins per account ("account:<email>") and per address ("address:<ip>") in the current window.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", UtcDateTime, nullable=False),
)

# The one-time link that lets the first owner set a password; its hash only.
setup_links = Table(
    "setup_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False),
)
