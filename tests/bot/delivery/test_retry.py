"""The retry policy: capped, jittered backoff; a provider's Retry-After is what it says."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery.retry import RetryPolicy

STEADY = RetryPolicy(rand=lambda: 0.5)  # no jitter


def test_backoff_doubles_up_to_a_minute() -> None:
    assert [STEADY.delay(n).total_seconds() for n in (1, 2, 3, 6, 7, 20)] == [2, 4, 8, 60, 60, 60]


def test_jitter_spreads_retries_by_a_fifth_either_way() -> None:
    assert RetryPolicy(rand=lambda: 0.0).delay(3) == timedelta(seconds=6.4)
    assert RetryPolicy(rand=lambda: 1.0).delay(3) == timedelta(seconds=9.6)


def test_a_rate_limit_waits_as_long_as_the_provider_says_however_often_it_failed() -> None:
    """Found by the drill: after 30 s of 429s (Retry-After 3) rows waited their backoff of up to a minute,
    and messages reached shoppers 17 s after the provider took them again."""
    assert STEADY.delay(1, retry_after=3) == timedelta(seconds=3)
    assert STEADY.delay(9, retry_after=3) == timedelta(seconds=3)
    assert STEADY.delay(9, retry_after=90) == timedelta(seconds=90)
    spread = RetryPolicy(rand=lambda: 1.0).delay(9, retry_after=3)
    assert timedelta(seconds=3) <= spread <= timedelta(seconds=3.6)  # a little later, never sooner
