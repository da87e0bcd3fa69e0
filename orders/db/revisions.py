"""The schema's migration history for `chatcart db current` and `db history`: each revision, newest first,
and which of them the database has."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import ScriptDirectory

from orders.db import migrate


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration, and whether the database has it."""

    id: str
    title: str
    applied: bool
    current: bool


def history(current: str | None) -> list[Revision]:
    """Every revision this version ships, newest first; those at or below `current` are applied."""
    scripts = list(ScriptDirectory.from_config(migrate._config()).walk_revisions())
    ids = [script.revision for script in scripts]
    # An unknown `current` (a newer chatcart migrated this database) leaves all of ours marked applied.
    below = ids.index(current) if current in ids else (len(ids) if current is None else 0)
    return [
        Revision(script.revision, (script.doc or "").strip(), i >= below, script.revision == current)
        for i, script in enumerate(scripts)
    ]
