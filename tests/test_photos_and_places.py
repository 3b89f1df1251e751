"""Citizens show more than they describe: a photo goes with the report to the case's staff (fetched
after the message is stored, retried, refused by content), and a shared location answers "where"."""
from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from bot.media_fetch import fetch_due_photos
from handlers import Core
from handlers.attachments import case_photos
from storage import Attachment, AttachmentStatus, Case
from storage.media import LocalMediaStore
from tests.chat_driver import CoreChat
from tests.clients import StaffApi
from tests.fakes import FakeTelegramServer
from tests.telegram_citizen import TelegramCitizen

CODE = re.compile(r"LN-[2-9A-HJ-NP-Z]{6}")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 90, 40)).save(out, "JPEG")
    return out.getvalue()


class FlakySource:
    """A platform whose downloads fail a given number of times before they work."""

    channel = "test"

    def __init__(self, files: dict[str, bytes], failures: int = 0) -> None:
        self.files, self.failures, self.calls = files, failures, 0

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("platform unreachable")
        return self.files[ref]


async def _latest_case(core: Core) -> Case:
    async with core.db.transaction() as session:
        case = await session.scalar(select(Case).order_by(Case.id.desc()))
        assert case is not None
        return case


async def test_a_photo_goes_with_the_report_and_reaches_the_case(core: Core, tmp_path: Path) -> None:
    chat = CoreChat(core)
    await chat.consent()
    reply = await chat.photo("ref-dark-lane")
    assert "đã nhận ảnh" in reply and "bằng lời" in reply
    await chat.say("đèn đường trước ngõ nhà tôi hỏng cả tháng nay, tối đi lại rất khó, tôi ở Huế")
    await chat.press("skip:commune")
    await chat.press("contact:chat")
    created = await chat.press("confirm:send")
    assert "Mã tra cứu" in created
    case = await _latest_case(core)

    source = FlakySource({"ref-dark-lane": jpeg()}, failures=1)
    store = LocalMediaStore(tmp_path / "media")
    assert await fetch_due_photos(core, source, store) == 1          # fails once: kept for a retry
    async with core.db.transaction() as session:
        row = await session.scalar(select(Attachment))
        assert row is not None and row.status is AttachmentStatus.PENDING and row.attempts == 1
        row.next_attempt_at = row.created_at                          # the backoff has passed
    assert await fetch_due_photos(core, source, store) == 1
    async with core.db.transaction() as session:
        photos = await case_photos(session, case.id)
    assert [p.status for p in photos] == ["stored"] and photos[0].mime == "image/jpeg"
    assert store.exists(photos[0].media_key or "") and store.exists(photos[0].thumb_key or "")


async def test_what_is_not_an_image_is_refused_and_the_message_kept(core: Core, tmp_path: Path) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.photo("ref-page", caption="trạm bơm ở xã tôi hỏng cả tháng nay, ruộng khô nứt nẻ")
    source = FlakySource({"ref-page": b"<html>not a photo</html>"})
    await fetch_due_photos(core, source, LocalMediaStore(tmp_path))
    async with core.db.transaction() as session:
        row = await session.scalar(select(Attachment))
        assert row is not None and row.status is AttachmentStatus.FAILED
        assert "not a readable image" in (row.last_error or "")
    assert any("trạm bơm" in m.text for m in await _transcript(core))


async def _transcript(core: Core) -> list[Any]:
    from storage import Message

    async with core.db.transaction() as session:
        return list((await session.scalars(select(Message).order_by(Message.id))).all())


async def test_no_photo_is_kept_before_consent(core: Core) -> None:
    chat = CoreChat(core)
    reply = await chat.photo("ref-before-consent")
    assert "Nghị định 13/2023" in reply or "đồng ý" in reply
    async with core.db.transaction() as session:
        assert await session.scalar(select(Attachment)) is None


async def test_a_shared_location_answers_where_and_is_kept_with_the_case(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    reply = await chat.say("quán karaoke đầu ngõ hát đến 2 giờ sáng đêm nào cũng vậy, cả xóm mất ngủ")
    assert "tỉnh/thành phố nào" in reply
    reply = await chat.location(21.1167, 105.9667)          # Từ Sơn, next to Hà Nội's border
    assert "Phường Từ Sơn, Bắc Ninh" in reply and "xã/phường nào" not in reply
    if "contact:chat" in chat.buttons():
        await chat.press("contact:chat")
    created = await chat.press("confirm:send")
    assert "Mã tra cứu" in created
    case = await _latest_case(core)
    assert (case.province, case.commune) == ("Bắc Ninh", "Phường Từ Sơn")
    assert (case.latitude, case.longitude) == (21.1167, 105.9667)


async def test_a_location_outside_vietnam_is_not_used(core: Core) -> None:
    chat = CoreChat(core)
    await chat.consent()
    await chat.say("hàng xóm đốt rác nhựa mỗi tối, khói đen kịt cả xóm")
    assert "ngoài Việt Nam" in await chat.location(48.85, 2.35)


async def test_on_telegram_a_photo_reaches_the_case_page_and_only_its_staff_see_it(
        telegram_app: str, fake_telegram_server: FakeTelegramServer) -> None:
    citizen = TelegramCitizen(fake_telegram_server, user_id=7301, name="Tâm")
    citizen.say("/start")
    await citizen.wait_for("Nghị định 13/2023")
    citizen.press("consent:yes")
    await citizen.wait_for("kể vấn đề")
    mark = len(citizen.received)
    fake_telegram_server.user_sends_photo(7301, caption="công ty xả nước thải đen ra mương sau xưởng, "
                                                        "em làm ở Bắc Ninh", data=jpeg())
    await citizen.wait_for("xã/phường nào của Bắc Ninh", after=mark)
    citizen.press("skip:commune")
    await citizen.wait_for("liên hệ với bạn", after=mark)
    citizen.press("contact:chat")
    await citizen.wait_for("Gửi phản ánh này?", after=mark)
    citizen.press("confirm:send")
    code = CODE.search((await citizen.wait_for("Mã tra cứu", after=mark))["text"])
    assert code

    staff = await StaffApi(telegram_app).login("congdoan.bacninh", "demo-bacninh")
    moderator = await StaffApi(telegram_app).login("kiemduyet", "demo-moderator")
    try:
        for _ in range(200):   # the photo is fetched after the message was stored
            page = (await staff.http.get(f"/console/cases/{code.group(0)}")).text
            if "/thumb" in page:
                break
            await asyncio.sleep(0.05)
        link = re.search(r'src="(/console/media/\d+/thumb)"', page)
        assert link, page
        thumb = await staff.http.get(link.group(1))
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        assert (await staff.http.get(link.group(1).replace("thumb", "full"))).content == jpeg()
        assert (await moderator.http.get(link.group(1))).status_code == 404
        assert "(ẩn: dữ liệu cá nhân)" in (await moderator.http.get(f"/console/cases/{code.group(0)}")).text
    finally:
        await staff.aclose()
        await moderator.aclose()
    assert fake_telegram_server.rejected == []


async def test_on_telegram_a_shared_location_means_the_bot_does_not_ask_where(
        telegram_app: str, fake_telegram_server: FakeTelegramServer) -> None:
    citizen = TelegramCitizen(fake_telegram_server, user_id=7302)
    citizen.say("/start")
    await citizen.wait_for("Nghị định 13/2023")
    citizen.press("consent:yes")
    await citizen.wait_for("kể vấn đề")
    mark = len(citizen.received)
    citizen.say("bãi rác tự phát cạnh trường tiểu học bốc mùi cả tháng nay, ruồi nhặng bâu kín")
    await citizen.wait_for("tỉnh/thành phố nào", after=mark)
    fake_telegram_server.user_sends_location(7302, 16.0544, 108.2022)
    placed = await citizen.wait_for("📍", after=mark)
    assert "Đà Nẵng" in placed["text"]
    await citizen.wait_for("liên hệ với bạn", after=mark)
