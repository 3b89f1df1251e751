"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database and every
configured channel work). A load balancer restarts on the first and routes on the second."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from web.deps import CoreDep

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@dataclass
class ChannelHealth:
    """One channel's link to its platform: "starting" until the first answer, then "up" or "down"."""

    name: str
    state: str = "starting"
    since: datetime = field(default_factory=lambda: datetime.now(UTC))
    error: str | None = None

    def up(self) -> None:
        if self.state != "up":
            log.info("%s channel is up (was %s)", self.name, self.state)
            self.state, self.since, self.error = "up", datetime.now(UTC), None

    def down(self, error: str) -> None:
        if self.state != "down":
            log.warning("%s channel is down: %s", self.name, error)
            self.state, self.since = "down", datetime.now(UTC)
        self.error = error[:300]

    def report(self) -> dict[str, Any]:
        return {"state": self.state, "since": self.since.isoformat(), **({"error": self.error} if self.error else {})}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: the event loop answers. Nothing outside the process is asked."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, core: CoreDep) -> JSONResponse:
    """Ready: the database answers and every configured channel reaches its platform; 503 otherwise."""
    try:
        async with core.db.sessions() as session:
            await session.execute(text("SELECT 1"))
        database: dict[str, Any] = {"state": "up"}
    except Exception as exc:  # any failure to reach it is "down", whatever the driver raises
        database = {"state": "down", "error": type(exc).__name__}
    channels: dict[str, ChannelHealth] = request.app.state.channels
    report = {name: health.report() for name, health in sorted(channels.items())}
    ready = database["state"] == "up" and all(health.state == "up" for health in channels.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "database": database, "channels": report},
                        status_code=200 if ready else 503)
