"""Liveness for load balancers and `make run`'s own start-up check."""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from web.deps import CoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(core: CoreDep) -> dict[str, str]:
    async with core.db.sessions() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok"}
