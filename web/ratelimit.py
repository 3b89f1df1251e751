"""In-process rate limits: login back-off, case creation and /model/parse per citizen or address.

They live in the process (one `Limits` per app). With several workers each keeps its own count,
which still bounds an attacker to workers x limit; the login back-off doubles per failure, so
that factor buys little.
"""
from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException, Request, status

Clock = Callable[[], float]
MAX_KEYS = 50_000  # beyond this, forget the quiet keys: memory stays bounded under a spray of addresses


class TooManyRequests(HTTPException):
    def __init__(self, wait: float, detail: str = "too many requests; try again later") -> None:
        self.seconds = max(1, math.ceil(wait))
        self.retry_headers = {"Retry-After": str(self.seconds)}
        super().__init__(status.HTTP_429_TOO_MANY_REQUESTS, detail, headers=self.retry_headers)


class Backoff:
    """`free` failures per key, then each further try waits base * 2**(extra failures), up to `cap`.
    A success, or `window` seconds without failure, forgets the key."""

    def __init__(self, free: int, base: float, cap: float, window: float, clock: Clock = time.monotonic) -> None:
        self.free, self.base, self.cap, self.window, self.clock = free, base, cap, window, clock
        self._failures: dict[str, tuple[int, float]] = {}

    def retry_after(self, key: str) -> float:
        count, last = self._failures.get(key, (0, 0.0))
        now = self.clock()
        if count == 0 or now - last > self.window:
            return 0.0
        if count < self.free:
            return 0.0
        delay: float = min(self.cap, self.base * 2.0 ** (count - self.free))
        return max(0.0, last + delay - now)

    def failed(self, key: str) -> None:
        now = self.clock()
        count, last = self._failures.get(key, (0, 0.0))
        self._failures[key] = (1 if now - last > self.window else count + 1, now)
        if len(self._failures) > MAX_KEYS:
            self._failures = {k: v for k, v in self._failures.items() if now - v[1] <= self.window}

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


class Window:
    """At most `limit` events per key in any `period` seconds (a sliding log)."""

    def __init__(self, limit: int, period: float, clock: Clock = time.monotonic) -> None:
        self.limit, self.period, self.clock = limit, period, clock
        self._events: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self.period:
            events.popleft()
        return events

    def retry_after(self, key: str) -> float:
        events = self._recent(key)
        return 0.0 if len(events) < self.limit else max(0.001, events[0] + self.period - self.clock())

    def record(self, key: str) -> None:
        self._recent(key).append(self.clock())
        if len(self._events) > MAX_KEYS:
            now = self.clock()
            self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < self.period}

    def hit(self, key: str) -> None:
        """Count one event, or raise 429 when the key is over its limit."""
        if (wait := self.retry_after(key)) > 0:
            raise TooManyRequests(wait)
        self.record(key)


@dataclass
class Limits:
    """Every limit of one app; tests build their own to make them small."""

    login_account: Backoff = field(default_factory=lambda: Backoff(free=5, base=2, cap=900, window=3600))
    login_address: Backoff = field(default_factory=lambda: Backoff(free=30, base=2, cap=900, window=3600))
    cases_citizen: Window = field(default_factory=lambda: Window(limit=5, period=3600))
    cases_address: Window = field(default_factory=lambda: Window(limit=30, period=3600))
    parse_address: Window = field(default_factory=lambda: Window(limit=120, period=60))
    # Resuming a web chat with code + secret: guesses back off per code and per address (issue 7).
    resume_code: Backoff = field(default_factory=lambda: Backoff(free=5, base=2, cap=900, window=3600))
    resume_address: Backoff = field(default_factory=lambda: Backoff(free=20, base=2, cap=900, window=3600))
    open311_client: Window = field(default_factory=lambda: Window(limit=600, period=3600))  # POSTs per API key


def limits_of(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


def client_address(request: Request) -> str:
    """The peer address (uvicorn already applied X-Forwarded-For when the proxy is trusted)."""
    return request.client.host if request.client else "unknown"
