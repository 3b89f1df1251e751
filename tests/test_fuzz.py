"""Never a 500 for bad input: thousands of malformed web-chat and Telegram-webhook requests against
the real app (SQLite, webhook mode, the fake Bot API behind it). Every answer is below 500, and
every message the app accepted is in the transcript exactly once, retries included.

Hypothesis drives a synchronous client, so the app runs in its own thread with its own event loop.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.runtime import build_runtime, create_app
from handlers import NluPort, Settings
from storage import Message, create_database
from tests.clients import JSON_HEADERS
from tests.conftest import ROOT
from tests.fakes import FakeTelegramServer
from tests.live import live_server

SECRET = "fuzz-webhook-secret"
HOOK = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@dataclass
class App:
    url: str
    database_url: str
    answers: list[int] = field(default_factory=list)
    accepted_web: list[tuple[str, str]] = field(default_factory=list)    # (chat id, client message id)
    accepted_updates: set[int] = field(default_factory=set)              # private text messages


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, nlu_model_path: Path,
        nlu_port: NluPort) -> Iterator[App]:
    db_path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copy(sqlite_template, db_path)
    database_url = f"sqlite+aiosqlite:///{db_path}"
    ready: list[str] = []
    started, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        async with FakeTelegramServer() as telegram:
            configured = Settings(database_url=database_url, config_path=ROOT / "config.yml",
                                  nlu_model_path=nlu_model_path, secret_key="f" * 48, demo=False,
                                  telegram_bot_token=telegram.token, telegram_api_base_url=telegram.base_url,
                                  telegram_mode="webhook", telegram_webhook_secret=SECRET,
                                  public_url="https://langnghe.example", outbox_poll_seconds=0.5, _env_file=None)
            runtime = await build_runtime(configured, nlu=nlu_port, progress=lambda _m: None)
            application = create_app(runtime)
            application.state.limits.parse_address.limit = 10**9
            async with live_server(application) as url:
                ready.append(url)
                started.set()
                while not stop.is_set():
                    await asyncio.sleep(0.05)

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert started.wait(120), "the app did not start"
    yield App(ready[0], database_url)
    stop.set()
    thread.join(30)


def chat_id_of(client: httpx.Client) -> str:
    """The anonymous chat id the app keeps in the chat's own signed cookie ("<chat id>.<time>.<signature>")."""
    return client.cookies["langnghe_chat"].rsplit(".", 2)[0]


# --- strategies ------------------------------------------------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
nasty_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["\ud800", "a\udfffb", "nul\x00byte", "/start", "/status LN-ZZZZZZ", "/new", "", " ",
                     "<script>alert(1)</script>", "' OR 1=1 --", "🙂" * 30, "ư" * 5000]),
)


def raw_json(value: Any) -> bytes:
    """JSON as a hostile client writes it: lone surrogates escaped (\\ud800), which json.dumps allows."""
    return json.dumps(value, ensure_ascii=True).encode()


chat_bodies = st.one_of(
    st.fixed_dictionaries({"text": nasty_text}, optional={
        "client_message_id": st.text(max_size=50), "after": st.one_of(st.integers(), st.text(max_size=5))}),
    st.fixed_dictionaries({"data": st.one_of(nasty_text, st.sampled_from([
        "consent:yes", "consent:no", "confirm:send", "rate:LN-ZZZZZZ:9", "rate::", "domain:union", "skip:commune",
        "contact:chat", "x" * 64]))}, optional={"client_message_id": st.text(max_size=50)}),
    st.dictionaries(st.sampled_from(["text", "data", "client_message_id", "after", "extra"]), json_values, max_size=4),
    json_values,
)
raw_bodies = st.one_of(st.binary(max_size=200), st.sampled_from([
    b"", b"{", b"null", b"[]", b'{"text": "\\ud800"}', b'{"text": "\xff\xfe"}', b"[" * 5000 + b"]" * 5000,
    b'{"text": 1e999}', b'{"after": 99999999999999999999999999}']))


def user(uid: Any) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "Dân"}


update_ids = itertools.count(1_000_000)
ids = st.one_of(st.integers(min_value=1, max_value=2**40), st.integers(), st.text(max_size=5), st.none())


@st.composite
def updates(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A Telegram update, well-formed or broken in one place; True when it is a well-formed private text."""
    update_id = next(update_ids)
    uid = draw(st.integers(min_value=1, max_value=2**40))
    text = draw(nasty_text)
    message: dict[str, Any] = {"message_id": draw(st.integers(min_value=1, max_value=2**31)),
                               "date": 1_760_000_000, "text": text,
                               "chat": {"id": uid, "type": "private", "first_name": "Dân"}, "from": user(uid)}
    kind = draw(st.sampled_from(["ok", "ok", "callback", "drop", "wrong_type", "group", "no_event", "huge_id",
                                 "long_name", "garbage"]))
    update: dict[str, Any] = {"update_id": update_id, "message": message}
    if kind == "callback":
        update = {"update_id": update_id, "callback_query": {
            "id": str(update_id), "from": user(uid), "chat_instance": "x", "data": draw(nasty_text),
            "message": {**message, "from": {"id": 1, "is_bot": True, "first_name": "bot"}}}}
    elif kind == "drop":
        message.pop(draw(st.sampled_from(["message_id", "date", "chat"])))
    elif kind == "wrong_type":
        message[draw(st.sampled_from(["message_id", "date", "chat", "text", "from"]))] = draw(json_values)
    elif kind == "group":
        message["chat"] = {"id": -uid, "type": "group", "title": "nhóm"}
    elif kind == "no_event":
        update = {"update_id": update_id, draw(st.text(min_size=1, max_size=12)): draw(json_values)}
    elif kind == "huge_id":
        message["chat"]["id"] = message["from"]["id"] = 10**30
    elif kind == "long_name":
        message["from"]["first_name"] = "N" * 5000
        message["from"]["language_code"] = "vi-" * 50
    elif kind == "garbage":
        update = draw(json_values)
    clean_text = isinstance(text, str) and "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    return update, kind in ("ok", "long_name") and clean_text


# --- the tests -------------------------------------------------------------------------------------

clients: dict[int, httpx.Client] = {}


def citizen(app: App, n: int) -> httpx.Client:
    """A handful of browser sessions, reused, so retries and long conversations happen too."""
    if n not in clients:
        clients[n] = httpx.Client(base_url=app.url, headers=JSON_HEADERS, timeout=30)
        clients[n].get("/chat").raise_for_status()
    return clients[n]


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=st.one_of(chat_bodies.map(raw_json), raw_bodies), who=st.integers(0, 5), retry=st.booleans(),
       poll=st.one_of(st.none(), st.text(max_size=25), st.integers().map(str)))
def test_web_chat_never_fails_on_bad_input(app: App, body: bytes, who: int, retry: bool, poll: str | None) -> None:
    client = citizen(app, who)
    sends = 2 if retry else 1
    for _ in range(sends):  # a retried POST (same client_message_id) must be stored once
        answer = client.post("/chat/api/messages", content=body, headers={"Content-Type": "application/json"})
        app.answers.append(answer.status_code)
        assert answer.status_code < 500, (body[:200], answer.text[:300])
    if answer.status_code == 200:
        sent = json.loads(body)
        if "client_message_id" in sent:
            app.accepted_web.append((chat_id_of(client), sent["client_message_id"]))
    if poll is not None:
        polled = client.get("/chat/api/messages", params={"after": poll})
        app.answers.append(polled.status_code)
        assert polled.status_code < 500, (poll, polled.text[:300])


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(case=st.one_of(updates().map(lambda u: (raw_json(u[0]), u[1], u[0])),
                      raw_bodies.map(lambda b: (b, False, None))), redeliver=st.booleans())
def test_webhook_never_fails_on_bad_input(app: App, case: tuple[bytes, bool, Any], redeliver: bool) -> None:
    body, well_formed, update = case
    with httpx.Client(base_url=app.url, timeout=30) as telegram:
        for _ in range(2 if redeliver else 1):  # Telegram redelivers when unsure: stored once all the same
            answer = telegram.post("/telegram/webhook", content=body, headers={**HOOK, "Content-Type": "application/json"})
            app.answers.append(answer.status_code)
            assert answer.status_code < 500, (body[:200], answer.text[:300])
    if well_formed:
        assert answer.status_code == 200, (body[:200], answer.text[:300])
        app.accepted_updates.add(update["update_id"])


def test_every_accepted_message_is_stored_once(app: App) -> None:
    """Runs after the two fuzz tests (file order): the transcript holds each accepted message once."""
    assert len(app.answers) >= 2000 and all(code < 500 for code in app.answers)
    assert app.accepted_web and app.accepted_updates, "the fuzzing also sent messages the app accepted"

    async def counts() -> tuple[dict[str, int], dict[str, int]]:
        db = create_database(app.database_url)
        async with db.sessions() as session:
            rows = (await session.execute(select(Message.channel, Message.platform_update_id, func.count())
                                          .where(Message.direction == "in")
                                          .group_by(Message.channel, Message.platform_update_id))).all()
        await db.dispose()
        web = {uid: n for channel, uid, n in rows if channel == "web"}
        telegram = {uid: n for channel, uid, n in rows if channel == "telegram"}
        return web, telegram

    web, telegram = asyncio.run(counts())
    for chat_id, message_id in app.accepted_web:
        assert web.get(f"{chat_id}:{message_id}") == 1, (chat_id, message_id)
    for update_id in app.accepted_updates:
        assert telegram.get(str(update_id)) == 1, update_id
    assert all(n == 1 for n in [*web.values(), *telegram.values()])
    for client in clients.values():
        client.close()
