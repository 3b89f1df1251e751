"""Test doubles for Lắng Nghe's external services.

The fixtures live here (not in a conftest) so any conftest can re-export them::

    # tests/conftest.py
    from tests.fakes import fake_telegram_bot, fake_telegram_server  # noqa: F401
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from aiogram import Bot

from .telegram_api import (
    DEFAULT_TOKEN,
    ApiCall,
    FakeTelegramServer,
    TelegramApiError,
    create_bot,
)

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "FakeTelegramServer",
    "TelegramApiError",
    "create_bot",
    "fake_telegram_bot",
    "fake_telegram_server",
]


@pytest_asyncio.fixture
async def fake_telegram_server() -> AsyncIterator[FakeTelegramServer]:
    """A started fake Bot API on 127.0.0.1, stopped (long polls released) after the test."""
    async with FakeTelegramServer() as server:
        yield server


@pytest_asyncio.fixture
async def fake_telegram_bot(fake_telegram_server: FakeTelegramServer) -> AsyncIterator[Bot]:
    """A real aiogram Bot talking to ``fake_telegram_server``; its HTTP session is closed
    afterwards so no "Unclosed client session" warnings leak into other tests."""
    bot = create_bot(fake_telegram_server)
    try:
        yield bot
    finally:
        await bot.session.close()
