"""Coordination of many workers through Redis: wake-ups by pub/sub, per-chat locks, the platform
rate limits as one Lua script, and the lead for timed jobs.

Why Redis and not PostgreSQL's LISTEN/NOTIFY: the rate limiter must be consulted before every
send (tens a second) with sub-millisecond cost and an atomic read-modify-write of two buckets,
and the locks need expiry when a worker dies; Redis does all four with one connection pool, and
NOTIFY would still leave the limiter and the locks to be built on advisory locks and tables.

What happens when Redis is away for a moment (a restart): wake-ups published meanwhile are lost,
but senders poll the outbox on a timer and every worker wakes all its topics after reconnecting;
the rate limiter falls back to this worker's own buckets (logged); a lock waits for Redis to
return (a webhook call then answers late, and the platform retries it); the database stays the
truth for what was stored and sent.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot.coordination import Coordination, Leadership
from bot.locks import ChatLocks, LocalChatLocks
from bot.pacing import Limits, Pacer, RateLimiter, Sleep
from handlers import Signal
from handlers.live import InProcessBus, LiveBus, LiveEvent, Subscription

log = logging.getLogger(__name__)
PREFIX = "langnghe"
RELEASE_WAIT = 1.0   # seconds a release (lock, lead) may take before it is left to lapse
REJOIN_SECONDS = 5.0   # after Redis is back, buckets it lost start spent: longer than any burst takes to refill

# GCRA for one bucket, on Redis's clock (the same arithmetic as bot/pacing.py's `book`).
# KEYS: the bucket. ARGV: interval, tolerance, and "" or the seconds until the last slot this
# worker already booked: given when a missing bucket must start spent (Redis lost it in a restart
# while booked sends are still to leave), and the first new slot then follows that one. Returns
# the seconds to wait, as a string (a Lua number would come back truncated to an integer).
BOOK_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local missing = (ARGV[3] ~= '') and (now + tonumber(ARGV[3]) + interval + tolerance) or 0
local tat = tonumber(redis.call('GET', KEYS[1]) or missing)
local start = math.max(now, tat - tolerance)
if ARGV[4] ~= '' and start - now > tonumber(ARGV[4]) then  -- too late for the caller: not booked
  return string.format('%.6f', start - now)
end
tat = math.max(tat, start) + interval
redis.call('SET', KEYS[1], string.format('%.6f', tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
return string.format('%.6f', start - now)
"""
RELEASE_LUA = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
EXTEND_LUA = ("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
              "end return 0")


async def _listen_forever(listener: aioredis.Redis, channel: str, connected: asyncio.Event,
                          on_message: Callable[[Any], Awaitable[None]], on_connect: Callable[[], None],
                          what: str) -> None:
    """Stay subscribed to `channel` through Redis restarts; `connected` tells whether it is now."""
    while True:
        pubsub = listener.pubsub()
        try:
            await pubsub.subscribe(channel)
            connected.set()
            on_connect()
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    await on_message(message["data"])
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError, ValueError, KeyError, TypeError) as exc:
            connected.clear()
            log.warning("%s subscription lost (%s); reconnecting", what, exc)
            await asyncio.sleep(0.5)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]


class RedisSignal(Signal):
    """Every wake-up fires here at once and is published for the other workers."""

    def __init__(self, client: aioredis.Redis, listener: aioredis.Redis | None = None,
                 channel: str = f"{PREFIX}:wake") -> None:
        super().__init__()
        self.redis, self.channel = client, channel
        self.listener = listener or client   # a subscription idles: its client must have no read timeout
        self._listener: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()

    def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="redis-wake-listener")

    def wake(self, topics: Iterable[str]) -> None:
        names = list(topics)
        self.fire_local(names)
        task = asyncio.get_running_loop().create_task(self._publish(names))
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    async def _publish(self, topics: list[str]) -> None:
        try:
            await self.redis.publish(self.channel, json.dumps(topics))
        except RedisError as exc:  # the others will find it on their poll timer
            log.warning("could not publish a wake-up (%s); other workers will poll", exc)

    async def _listen(self) -> None:
        def on_connect() -> None:
            self.fire_local(list(self._events) + list(self._subscribers))  # anything missed while away

        async def on_message(data: Any) -> None:
            self.fire_local(json.loads(data))

        await _listen_forever(self.listener, self.channel, self.connected, on_message, on_connect, "wake-up")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        await asyncio.gather(*self._publishing, return_exceptions=True)


class RedisLiveBus(LiveBus):
    """Pages on every worker hear committed changes: this worker's pages at once, the others' over
    one Redis channel.  A worker skips its own messages (they carry its id), so no page hears an
    event twice; while Redis is away only this worker's pages hear, and the others' pages catch up
    on their next re-read (events are wake-ups, the database is the truth)."""

    def __init__(self, client: aioredis.Redis, listener: aioredis.Redis, channel: str = f"{PREFIX}:live") -> None:
        self.redis, self.listener, self.channel = client, listener, channel
        self.local = InProcessBus()
        self.origin = secrets.token_hex(8)
        self.connected = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    async def publish(self, events: Sequence[LiveEvent]) -> None:
        await self.local.publish(events)
        body = json.dumps({"from": self.origin,
                           "events": [[e.topic, e.kind, e.data] for e in events]}, ensure_ascii=False)
        try:
            await self.redis.publish(self.channel, body)
        except RedisError as exc:
            log.warning("could not publish a live event (%s); other workers' pages re-read later", exc)

    def subscribe(self, topics: Iterable[str]) -> AbstractAsyncContextManager[Subscription]:
        return self.local.subscribe(topics)

    def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="redis-live-listener")

    async def _listen(self) -> None:
        async def on_message(data: Any) -> None:
            body = json.loads(data)
            if body.get("from") != self.origin:
                await self.local.publish([LiveEvent(t, k, d) for t, k, d in body["events"]])

        await _listen_forever(self.listener, self.channel, self.connected, on_message, lambda: None, "live")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None


class RedisPacer(RateLimiter):
    """The buckets in Redis: all workers of one bot stay within its limits together.

    While Redis is away each of the `workers` paces alone to its share of the limits. Its own bot
    bucket starts spent until the last slot Redis gave it: sends already booked are still waiting
    to leave, everybody's. A bucket Redis lost in a restart starts spent (for a while after this
    worker paced alone, or while any slot it booked is still ahead), after the slots already booked.
    (A chat's bucket starts full: few chats had a burst at that moment, and a 429 there is honoured
    as any other.)
    """

    def __init__(self, client: aioredis.Redis, name: str, limits: Limits, sleep: Sleep = asyncio.sleep,
                 *, workers: int = 1) -> None:
        super().__init__(limits, sleep)
        self.name = name
        self._book = client.register_script(BOOK_LUA)
        self._share = limits.shared_by(workers)
        self._fallback: Pacer | None = None   # this worker's own buckets, while Redis is away
        self._rejoined_until = 0.0
        self._booked_until = 0.0   # when the last bot slot given to this worker begins (monotonic)

    async def _booked(self, key: str, interval: float, tolerance: float, fallback: Callable[[Pacer], float],
                      latest: float | None, booked_until: float = 0.0) -> float:
        """`booked_until`: when this worker's last slot of the bucket begins, if known. While a slot
        is ahead the bucket's key cannot have expired, so finding it missing means Redis lost it."""
        now = time.monotonic()
        spent = self._fallback is not None or now < self._rejoined_until or booked_until > now
        ahead = f"{max(0.0, booked_until - now):.6f}" if spent else ""
        try:
            wait = float(await self._book(keys=[key], args=[interval, tolerance, ahead,
                                                            "" if latest is None else f"{latest:.6f}"]))
        except RedisError as exc:
            if self._fallback is None:
                log.warning("shared rate limiter unavailable (%s); pacing by this worker alone", exc)
                self._fallback = Pacer.for_limits(self._share, sleep=self.sleep, spent_until=max(now, self._booked_until))
            return fallback(self._fallback)
        if self._fallback is not None:   # back: the buckets Redis lost start spent for a while
            self._fallback, self._rejoined_until = None, now + REJOIN_SECONDS
        return wait

    async def reserve_chat(self, chat_id: str, latest: float | None = None) -> float:
        return await self._booked(f"{PREFIX}:pace:{self.name}:chat:{chat_id}", self.limits.per_chat_interval,
                                  self.limits.chat_tolerance, lambda own: own.chat_delay(chat_id, latest), latest)

    async def reserve_bot(self, latest: float | None = None) -> float:
        wait = await self._booked(f"{PREFIX}:pace:{self.name}", self.limits.global_interval,
                                  self.limits.global_tolerance, lambda own: own.bot_delay(latest), latest,
                                  self._booked_until)
        if latest is None or wait <= latest:   # booked
            self._booked_until = max(self._booked_until, time.monotonic() + wait)
        return wait


class RedisChatLocks(ChatLocks):
    """A lock key per chat (SET NX PX with a random token), kept alive while held and released
    only by its holder; a worker that dies loses its locks after `ttl` seconds. Contenders of this
    worker queue on a local lock first, so only one of them polls Redis."""

    def __init__(self, client: aioredis.Redis, name: str, ttl: float = 10.0) -> None:
        self.redis, self.name, self.ttl = client, name, ttl
        self._local = LocalChatLocks()
        self._keepers: set[asyncio.Task[None]] = set()
        self._release = client.register_script(RELEASE_LUA)
        self._extend = client.register_script(EXTEND_LUA)

    @contextlib.asynccontextmanager
    async def __call__(self, chat_id: str) -> AsyncIterator[None]:
        async with self._local(chat_id):
            key, token = f"{PREFIX}:lock:{self.name}:{chat_id}", secrets.token_hex(12)
            await self._acquire(key, token)
            held = [True]
            keeper = asyncio.create_task(self._keep(key, token, held))
            self._keepers.add(keeper)
            keeper.add_done_callback(self._keepers.discard)
            try:
                yield
            finally:
                # Not awaited: a cancel that lands as redis-py's asyncio.wait_for finishes a call is
                # lost on Python 3.11, and awaiting that keeper held the chat's lock for ever.
                # `held` ends it at its next wake-up; an extend after the release changes nothing.
                held[0] = False
                keeper.cancel()
                # bounded: with Redis away, redis-py's retries would hold a stopping worker for many
                # seconds per chat; an unreleased lock lapses after `ttl` anyway
                with contextlib.suppress(RedisError, TimeoutError):
                    await asyncio.wait_for(self._release(keys=[key], args=[token]), RELEASE_WAIT)

    async def _acquire(self, key: str, token: str) -> None:
        delay = 0.005
        while True:
            try:
                if await self.redis.set(key, token, nx=True, px=int(self.ttl * 1000)):
                    return
            except RedisError as exc:
                log.warning("chat lock %s: Redis unavailable (%s); waiting", key, exc)
                delay = 0.5
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1) if delay < 0.5 else 0.5

    async def _keep(self, key: str, token: str, held: list[bool]) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            if not held[0]:
                return
            with contextlib.suppress(RedisError):
                await self._extend(keys=[key], args=[token, int(self.ttl * 1000)])


class RedisLeader(Leadership):
    """A lease key: taken when free, extended by its holder, lapsing `ttl` seconds after a holder dies."""

    def __init__(self, client: aioredis.Redis, ttl: float, key: str = f"{PREFIX}:leader") -> None:
        self.redis, self.ttl, self.key = client, ttl, key
        self.token = secrets.token_hex(12)
        self._extend = client.register_script(EXTEND_LUA)
        self._release = client.register_script(RELEASE_LUA)

    async def lead(self) -> bool:
        try:
            if await self._extend(keys=[self.key], args=[self.token, int(self.ttl * 1000)]):
                return True
            return bool(await self.redis.set(self.key, self.token, nx=True, px=int(self.ttl * 1000)))
        except RedisError as exc:
            log.warning("leader lease unavailable (%s); skipping this round of timed jobs", exc)
            return False

    async def resign(self) -> None:
        with contextlib.suppress(RedisError, TimeoutError):
            await asyncio.wait_for(self._release(keys=[self.key], args=[self.token]), RELEASE_WAIT)


class RedisCoordination(Coordination):
    def __init__(self, url: str, lock_ttl: float = 10.0, leader_ttl: float = 60.0, workers: int = 1) -> None:
        # A burst takes a chat lock per update at the same moment: past `max_connections` a command
        # waits for a free connection instead of failing as if Redis were down (redis-py's default pool).
        self.redis: aioredis.Redis = aioredis.Redis.from_pool(aioredis.BlockingConnectionPool.from_url(
            url, max_connections=100, timeout=5, socket_timeout=5, socket_connect_timeout=2, health_check_interval=10))
        self._listener = aioredis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=10)
        self.signal: RedisSignal = RedisSignal(self.redis, self._listener)
        self.live: RedisLiveBus = RedisLiveBus(self.redis, self._listener)
        self.leader = RedisLeader(self.redis, leader_ttl)
        self.lock_ttl, self.workers = lock_ttl, workers
        self._locks: dict[str, ChatLocks] = {}

    def locks(self, name: str) -> ChatLocks:
        if name not in self._locks:
            self._locks[name] = RedisChatLocks(self.redis, name, self.lock_ttl)
        return self._locks[name]

    def pacer(self, name: str, limits: Limits) -> RateLimiter:
        return RedisPacer(self.redis, name, limits, workers=self.workers)

    async def start(self) -> None:
        self.signal.start()
        self.live.start()

    async def close(self) -> None:
        await self.leader.resign()
        await self.signal.close()
        await self.live.close()
        await self.redis.aclose()
        await self._listener.aclose()


def redis_coordination(url: str, **options: Any) -> RedisCoordination:
    return RedisCoordination(url, **options)
