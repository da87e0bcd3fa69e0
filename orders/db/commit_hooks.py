"""Work that must follow a commit and never a rollback: logging and counting what a transaction did."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, event


def when_committed(conn: Connection, announce: Callable[[], None]) -> None:
    """Call `announce` once the caller's transaction commits: a chat turn or a batch of them that rolls
    back placed and moved nothing, so it must neither log nor count."""
    settled = False

    def on_commit(_conn: Connection) -> None:
        nonlocal settled
        if not settled:
            settled = True
            announce()

    def on_rollback(_conn: Connection) -> None:
        nonlocal settled
        settled = True

    event.listen(conn, "commit", on_commit)
    event.listen(conn, "rollback", on_rollback)
