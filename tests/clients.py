"""Small clients that act like a person: a citizen in the web chat, a staff member on the API."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

# What the chat page's script and any API tool send: state-changing JSON calls without it are refused.
JSON_HEADERS = {"X-Requested-With": "fetch"}


class WebCitizen:
    """A browser-less citizen in the web chat: sends text, presses buttons, reads replies."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=10, headers=JSON_HEADERS)
        self.seen: list[dict[str, Any]] = []

    async def __aenter__(self) -> WebCitizen:
        (await self.http.get("/chat")).raise_for_status()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    @property
    def last_id(self) -> int:
        return max((m["id"] for m in self.seen), default=0)

    async def _post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        body.setdefault("client_message_id", uuid.uuid4().hex)
        response = await self.http.post("/chat/api/messages", json={**body, "after": self.last_id})
        response.raise_for_status()
        new = response.json()["messages"]
        self.seen.extend(new)
        return [m for m in new if m["direction"] == "out"]

    async def say(self, text: str, client_message_id: str | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"text": text}
        if client_message_id:
            body["client_message_id"] = client_message_id
        return await self._post(body)

    async def press(self, value: str) -> list[dict[str, Any]]:
        """Press a button the bot showed; a test must not press one it never showed."""
        shown = {b["value"] for m in self.seen if m["direction"] == "out" for row in m["buttons"] for b in row}
        assert value in shown, f"no button {value!r} was shown; buttons: {sorted(shown)}"
        return await self._post({"data": value})

    async def poll(self) -> list[dict[str, Any]]:
        response = await self.http.get("/chat/api/messages", params={"after": self.last_id})
        response.raise_for_status()
        new = response.json()["messages"]
        self.seen.extend(new)
        return [m for m in new if m["direction"] == "out"]

    async def wait_for(self, fragment: str, timeout: float = 5.0) -> dict[str, Any]:
        for message in self.seen:
            if message["direction"] == "out" and fragment in message["text"]:
                return message
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for message in await self.poll():
                if fragment in message["text"]:
                    return message
            await asyncio.sleep(0.05)
        raise AssertionError(f"no bot message containing {fragment!r}; got {[m['text'][:80] for m in self.seen]}")


class StaffApi:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=10, headers=JSON_HEADERS)

    async def login(self, username: str, password: str) -> StaffApi:
        response = await self.http.post("/api/session", json={"username": username, "password": password})
        response.raise_for_status()
        return self

    async def aclose(self) -> None:
        await self.http.aclose()

    async def cases(self) -> list[dict[str, Any]]:
        response = await self.http.get("/api/cases")
        response.raise_for_status()
        return response.json()

    async def act(self, code: str, verb: str, **body: Any) -> httpx.Response:
        return await self.http.post(f"/api/cases/{code}/{verb}", json=body)
