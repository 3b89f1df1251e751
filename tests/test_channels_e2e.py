"""One citizen story on every channel, each against its own fake platform: report -> tracking code
-> the staff reply arrives -> resolve -> rating.  Button channels press buttons; text-only channels
(Zalo Bot, Zalo OA) answer the numbered choices in words, driven by the channel's capabilities."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot import webchat
from bot.runtime import build_runtime, create_app
from handlers import NluPort, Settings
from tests.clients import StaffApi, WebCitizen
from tests.fakes import FakeTelegramServer
from tests.fakes.zalo_bot_api import FakeZaloBotServer
from tests.fakes.zalo_oa_api import FakeZaloOaServer
from tests.live import live_server
from tests.telegram_citizen import TelegramCitizen
from tests.zalo_citizens import OaCitizen, ZaloCitizen

CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")


class Citizen(Protocol):
    def mark(self) -> int: ...
    async def say(self, text: str) -> None: ...
    async def choose(self, value: str, words: str) -> None: ...
    async def wait_for(self, fragment: str, after: int) -> str: ...


@dataclass
class OnWeb:
    web: WebCitizen

    def mark(self) -> int:
        return len(self.web.seen)

    async def say(self, text: str) -> None:
        await self.web.say(text)

    async def choose(self, value: str, words: str) -> None:
        await self.web.press(value)

    async def wait_for(self, fragment: str, after: int) -> str:
        for message in self.web.seen[after:]:
            if message["direction"] == "out" and fragment in message["text"]:
                return str(message["text"])
        return str((await self.web.wait_for(fragment, timeout=10))["text"])


@dataclass
class OnTelegram:
    tg: TelegramCitizen

    def mark(self) -> int:
        return len(self.tg.received)

    async def say(self, text: str) -> None:
        self.tg.say(text)

    async def choose(self, value: str, words: str) -> None:
        self.tg.press(value)

    async def wait_for(self, fragment: str, after: int) -> str:
        return str((await self.tg.wait_for(fragment, after=after))["text"])


@dataclass
class OnText:
    """Zalo Bot or Zalo OA: no buttons, the citizen types the choice."""

    person: ZaloCitizen | OaCitizen

    def mark(self) -> int:
        return len(self.person.received)

    async def say(self, text: str) -> None:
        await self.person.say(text)

    async def choose(self, value: str, words: str) -> None:
        await self.person.say(words)

    async def wait_for(self, fragment: str, after: int) -> str:
        return str((await self.person.wait_for(fragment, after=after))["text"])


@pytest.fixture(params=["web", "telegram", "zalo", "zalo_oa"])
async def channel_app(request: pytest.FixtureRequest, settings: Settings, nlu_port: NluPort, tmp_path: Path
                      ) -> AsyncIterator[tuple[str, Citizen]]:
    """The whole system with one channel switched on, and a citizen of that channel."""
    kind: str = request.param
    async with _platform(kind) as platform:
        extra = _channel_settings(kind, platform, tmp_path, settings)
        runtime = await build_runtime(settings.model_copy(update=extra), nlu=nlu_port, progress=lambda _m: None)
        adapter = {"web": None, "telegram": runtime.telegram, "zalo": runtime.zalo, "zalo_oa": runtime.zalo_oa}[kind]
        capabilities = webchat.CAPABILITIES if adapter is None else adapter.capabilities
        async with live_server(create_app(runtime)) as base_url:
            if kind == "web":
                async with WebCitizen(base_url) as web:
                    yield base_url, OnWeb(web)
            elif kind == "telegram":
                yield base_url, OnTelegram(TelegramCitizen(platform, user_id=7101, name="Hoa"))
            else:
                assert not capabilities.buttons, "a channel without buttons is answered in words"
                person = ZaloCitizen(platform, "b1b2c3d4e5f60718293a") if kind == "zalo" else OaCitizen(platform, base_url)
                yield base_url, OnText(person)
        await runtime.core.db.dispose()


class _NoPlatform:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_exc: object) -> None:
        return None


def _platform(kind: str) -> Any:
    return {"web": _NoPlatform, "telegram": FakeTelegramServer, "zalo": FakeZaloBotServer,
            "zalo_oa": FakeZaloOaServer}[kind]()


def _channel_settings(kind: str, platform: Any, tmp_path: Path, settings: Settings) -> dict[str, Any]:
    if kind == "telegram":
        return {"telegram_bot_token": platform.token, "telegram_api_base_url": platform.base_url}
    if kind == "zalo":
        return {"zalo_bot_token": platform.token, "zalo_api_base_url": platform.base_url}
    if kind == "zalo_oa":
        config = tmp_path / "config.yml"
        config.write_text(Path(settings.config_path).read_text(encoding="utf-8"), encoding="utf-8")
        return {"config_path": config, "zalo_oa_app_id": platform.app_id,
                "zalo_oa_secret_key": platform.oa_secret_key, "zalo_oa_app_secret": platform.app_secret,
                "zalo_oa_access_token": platform.access_token, "zalo_oa_refresh_token": platform.refresh_token,
                "zalo_oa_api_base_url": platform.base_url, "zalo_oa_oauth_base_url": platform.base_url}
    return {}


async def test_the_same_story_on_every_channel(channel_app: tuple[str, Citizen]) -> None:
    base_url, citizen = channel_app
    mark = citizen.mark()
    await citizen.say("Công ty nợ lương 3 tháng rồi, em ở Bắc Ninh")
    await citizen.wait_for("Nghị định 13/2023", mark)
    await citizen.choose("consent:yes", "đồng ý")
    await citizen.wait_for("xã/phường nào của Bắc Ninh", mark)
    await citizen.choose("skip:commune", "bỏ qua")
    await citizen.wait_for("liên hệ với bạn", mark)
    await citizen.say("0912 345 678")
    await citizen.wait_for("Gửi phản ánh này?", mark)
    await citizen.choose("confirm:send", "gửi")
    created = await citizen.wait_for("Mã tra cứu", mark)
    match = CODE.search(created)
    assert match
    code = match.group(0)

    staff = await StaffApi(base_url).login("congdoan.bacninh", "demo-bacninh")
    try:
        mark = citizen.mark()
        assert (await staff.act(code, "reply", text="Công đoàn đã làm việc với công ty.")).status_code == 200
        await citizen.wait_for("Công đoàn đã làm việc với công ty.", mark)
        assert (await staff.act(code, "resolve", text="Công ty đã trả đủ lương.")).status_code == 200
        await citizen.wait_for("Công ty đã trả đủ lương.", mark)
        await citizen.choose(f"rate:{code}:4", "4 sao")
        await citizen.wait_for("4/5", mark)
        assert next(c for c in await staff.cases() if c["code"] == code)["rating"] == 4
    finally:
        await staff.aclose()
