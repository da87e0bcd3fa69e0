"""When to try a failed send again, and when to give up on it."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Transient failures are retried for as long as a provider would still take the message (a day),
    with a capped, jittered backoff; `Retry-After` is honoured. Permanent ones are never retried."""

    give_up_after: timedelta = timedelta(hours=24)
    base_delay: float = 2.0
    max_delay: float = 60.0
    jitter: float = 0.2  # ± this fraction, so rows that failed together do not retry together
    rand: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """The wait before the next try. A provider's `Retry-After` says when it takes messages again: we
        wait that long (a little more, spread), not a backoff grown over the failures it answered."""
        if retry_after is not None:
            return timedelta(seconds=retry_after * (1 + self.jitter * abs(2 * self.rand() - 1)))
        seconds = min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay)
        seconds *= 1 + self.jitter * (2 * self.rand() - 1)
        return timedelta(seconds=seconds)

    def gives_up(self, created_at: datetime, now: datetime) -> bool:
        return now - created_at >= self.give_up_after
