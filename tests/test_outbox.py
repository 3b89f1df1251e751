"""The outbox keeps each chat's messages in order through retries, and gives up only after a day."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from handlers import Core, Inbound, InboundKind, claim_pending, handle_inbound, mark_retry, mark_sent, release
from handlers.types import Outgoing
from storage import Direction, Message, OutboxItem, OutboxStatus
from tests.driver_trips import count_trips


async def queue_replies(core: Core, chats: list[str]) -> None:
    """Each /help from a chat queues exactly one reply to it."""
    for n, chat in enumerate(chats):
        await handle_inbound(core, Inbound(channel="push", chat_id=chat, user_id=chat, kind=InboundKind.TEXT,
                                           text="/help", update_id=f"{chat}-{n}"))


async def test_a_chat_waits_behind_its_message_that_must_be_retried(core: Core) -> None:
    await queue_replies(core, ["a", "a", "b"])
    first = await claim_pending(core.db, "push")
    assert [i.chat_id for i in first] == ["a", "a", "b"]
    a1, a2, b1 = first
    await mark_retry(core.db, a1.outbox_id, "429", delay=60)
    await release(core.db, [a2.outbox_id])
    await mark_sent(core.db, b1.outbox_id, "m-1")
    assert await claim_pending(core.db, "push") == [], "a2 must not overtake a1"
    async with core.db.transaction() as session:
        await session.execute(update(OutboxItem).where(OutboxItem.id == a1.outbox_id)
                              .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert [i.outbox_id for i in await claim_pending(core.db, "push")] == [a1.outbox_id, a2.outbox_id]


async def test_flood_control_is_not_a_failure_but_a_day_of_errors_is(core: Core) -> None:
    await queue_replies(core, ["c"])
    [item] = await claim_pending(core.db, "push")
    await mark_retry(core.db, item.outbox_id, "Too Many Requests: retry after 1", delay=1)
    await mark_retry(core.db, item.outbox_id, "connection reset")
    async with core.db.sessions() as session:
        stored = await session.get(OutboxItem, item.outbox_id)
        assert (stored.attempts, stored.status) == (1, OutboxStatus.PENDING)
    async with core.db.transaction() as session:
        await session.execute(update(OutboxItem).where(OutboxItem.id == item.outbox_id)
                              .values(created_at=datetime.now(UTC) - timedelta(hours=25)))
    await mark_retry(core.db, item.outbox_id, "connection reset")
    async with core.db.sessions() as session:
        assert await session.scalar(select(OutboxItem.status).where(OutboxItem.id == item.outbox_id)) \
            == OutboxStatus.FAILED


async def test_delivered_messages_leave_the_outbox_after_the_retention_but_stay_in_the_transcript(core: Core) -> None:
    from handlers import prune_sent
    from storage import Message

    await queue_replies(core, ["old", "recent", "waiting"])
    old, recent, waiting = await claim_pending(core.db, "push")
    await mark_sent(core.db, old.outbox_id, "m-1")
    await mark_sent(core.db, recent.outbox_id, "m-2")
    long_ago = datetime.now(UTC) - timedelta(days=31)
    async with core.db.transaction() as session:
        await session.execute(update(OutboxItem).where(OutboxItem.id == old.outbox_id).values(sent_at=long_ago))
        await session.execute(update(OutboxItem).where(OutboxItem.id == waiting.outbox_id)
                              .values(created_at=long_ago))
    assert await prune_sent(core.db, timedelta(days=30), batch=1) == 1
    async with core.db.sessions() as session:
        left = set(await session.scalars(select(OutboxItem.id)))
        transcript = set(await session.scalars(select(Message.id)))
    assert left == {recent.outbox_id, waiting.outbox_id}, "only the delivered row past retention goes"
    assert {old.message_id, recent.message_id, waiting.message_id} <= transcript
    assert await prune_sent(core.db, timedelta(days=30)) == 0


def test_the_outbox_retention_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers import Settings

    monkeypatch.delenv("OUTBOX_RETENTION_DAYS", raising=False)
    assert Settings(_env_file=None).outbox_retention_days == 30
    monkeypatch.setenv("OUTBOX_RETENTION_DAYS", "7")
    assert Settings(_env_file=None).outbox_retention_days == 7


async def test_a_restarted_process_paces_its_first_sends_knowing_the_last_ones(core: Core) -> None:
    from bot.pacing import TELEGRAM_LIMITS, Pacer
    from bot.runtime import recall_recent_sends

    await queue_replies(core, ["busy"] * 4 + ["quiet", "long-ago"])
    *busy, quiet, long_ago = await claim_pending(core.db, "push")
    for item in [*busy, long_ago]:
        await mark_sent(core.db, item.outbox_id, f"m-{item.outbox_id}")
    async with core.db.transaction() as session:
        await session.execute(update(OutboxItem).where(OutboxItem.id == long_ago.outbox_id)
                              .values(sent_at=datetime.now(UTC) - timedelta(minutes=5)))
    pacer = Pacer.for_limits(TELEGRAM_LIMITS)
    await recall_recent_sends(core, "push", pacer)
    assert 0.8 < pacer.chat_delay("busy") <= 1.0, "four sends a moment ago spent the burst: the next waits its second"
    assert pacer.chat_delay("quiet") == 0 and pacer.chat_delay("long-ago") == 0
    assert pacer.bot_delay() == 0, "five sends leave the bot most of its burst"
    assert quiet.outbox_id not in {i.outbox_id for i in busy}


async def test_a_chat_task_gives_back_what_it_could_not_send_within_its_hold(core: Core) -> None:
    """A long queue could outlive its lease while one task sends it: past its hold, the task hands
    the rest back, in order, instead of sending what another worker may claim meanwhile."""
    from bot.locks import LocalChatLocks
    from bot.sender import deliver_chat

    class Platform:
        channel = "push"
        sent: list[int] = []

        async def deliver(self, item: Outgoing, until: float | None = None) -> str:
            self.sent.append(item.outbox_id)
            return f"m-{item.outbox_id}"

    await queue_replies(core, ["slow"] * 3)
    claimed = await claim_pending(core.db, "push")
    platform = Platform()
    await deliver_chat(core, platform, claimed, LocalChatLocks(), hold=0.0)
    assert platform.sent == [claimed[0].outbox_id], "the first goes; the hold is spent after it"
    again = await claim_pending(core.db, "push")
    assert [i.outbox_id for i in again] == [i.outbox_id for i in claimed[1:]], "the rest are due again, in order"
    await deliver_chat(core, platform, again, LocalChatLocks())
    assert platform.sent == [i.outbox_id for i in claimed]


async def test_a_send_whose_slot_comes_after_the_claim_ends_goes_back_untried(core: Core) -> None:
    """The pacer may hold a send for seconds (the bot's whole backlog is ahead of it). If its slot
    falls after the sender's hold, the message and those after it go back to the outbox in order,
    untried, instead of leaving when another worker may already have claimed them."""
    import time

    from bot.locks import LocalChatLocks
    from bot.pacing import TELEGRAM_LIMITS, Pacer
    from bot.sender import deliver_chat

    class Platform:
        channel = "push"

        def __init__(self) -> None:   # the bot's bucket is spent for the next 5 seconds
            self.pacer = Pacer.for_limits(TELEGRAM_LIMITS, spent_until=time.monotonic() + 5)
            self.sent: list[int] = []

        async def deliver(self, item: Outgoing, until: float | None = None) -> str:
            await self.pacer.wait(item.chat_id, until)
            self.sent.append(item.outbox_id)
            return f"m-{item.outbox_id}"

    await queue_replies(core, ["late", "late"])
    claimed = await claim_pending(core.db, "push")
    platform = Platform()
    started = time.monotonic()
    await deliver_chat(core, platform, claimed, LocalChatLocks(), hold=1.0)
    assert platform.sent == [], "nothing left after its claim"
    assert time.monotonic() - started < 1.0, "and nothing waited for a slot it could not use"
    again = await claim_pending(core.db, "push")
    assert [i.outbox_id for i in again] == [i.outbox_id for i in claimed], "both are due again, in order"
    async with core.db.sessions() as session:
        tries = (await session.scalars(select(OutboxItem.attempts).where(
            OutboxItem.id.in_([i.outbox_id for i in claimed])))).all()
    assert tries == [0, 0], "handed back, not failed"


async def test_replies_handed_to_the_sender_carry_the_ids_of_their_rows(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite a turn's rows are written behind and their ids come with the commit: what the
    sender is handed must still name the stored rows, and the turn makes two trips to the
    driver's thread (its read, then its writes with the commit)."""
    handed: list[Outgoing] = []
    core.signal.take_over("push", lambda items, _first: handed.extend(items) or True)
    await queue_replies(core, ["a"])   # a new chat: its conversation and citizen are written first
    trips = count_trips(monkeypatch)
    await handle_inbound(core, Inbound(channel="push", chat_id="a", user_id="a", kind=InboundKind.TEXT,
                                       text="/help", update_id="a-again"))
    if core.db.is_sqlite:
        assert trips == ["_run", "_commit_after"]
    assert len(handed) == 2
    async with core.db.sessions() as session:
        for item in handed:
            row = (await session.execute(select(OutboxItem.message_id, OutboxItem.chat_id, Message.text, Message.direction)
                                         .join(Message, Message.id == OutboxItem.message_id)
                                         .where(OutboxItem.id == item.outbox_id))).one()
            assert row == (item.message_id, "a", item.text, Direction.OUT)
        inbound = await session.scalar(select(Message).where(Message.platform_update_id == "a-again"))
    assert inbound is not None and inbound.direction is Direction.IN and inbound.text == "/help"
    assert inbound.id < handed[1].message_id
