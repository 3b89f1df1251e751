"""Drive the core directly, as a channel adapter would, and read back what it queued."""
from __future__ import annotations

import itertools
from typing import Any

from handlers import Core, Inbound, InboundKind, claim_pending, handle_inbound, mark_sent

_updates = itertools.count(1)


class CoreChat:
    """One citizen's chat on a made-up channel, straight into `handle_inbound`."""

    def __init__(self, core: Core, user: str = "u1", channel: str = "test") -> None:
        self.core, self.user, self.channel = core, user, channel
        self.received: list[Any] = []

    async def _send(self, kind: InboundKind, text: str = "", data: str | None = None, **extra: Any) -> list[Any]:
        await handle_inbound(self.core, Inbound(
            channel=self.channel, chat_id=self.user, user_id=self.user, kind=kind, text=text, data=data,
            update_id=str(next(_updates)), **extra))
        return await self.deliver()

    async def photo(self, ref: str, caption: str = "") -> str:
        """Send a photo (the platform's reference to it), with words or without."""
        kind = InboundKind.TEXT if caption else InboundKind.UNSUPPORTED
        return "\n".join(r.text for r in await self._send(kind, caption or "photo", photo=ref))

    async def location(self, latitude: float, longitude: float) -> str:
        return "\n".join(r.text for r in await self._send(InboundKind.LOCATION, latitude=latitude,
                                                           longitude=longitude))

    async def deliver(self) -> list[Any]:
        """Play the channel sender: take what the outbox holds for this chat, as a platform would."""
        new = [item for item in await claim_pending(self.core.db, self.channel) if item.chat_id == self.user]
        for item in new:
            await mark_sent(self.core.db, item.outbox_id, None)
        self.received.extend(new)
        return new

    async def say(self, text: str) -> str:
        return "\n".join(r.text for r in await self._send(InboundKind.TEXT, text))

    async def messages(self, text: str) -> list[str]:
        """Say `text`; the bot's answers one message each, in the order the citizen sees them."""
        return [r.text for r in await self._send(InboundKind.TEXT, text)]

    async def press(self, value: str, *, shown: bool = True) -> str:
        """Press a button the bot showed (`shown=False`: one from an old keyboard or a forged one)."""
        offered = {b.value for r in self.received for row in r.buttons for b in row}
        assert not shown or value in offered, f"button {value!r} never shown; shown: {sorted(offered)}"
        return "\n".join(r.text for r in await self._send(InboundKind.BUTTON, data=value))

    def buttons(self) -> list[str]:
        return [b.value for row in self.received[-1].buttons for b in row] if self.received else []

    async def consent(self) -> None:
        await self.say("/start")
        await self.press("consent:yes")

    async def file_report(self, text: str) -> str:
        """Consent, tell the problem, skip the commune, reply in the chat, send: the short path.
        An urgent story is filed at once; its follow-up questions are then answered the same way."""
        await self.consent()
        told = await self.say(text)
        await self.press("skip:commune")
        if "contact:chat" in self.buttons():  # not asked when the story already gave a phone number
            await self.press("contact:chat")
        return told if "Mã tra cứu" in told else await self.press("confirm:send")
