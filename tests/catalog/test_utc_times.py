"""Times stored on SQLite: chatcart's own bind writes exactly the text SQLAlchemy's DATETIME would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from catalog.db.schema import UtcDateTime

DIALECT = sqlite.dialect()
_OURS = UtcDateTime().bind_processor(DIALECT)
_SQLALCHEMYS = sqlite.DATETIME().bind_processor(DIALECT)  # type: ignore[no-untyped-call]


def stored(value: datetime | None) -> object:
    assert _OURS is not None
    return _OURS(value)


def sqlalchemy_text(value: datetime) -> object:
    assert _SQLALCHEMYS is not None
    return _SQLALCHEMYS(value)


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 12, 2, 14, 5, 9, 123456, tzinfo=UTC),
        datetime(2026, 12, 2, 14, 5, 9, tzinfo=UTC),  # no microseconds: still six digits
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC),
        datetime(2026, 12, 2, 20, 35, tzinfo=timezone(timedelta(hours=5, minutes=30))),  # stored as UTC
    ],
)
def test_an_aware_time_is_stored_as_sqlalchemys_text_in_utc(when: datetime) -> None:
    assert stored(when) == sqlalchemy_text(when.astimezone(UTC).replace(tzinfo=None))


def test_nothing_stays_nothing_and_a_naive_time_is_refused() -> None:
    assert stored(None) is None
    with pytest.raises(ValueError, match="naive"):
        stored(datetime(2026, 12, 2, 14, 5))


def test_the_same_time_bound_again_and_others_between_keep_their_own_text() -> None:
    first = datetime(2026, 12, 3, 6, 0, 0, 1, tzinfo=UTC)
    india = datetime(2026, 12, 3, 11, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert [stored(first), stored(first), stored(None), stored(india), stored(first)] == [
        "2026-12-03 06:00:00.000001",
        "2026-12-03 06:00:00.000001",
        None,
        "2026-12-03 06:00:00.000000",
        "2026-12-03 06:00:00.000001",
    ]
