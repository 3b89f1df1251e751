"""Server push rests on two promises: a page hears of a change only after it is committed, and reading
a web chat (the page's first load, its stream, every reconnect) writes nothing to the database."""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import event, select

from handlers import Core, do_request_information, get_staff, intake
from handlers.live import ALL_CASES, LiveEvent, chat_topic, publish_committed, unit_topic
from storage import Case, CaseEvent, Conversation, OutboxItem, StaffAccount
from tests.chat_driver import CoreChat
from tests.clients import WebCitizen
from tests.test_webchat_flow import report_wage_case

_INSERT_MESSAGE = re.compile(r"INSERT (/\*[^*]*\*/ )?INTO message ")   # a marked statement too (WRITE_BEHIND)


@contextmanager
def writes(core: Core) -> Iterator[list[str]]:
    """Every INSERT, UPDATE or DELETE the app sends to the database meanwhile."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    engine = core.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_reading_a_web_chat_and_its_stream_writes_nothing(live_app: str, core: Core) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
        async with core.db.sessions() as session:
            assert (await session.scalars(select(OutboxItem).where(OutboxItem.channel == "web"))).all() == [], \
                "the web chat is read from its transcript: no outbox rows to mark"
        with writes(core) as seen:
            everything = (await citizen.http.get("/chat/api/messages", params={"after": 0})).json()["messages"]
            assert any(code in m["text"] for m in everything)
            lines: list[dict[str, object]] = []
            async with citizen.http.stream("GET", "/chat/api/stream", params={"after": 0}) as stream:
                async for line in stream.aiter_lines():
                    if line.startswith("data: "):
                        lines.append(json.loads(line[6:]))
                    if len(lines) == len(everything):
                        break
            assert [m["id"] for m in lines] == [m["id"] for m in everything]
        assert seen == [], seen


async def test_a_staff_question_reaches_an_open_stream_without_polling(live_app: str, core: Core) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
        last = citizen.last_id
        async with citizen.http.stream("GET", "/chat/api/stream", params={"after": last},
                                       timeout=httpx.Timeout(10)) as stream:
            staff = await get_staff(core.db, await _staff_id(core, "congdoan.bacninh"))
            assert staff is not None
            await do_request_information(core, staff, code, "Công ty tên gì?")
            async for line in stream.aiter_lines():
                if line.startswith("data: ") and "Công ty tên gì?" in line:
                    break


async def _staff_id(core: Core, username: str) -> int:
    async with core.db.sessions() as session:
        staff_id = await session.scalar(select(StaffAccount.id).where(StaffAccount.username == username))
    assert staff_id is not None
    return staff_id


async def test_pages_hear_of_a_case_only_after_its_commit_and_never_of_a_rollback(core: Core) -> None:
    union = await _staff_id(core, "congdoan.bacninh")
    async with core.db.sessions() as session:
        staff = await session.get(StaffAccount, union)
        assert staff is not None and staff.unit_id is not None
        unit_id = staff.unit_id
    async with core.live.subscribe([unit_topic(unit_id), ALL_CASES]) as sub:
        chat = CoreChat(core, user="live-1")
        await chat.consent()
        await chat.say("công ty nợ lương 3 tháng, em ở Bắc Ninh")
        await chat.press("skip:commune")
        await chat.press("contact:chat")
        await chat.press("confirm:send")
        heard = [await sub.next(5), await sub.next(5)]
        assert all(isinstance(e, LiveEvent) and e.kind == "created" for e in heard)
        assert {e.topic for e in heard if e} == {unit_topic(unit_id), ALL_CASES}
        async with core.db.sessions() as session:
            case = await session.scalar(select(Case).where(Case.code == heard[0].data["code"]))  # type: ignore[union-attr]
        assert case is not None, "told only once the case can be read"

        try:   # a change that is rolled back is never told
            async with core.db.transaction() as session:
                session.add(CaseEvent(case_id=case.id, kind="citizen_message", actor="test"))
                await session.flush()
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        await publish_committed(core.live, core.db, session)
        assert await sub.next(0.2) is None


async def test_a_citizens_turn_tells_its_chat_once_and_only_after_its_commit(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """The turn writes the citizen's message and its replies with statements of their own, outside
    the unit of work's flush: their chat is told all the same, once, after the commit; a turn that
    fails after writing the citizen's message tells nobody."""
    chat = CoreChat(core, user="live-3")
    await chat.consent()
    async with core.db.sessions() as session:
        conversation_id = await session.scalar(select(Conversation.id).where(
            Conversation.channel == chat.channel, Conversation.chat_id == chat.user))
    assert conversation_id is not None
    async with core.live.subscribe([chat_topic(conversation_id)]) as sub:
        with writes(core) as seen:
            await chat.say("cảm ơn")
        assert await sub.next(5) == LiveEvent(chat_topic(conversation_id), "message")
        assert await sub.next(0.2) is None
        assert sum(1 for s in seen if _INSERT_MESSAGE.match(s)) == 2, "the citizen's message and one reply"

        async def broken(_turn: object, _staff_id: object) -> None:
            raise RuntimeError("the dialogue failed")

        monkeypatch.setattr(intake, "_dispatch", broken)
        with writes(core) as seen, pytest.raises(RuntimeError):
            await chat.say("cảm ơn lần nữa")
        assert any(_INSERT_MESSAGE.match(s) for s in seen), "the message was written, then rolled back"
        assert await sub.next(0.2) is None


async def test_a_chat_stream_of_another_conversation_hears_nothing(core: Core) -> None:
    async with core.live.subscribe([chat_topic(10**9)]) as sub:
        await CoreChat(core, user="live-2").consent()
        assert await sub.next(0.2) is None
    await asyncio.sleep(0)
