"""The capacity floor for bench/capacity.py: a bare FastAPI endpoint that stores one row per request
on the same database, served by uvicorn like the app.

Run: DATABASE_URL=... PORT=... python -m bench.bare_endpoint
"""
from __future__ import annotations

import os
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage import create_database


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "bare_row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)


def app() -> FastAPI:
    db = create_database(os.environ["DATABASE_URL"])
    api = FastAPI()

    @api.on_event("startup")
    async def create() -> None:
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    @api.post("/telegram/webhook")
    async def store(request: Request) -> dict[str, Any]:
        update = await request.json()
        async with db.transaction() as session:
            session.add(Row(key=str(update["update_id"]), body=str(update)))
        return {"ok": True}

    return api


if __name__ == "__main__":
    uvicorn.run(app(), host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
