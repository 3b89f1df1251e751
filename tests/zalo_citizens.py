"""Zalo citizens in tests: they write as Zalo delivers (polled, or POSTed to our webhook) and read
what the fake platforms received."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.fakes.zalo_bot_api import FakeZaloBotServer
from tests.fakes.zalo_oa_api import FakeZaloOaServer

ZALO_WEBHOOK_SECRET = "zalo-webhook-secret-123"
OA_CITIZEN = "3333333333333333333"


class ZaloCitizen:
    """Writes through the fake (polling) or straight to our webhook, as Zalo would deliver it."""

    def __init__(self, server: FakeZaloBotServer, user_id: str, webhook: str | None = None) -> None:
        self.server, self.user_id, self.webhook = server, user_id, webhook

    @property
    def received(self) -> list[dict[str, Any]]:
        return self.server.messages_to(self.user_id)

    async def say(self, text: str) -> None:
        update = self.server.event(self.user_id, text=text)
        if self.webhook is None:
            self.server.push(update)
            return
        async with httpx.AsyncClient() as http:
            answer = await http.post(self.webhook, json=update, headers={"X-Bot-Api-Secret-Token": ZALO_WEBHOOK_SECRET})
            assert answer.status_code == 200, answer.text

    async def wait_for(self, fragment: str, after: int = 0) -> dict[str, Any]:
        return await self.server.wait_for_text(self.user_id, fragment, after)


class OaCitizen:
    def __init__(self, server: FakeZaloOaServer, base_url: str) -> None:
        self.server, self.hook = server, f"{base_url}/zalo-oa/webhook"

    @property
    def received(self) -> list[dict[str, Any]]:
        return self.server.messages_to(OA_CITIZEN)

    async def send(self, event: dict[str, Any]) -> httpx.Response:
        raw, headers = self.server.sign(event)
        async with httpx.AsyncClient() as http:
            return await http.post(self.hook, content=raw, headers=headers)

    async def say(self, text: str) -> None:
        answer = await self.send(self.server.event(OA_CITIZEN, text=text))
        assert answer.status_code == 200, answer.text

    async def wait_for(self, fragment: str, after: int = 0, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.received[after:]:
                if fragment in message["text"]:
                    return message
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {fragment!r}; got {[m['text'][:60] for m in self.received]}")
