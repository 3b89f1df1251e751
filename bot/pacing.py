"""Pacing sends to a platform's published limits, so bursts are smoothed here instead of bounced
back as 429s, without making a citizen wait when the platform would have taken the message at once.

Both limits are token buckets in their GCRA form (one "theoretical arrival time" per key): a chat
may receive a short burst (Telegram: about 5) and then one message a second; the whole bot about
30 a second. A send books the first instant both buckets allow and sleeps until then.

`Pacer` keeps the buckets in this process (the embedded default); `bot.redis_coord.RedisPacer`
keeps them in Redis with one Lua script, so N workers together stay within the same limits.
"""
from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]
LATE = 0.1   # seconds a send may leave after its bot slot before the slot is booked again
LATE_REBOOKS = 3   # then it leaves anyway: a 429 is honoured like any other


class ClaimRunsOut(Exception):  # noqa: N818 (a situation, not a failure)
    """The send's slot falls after the sender's claim on the message ends: by then another worker
    may have claimed it, so it must not go; the sender hands it back instead."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Intervals are seconds between sends once a burst is used up; a burst of 1 means none."""

    per_chat_interval: float
    global_interval: float
    chat_burst: int = 1
    global_burst: int = 1

    @property
    def chat_tolerance(self) -> float:
        return (self.chat_burst - 1) * self.per_chat_interval

    @property
    def global_tolerance(self) -> float:
        return (self.global_burst - 1) * self.global_interval

    def shared_by(self, workers: int) -> Limits:
        """One worker's share when the workers cannot book together (Redis away): N workers each
        pacing to their share stay within the platform's limits together."""
        if workers <= 1:
            return self
        return Limits(self.per_chat_interval * workers, self.global_interval * workers,
                      max(1, self.chat_burst // workers), max(1, self.global_burst // workers))


# Telegram's flood control allows about 5 quick messages to a chat, then one a second, and about
# 30 a second per bot. We stay one message under a chat's burst and a little under the rate: network
# jitter can bring two sends closer together at Telegram than they left here. The bot's burst keeps
# 10 in hand: when a busy event loop wakes booked sends late, they leave together (the 200-citizen
# fault test saw 2 flood-control 429s with a burst of 25, from stalls of a few hundred ms).
TELEGRAM_LIMITS = Limits(per_chat_interval=1.0, global_interval=1 / 28, chat_burst=4, global_burst=20)
ZALO_LIMITS = Limits(per_chat_interval=0.5, global_interval=1 / 20)


def book(now: float, tat: float, interval: float, tolerance: float) -> tuple[float, float]:
    """GCRA for one bucket: the earliest send time it allows, and its new arrival time.

    The same arithmetic runs in Redis (bot/redis_coord.py's Lua script); keep the two alike.
    """
    start = max(now, tat - tolerance)
    return start, max(tat, start) + interval


class RateLimiter(ABC):
    """Where the buckets live is the implementation's business; callers only `wait`.

    The chat's slot is booked first and waited for; only then is the bot's slot booked, so a chat
    that must wait a second never books (and blocks) the bot's capacity for everyone else.
    """

    def __init__(self, limits: Limits, sleep: Sleep = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits, self.sleep, self.clock = limits, sleep, clock

    @abstractmethod
    async def reserve_chat(self, chat_id: str, latest: float | None = None) -> float:
        """Book the chat's next send; returns the seconds to wait before it. A slot more than
        `latest` seconds away is not booked (its wait is returned all the same): nobody will use it."""

    @abstractmethod
    async def reserve_bot(self, latest: float | None = None) -> float:
        """Book a send of the whole bot, now; returns the seconds to wait before it (`latest` as above)."""

    def recall(self, sends: Iterable[tuple[str, float]]) -> None:  # noqa: B027 (shared buckets remember)
        """Book sends made before this limiter existed: (chat, seconds ago). Buckets kept in this
        process start full, but a restarted process's last sends still count at the platform."""

    async def wait(self, chat_id: str, until: float | None = None) -> None:
        """Sleep until both buckets allow a send. A bot slot woken late (a busy event loop runs
        the timers of a whole stall at once) is booked again: sends booked apart must not leave
        together. The missed slot stays spent, which only slows the bot down.

        `until` (this limiter's clock, see `from_monotonic`): raise `ClaimRunsOut` instead of
        sending after it, checked on every slot and on waking, the last moment before the platform
        is called. A slot after `until` is not booked, so a backlog longer than the claim burns no
        bot slots (a chat slot booked before a refused bot slot stays used: that chat waits longer)."""
        left = self._left(until)
        if (pause := self._refuse_late(await self.reserve_chat(chat_id, left), left)) > 0:
            await self.sleep(pause)
        for _ in range(LATE_REBOOKS):
            left = self._left(until)
            pause = self._refuse_late(await self.reserve_bot(left), left)
            due = self.clock() + pause
            if pause > 0:
                await self.sleep(pause)
            if self.clock() - due <= LATE:
                break
        if until is not None and self.clock() > until:   # woken after the claim ended
            raise ClaimRunsOut(f"woken {self.clock() - until:.2f} s after the claim ended")

    def from_monotonic(self, until: float | None) -> float | None:
        """A `time.monotonic()` deadline on this limiter's clock (the same clock, but in tests)."""
        return None if until is None else self.clock() + (until - time.monotonic())

    def _left(self, until: float | None) -> float | None:
        return None if until is None else until - self.clock()

    @staticmethod
    def _refuse_late(pause: float, left: float | None) -> float:
        """A reservation refuses (does not book) a slot more than `left` seconds away; decide here
        from the same two numbers, so a slot is never booked and then refused."""
        if left is not None and pause > left:
            raise ClaimRunsOut(f"the next slot is {pause - left:.2f} s after the claim ends")
        return pause


class Pacer(RateLimiter):
    """The buckets in this process: right for one worker (`make run`)."""

    def __init__(self, per_chat_interval: float, global_interval: float,
                 clock: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep,
                 *, chat_burst: int = 1, global_burst: int = 1, spent_until: float | None = None) -> None:
        # clock and sleep are parameters so tests can run the same pacing on virtual time
        super().__init__(Limits(per_chat_interval, global_interval, chat_burst, global_burst), sleep, clock)
        self._chat_tat: dict[str, float] = {}
        self._global_tat = 0.0
        if spent_until is not None:   # the bot's bucket as if a full burst left then: earlier sends still count
            self._global_tat = spent_until + self.limits.global_tolerance + self.limits.global_interval

    @classmethod
    def for_limits(cls, limits: Limits, clock: Callable[[], float] = time.monotonic,
                   sleep: Sleep = asyncio.sleep, *, spent_until: float | None = None) -> Pacer:
        return cls(limits.per_chat_interval, limits.global_interval, clock, sleep,
                   chat_burst=limits.chat_burst, global_burst=limits.global_burst, spent_until=spent_until)

    def recall(self, sends: Iterable[tuple[str, float]]) -> None:
        now = self.clock()
        for chat_id, ago in sorted(sends, key=lambda send: -send[1]):   # oldest first, as they left
            at = now - ago
            _, self._chat_tat[chat_id] = book(at, self._chat_tat.get(chat_id, 0.0), self.limits.per_chat_interval,
                                              self.limits.chat_tolerance)
            _, self._global_tat = book(at, self._global_tat, self.limits.global_interval, self.limits.global_tolerance)

    def chat_delay(self, chat_id: str, latest: float | None = None) -> float:
        now = self.clock()
        start, tat = book(now, self._chat_tat.get(chat_id, 0.0), self.limits.per_chat_interval,
                          self.limits.chat_tolerance)
        if latest is None or start - now <= latest:
            self._chat_tat[chat_id] = tat
        if len(self._chat_tat) > 10_000:  # forget chats whose bucket is full again
            self._chat_tat = {c: t for c, t in self._chat_tat.items() if t > now}
        return start - now

    def bot_delay(self, latest: float | None = None) -> float:
        now = self.clock()
        start, tat = book(now, self._global_tat, self.limits.global_interval, self.limits.global_tolerance)
        if latest is None or start - now <= latest:
            self._global_tat = tat
        return start - now

    async def reserve_chat(self, chat_id: str, latest: float | None = None) -> float:
        return self.chat_delay(chat_id, latest)

    async def reserve_bot(self, latest: float | None = None) -> float:
        return self.bot_delay(latest)
