"""Bad input gets a 4xx that says what is wrong, never a 500: the Telegram webhook and the web chat."""
from __future__ import annotations

import httpx
import pytest

from bot.runtime import Runtime
from tests.clients import WebCitizen
from tests.test_telegram_delivery import webhook_app  # noqa: F401 (fixture)

RIGHT = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token-for-tests", "Content-Type": "application/json"}
MESSAGE = b'{"message_id": 5, "date": 1760000000, "text": "hi", "chat": {"id": 7, "type": "private"}}'


@pytest.mark.parametrize("body", [
    b"not json", b"\xff\xfe\x00", b"", b"[1, 2]", b'"update"', b"{}", b'{"update_id": "abc"}',
    b'{"update_id": 1, "message": {"text": "no ids"}}',
    b'{"update_id": 1, "message": {"message_id": "x", "date": "y", "chat": 3}}',
    b'{"update_id": 1, "message": {"message_id": 5, "date": 1760000000, "text": "\\ud800", "chat": {"id": 7, "type": "private"}}}',
    b'{"update_id": 1, "message": {"message_id": 5, "date": 1760000000, "text": "a\\u0000b", "chat": {"id": 7, "type": "private"}}}',
    b'{"update_id": 100000000000000000000000, "message": ' + MESSAGE + b"}",
    b"[" * 100_000 + b"]" * 100_000,
], ids=["text", "bad-utf8", "empty", "list", "string", "no-update-id", "wrong-type", "missing-fields",
        "wrong-field-types", "lone-surrogate", "nul", "huge-id", "deep"])
async def test_webhook_refuses_what_is_not_an_update(webhook_app: tuple[str, Runtime], body: bytes) -> None:  # noqa: F811
    base_url, _runtime = webhook_app
    async with httpx.AsyncClient(base_url=base_url) as telegram:
        answer = await telegram.post("/telegram/webhook", content=body, headers=RIGHT)
    assert answer.status_code == 400, answer.text


async def test_an_update_of_an_unknown_kind_is_acknowledged(webhook_app: tuple[str, Runtime]) -> None:  # noqa: F811
    base_url, _runtime = webhook_app
    async with httpx.AsyncClient(base_url=base_url) as telegram:
        answer = await telegram.post("/telegram/webhook", json={"update_id": 5, "future_kind": {}}, headers=RIGHT)
    assert answer.status_code == 200


@pytest.mark.parametrize("after", ["-1", "abc", "1e3", str(2**80), ""])
async def test_web_chat_numbers_are_checked(live_app: str, after: str) -> None:
    async with WebCitizen(live_app) as citizen:
        polled = await citizen.http.get("/chat/api/messages", params={"after": after})
        sent = await citizen.http.post("/chat/api/messages", json={"text": "/help", "after": after})
    assert polled.status_code == 422 and sent.status_code == 422


@pytest.mark.parametrize("text", ["\ud800", "tr\udc00ng", "a\x00b"])
async def test_web_chat_refuses_text_no_database_can_store(live_app: str, text: str) -> None:
    async with WebCitizen(live_app) as citizen:
        answer = await citizen.http.post("/chat/api/messages", content=httpx_json({"text": text}),
                                         headers={"Content-Type": "application/json"})
        assert answer.status_code == 422
        assert (await citizen.http.post("/chat/api/messages", json={"text": "/help"})).status_code == 200


def httpx_json(value: object) -> bytes:
    import json

    return json.dumps(value).encode()  # ASCII-escaped, so a lone surrogate travels as \\ud800
