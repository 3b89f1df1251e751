"""Workers that share a real Redis: one rate limit for the bot, one lock per chat, wake-ups that
reach every worker, one leader for the timed jobs; and all of it after Redis restarts."""
from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis

from bot.pacing import Limits, RateLimiter
from bot.redis_coord import RedisCoordination
from tests.redis_server import RedisServer, redis_server


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
async def workers(redis: RedisServer) -> AsyncIterator[tuple[RedisCoordination, RedisCoordination]]:
    """Two workers' coordination on one Redis (each would be its own process in production)."""
    first, second = RedisCoordination(redis.url, lock_ttl=2.0), RedisCoordination(redis.url, lock_ttl=2.0)
    await first.redis.flushdb()
    for worker in (first, second):
        await worker.start()
        await asyncio.wait_for(worker.signal.connected.wait(), 10)
    yield first, second
    await first.close()
    await second.close()


LIMITS = Limits(per_chat_interval=1.0, global_interval=0.01, chat_burst=3, global_burst=30)
SLOW = Limits(per_chat_interval=1.0, global_interval=0.5, chat_burst=3, global_burst=30)


async def test_two_workers_share_one_chat_bucket(workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    a, b = (w.pacer("telegram", LIMITS) for w in workers)
    waits = [await (a if n % 2 else b).reserve_chat("chat-1") for n in range(5)]
    assert waits == pytest.approx([0, 0, 0, 1, 2], abs=0.2), "a burst of 3 in total, then one a second, whoever sends"
    assert await a.reserve_chat("chat-2") == pytest.approx(0, abs=0.05), "another chat is not held up by chat-1"


async def test_two_workers_share_the_bots_overall_limit(workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    limits = Limits(per_chat_interval=1.0, global_interval=0.5, chat_burst=5, global_burst=2)
    a, b = (w.pacer("zalo", limits) for w in workers)
    waits = [await a.reserve_bot(), await b.reserve_bot(), await a.reserve_bot(), await b.reserve_bot()]
    assert waits == pytest.approx([0, 0, 0.5, 1.0], abs=0.2)


@pytest.mark.parametrize("bucket", ["chat", "bot"])
async def test_a_slot_too_late_for_its_caller_is_not_booked_for_anyone(
        workers: tuple[RedisCoordination, RedisCoordination], bucket: str) -> None:
    """A send whose claim ends before its slot gives the slot up: unbooked, it goes to the next
    sender of either worker, instead of a backlog longer than the claim burning slots for nobody."""
    limits = Limits(per_chat_interval=0.5, global_interval=0.5, chat_burst=1, global_burst=1)
    a, b = (w.pacer("telegram", limits) for w in workers)

    async def reserve(pacer: RateLimiter, latest: float | None = None) -> float:
        return await (pacer.reserve_chat("chat-3", latest) if bucket == "chat" else pacer.reserve_bot(latest))

    assert await reserve(a) == pytest.approx(0, abs=0.05)
    assert await reserve(a, latest=0.2) == pytest.approx(0.5, abs=0.1), "the next slot is told, too late"
    assert await reserve(b) == pytest.approx(0.5, abs=0.1), "and is still free for the other worker"
    assert await reserve(a, latest=5.0) == pytest.approx(1.0, abs=0.1), "a slot in time is booked"


async def test_a_wake_up_after_commit_reaches_the_other_worker(
        workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    a, b = workers
    async with b.signal.subscribe("web:chat-9") as subscription:
        waiter = asyncio.create_task(b.signal.wait("telegram", timeout=30))
        await asyncio.sleep(0)
        a.signal.wake(["telegram", "web:chat-9"])
        await asyncio.wait_for(waiter, 10)
        assert await subscription.next(timeout=10), "the subscriber of the chat's topic heard it too"


async def test_a_chat_lock_is_held_by_one_worker_at_a_time(
        workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    a, b = (w.locks("telegram-out") for w in workers)
    order: list[str] = []

    async def hold(name: str) -> None:
        async with (a if name.startswith("a") else b)("chat-1"):
            order.append(f"{name} in")
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    await asyncio.gather(*(hold(f"{w}{n}") for n in range(3) for w in "ab"))
    assert all(order[i].endswith("in") and order[i + 1] == order[i].replace("in", "out")
               for i in range(0, len(order), 2)), f"never two holders at once: {order}"
    async with a("chat-1"), b("chat-2"):
        pass  # different chats do not wait for each other


async def test_a_dead_workers_lock_lapses(workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    a, b = workers
    await a.redis.set("langnghe:lock:telegram-in:chat-5", "a-worker-that-died", px=300)
    async with asyncio.timeout(10):
        async with b.locks("telegram-in")("chat-5"):
            assert await b.redis.get("langnghe:lock:telegram-in:chat-5") != b"a-worker-that-died"


async def test_one_leader_runs_the_timed_jobs_and_another_takes_over(
        workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    a, b = workers
    assert [await a.leader.lead(), await b.leader.lead(), await a.leader.lead()] == [True, False, True]
    await a.leader.resign()
    assert await b.leader.lead() and not await a.leader.lead()


async def test_everything_recovers_when_redis_restarts(redis: RedisServer,
                                                       workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    a, b = workers
    redis.stop()
    pacer = a.pacer("telegram", SLOW)
    assert await pacer.reserve_chat("chat-7") == 0, "pacing goes on in this worker alone while Redis is away"
    redis.start()
    fresh = b.pacer("telegram-2", SLOW)
    assert [await fresh.reserve_bot() for _ in range(3)] == pytest.approx([0, 0, 0], abs=0.1), "an idle bot bursts"
    assert [await pacer.reserve_bot() for _ in range(3)] == pytest.approx([0.5, 1.0, 1.5], abs=0.2), \
        "the bucket Redis lost in its restart starts spent: the platform still counts the sends before"
    async with b.signal.subscribe("web:after-restart") as subscription:
        heard = False
        for _ in range(60):
            a.signal.wake(["web:after-restart"])
            if heard := await subscription.next(timeout=0.5):
                break
        assert heard, "wake-ups reach the other worker again"
    async with a.locks("telegram-in")("chat-7"):
        assert await a.redis.exists("langnghe:lock:telegram-in:chat-7")


async def test_a_page_on_another_worker_hears_a_committed_change_once(
        workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    from handlers.live import LiveEvent, chat_topic

    a, b = workers
    for worker in workers:
        await asyncio.wait_for(worker.live.connected.wait(), 10)
    async with a.live.subscribe([chat_topic(7)]) as here, b.live.subscribe([chat_topic(7)]) as there:
        await a.live.publish([LiveEvent(chat_topic(7), "message", {"code": "LN-ABCDEF"})])
        heard_there = await there.next(timeout=10)
        assert heard_there is not None and heard_there.data == {"code": "LN-ABCDEF"}, "the other worker's page"
        assert (await here.next(timeout=1)) is not None, "this worker's page"
        assert await here.next(timeout=1) is None, "and only once, not again when Redis echoes it back"
        assert await there.next(timeout=0.5) is None


async def test_without_redis_each_of_n_workers_paces_to_its_share_from_an_empty_bot_bucket() -> None:
    from bot.pacing import TELEGRAM_LIMITS
    from bot.redis_coord import RedisPacer

    closed = socket.socket()   # bound, never listening: every connection is refused
    closed.bind(("127.0.0.1", 0))
    nowhere = aioredis.Redis.from_url(f"redis://127.0.0.1:{closed.getsockname()[1]}", socket_connect_timeout=1)
    try:
        pacer = RedisPacer(nowhere, "telegram", TELEGRAM_LIMITS, workers=3)
        share = TELEGRAM_LIMITS.shared_by(3)
        bot = [await pacer.reserve_bot() for _ in range(3)]
        assert bot == pytest.approx([share.global_interval * n for n in (1, 2, 3)], abs=0.05), \
            "the bot's bucket starts spent: the other workers were just sending"
        chat = [await pacer.reserve_chat("chat-9") for _ in range(2)]
        assert chat == pytest.approx([0, share.per_chat_interval], abs=0.05), "a third of a chat's rate, no burst"
    finally:
        await nowhere.aclose()
        closed.close()


async def test_pacing_alone_starts_after_the_slots_redis_gave_and_redis_starts_after_its_own(
        redis: RedisServer, workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    """Sends booked in Redis are still waiting to leave when Redis goes, and sends booked alone when
    it comes back: neither side may book the same seconds again."""
    import time

    pacer = workers[0].pacer("telegram", Limits(per_chat_interval=1.0, global_interval=5.0))
    start = time.monotonic()
    assert [await pacer.reserve_bot() for _ in range(3)] == pytest.approx([0, 5, 10], abs=0.2)
    redis.stop()
    try:
        alone = await pacer.reserve_bot()
        assert alone == pytest.approx(start + 15 - time.monotonic(), abs=0.3), "after the last slot Redis gave"
    finally:
        redis.start()
    back = await pacer.reserve_bot()
    assert back == pytest.approx(start + 20 - time.monotonic(), abs=0.3), "after the slot booked alone"


async def test_a_bucket_lost_in_a_redis_restart_resumes_after_the_slots_already_booked(
        redis: RedisServer, workers: tuple[RedisCoordination, RedisCoordination]) -> None:
    """Nothing was booked while Redis was down (the senders waited for their chats' locks), but the
    sends it had booked are still to leave: a fresh bucket would book the same seconds again."""
    import time

    pacer = workers[0].pacer("telegram", Limits(per_chat_interval=1.0, global_interval=5.0))
    start = time.monotonic()
    assert [await pacer.reserve_bot() for _ in range(3)] == pytest.approx([0, 5, 10], abs=0.2)
    redis.restart()
    assert await pacer.reserve_bot() == pytest.approx(start + 15 - time.monotonic(), abs=0.3)
