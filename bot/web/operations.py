"""What operators and their tools call: /healthz (liveness), /readyz (readiness) and /metrics (Prometheus)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import prometheus_client
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel, Field

from bot.setup.probes import STATUS_NAMES, OutboxSnapshot, outbox_snapshot, readiness
from bot.web.api.errors import error_body
from bot.web.deps import AppServices

router = APIRouter(tags=["operations"])

# The `_created` timestamp beside every counter doubles the series and no dashboard of ours reads it.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]


class HealthOut(BaseModel):
    """The process is up."""

    status: str = Field(examples=["ok"])


class BacklogOut(BaseModel):
    """Outbox messages not sent yet (due now, or waiting to retry)."""

    pending: int
    oldest_pending_seconds: float | None = Field(description="age of the oldest; null when none waits")


class ReadyOut(BaseModel):
    """Each dependency's state, and the outbox backlog."""

    status: str = Field(examples=["ready"])
    checks: dict[str, str] = Field(examples=[{"database": "ok", "redis": "not configured"}])
    outbox: BacklogOut | None


class NotReadyOut(BaseModel):
    """A dependency does not answer; `checks` says which."""

    error: str
    code: str = Field(examples=["not_ready"])
    checks: dict[str, str] = Field(examples=[{"database": "unavailable: OperationalError", "redis": "ok"}])
    outbox: BacklogOut | None


@router.get("/healthz", response_model=HealthOut)
async def healthz() -> dict[str, str]:
    """Liveness: 200 while the process runs and serves (it checks nothing else)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": NotReadyOut}})
async def readyz(app: AppServices) -> Any:
    """Readiness: 200 when the database (and Redis, when configured) answer; 503 otherwise."""
    found = await readiness(app)
    outbox = None
    if found.backlog is not None:
        outbox = {"pending": found.backlog.pending, "oldest_pending_seconds": found.oldest_pending_seconds}
    if not found.failing:
        return {"status": "ready", "checks": found.checks, "outbox": outbox}
    failing = ", ".join(f"{name} {state}" for name, state in found.failing.items())
    body = error_body(f"not ready: {failing}", "not_ready", checks=found.checks, outbox=outbox)
    return JSONResponse(body, status_code=503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {prometheus_client.CONTENT_TYPE_LATEST: {}}, "description": "text format"}},
)
async def metrics(app: AppServices) -> Response:
    """Prometheus metrics: this process's counters and histograms, and the outbox read from the database."""
    snapshot = await outbox_snapshot(app)
    scrape = prometheus_client.CollectorRegistry(auto_describe=False)
    scrape.register(_OutboxCollector(snapshot))
    body = prometheus_client.generate_latest() + prometheus_client.generate_latest(scrape)
    return Response(body, media_type=prometheus_client.CONTENT_TYPE_LATEST)


class _OutboxCollector(Collector):
    """The outbox table at scrape time: shared by every process, so each one's /metrics says the same."""

    def __init__(self, snapshot: OutboxSnapshot | None) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snapshot = self._snapshot
        up = int(snapshot is not None)
        yield GaugeMetricFamily("chatcart_database_up", "1 when this scrape read the database.", value=up)
        if snapshot is None:
            return
        messages = GaugeMetricFamily(
            "chatcart_outbox_messages",
            "Outbox messages by channel and status (pending, sent, failed).",
            labels=["channel", "status"],
        )
        # Every status of every channel seen, zeros included, so a series never vanishes when it empties.
        for channel in sorted({channel for channel, _ in snapshot.counts}):
            for status in STATUS_NAMES.values():
                messages.add_metric([channel, status], snapshot.counts.get((channel, status), 0))
        yield messages
        yield GaugeMetricFamily(
            "chatcart_outbox_oldest_pending_age_seconds",
            "Age of the oldest message waiting to be sent; 0 when none waits.",
            value=snapshot.oldest_pending_seconds or 0.0,
        )
