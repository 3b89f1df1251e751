"""A simulated Telegram user, acting through the fake Bot API server as a person would."""
from __future__ import annotations

from typing import Any

from tests.fakes import FakeTelegramServer


class TelegramCitizen:
    def __init__(self, server: FakeTelegramServer, user_id: int, name: str = "Dân") -> None:
        self.server, self.user_id, self.name = server, user_id, name

    @property
    def received(self) -> list[dict[str, Any]]:
        return self.server.messages_to(self.user_id)

    def say(self, text: str) -> dict[str, Any]:
        return self.server.user_sends_text(self.user_id, text, first_name=self.name)

    def press(self, value: str) -> dict[str, Any]:
        """Press the newest button with that value the bot showed in this chat."""
        for message in reversed(self.received):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            if any(b.get("callback_data") == value for row in rows for b in row):
                return self.server.user_clicks(self.user_id, message["message_id"], value)
        raise AssertionError(f"the bot never showed a button {value!r}")

    async def wait_for(self, fragment: str, after: int = 0, timeout: float = 10.0) -> dict[str, Any]:
        return await self.server.wait_for_message(
            self.user_id, lambda m: fragment in (m.get("text") or ""), timeout=timeout, after=after)
