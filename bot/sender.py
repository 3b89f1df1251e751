"""The outbox sender loop shared by every push channel (Telegram, Zalo, ...).

It delivers what handlers committed to the outbox, in order per chat, retrying with backoff and
honouring the platform's own "retry after"; a message that can never be delivered is marked failed.
"""
from __future__ import annotations

import logging
from typing import Protocol

from handlers import Core, Outgoing, claim_pending, mark_failed, mark_retry, mark_sent, release

log = logging.getLogger(__name__)


class RetryLater(Exception):
    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class Undeliverable(Exception):
    """The platform refused for good (blocked by the user, chat gone, bad request)."""


class Deliverer(Protocol):
    channel: str

    async def deliver(self, item: Outgoing) -> str | None:
        """Send one message; return the platform's message id."""


async def deliver_batch(core: Core, deliverer: Deliverer) -> int:
    """Deliver what is due now; returns how many messages were handled."""
    items = await claim_pending(core.db, deliverer.channel)
    blocked: set[str] = set()
    for item in items:
        if item.chat_id in blocked:  # behind an earlier message of the chat that must wait
            await release(core.db, [item.outbox_id])
            continue
        try:
            platform_id = await deliverer.deliver(item)
        except RetryLater as exc:
            blocked.add(item.chat_id)
            await mark_retry(core.db, item.outbox_id, str(exc), exc.delay)
        except Undeliverable as exc:
            log.warning("outbox %s undeliverable: %s", item.outbox_id, exc)
            await mark_failed(core.db, item.outbox_id, str(exc))
        except Exception as exc:  # a bug or a surprise in one message must not stall the others
            log.exception("outbox %s: unexpected error while sending; will retry", item.outbox_id)
            blocked.add(item.chat_id)
            await mark_retry(core.db, item.outbox_id, f"{type(exc).__name__}: {exc}")
        else:
            await mark_sent(core.db, item.outbox_id, platform_id)
    return len(items)


async def run_sender(core: Core, deliverer: Deliverer, poll_seconds: float) -> None:
    """Run until cancelled: wake on a commit signal, or poll for other workers' messages."""
    while True:
        try:
            handled = await deliver_batch(core, deliverer)
        except Exception:  # a database hiccup must not kill delivery for good
            log.exception("outbox sender for %s failed; retrying", deliverer.channel)
            handled = 0
        if handled == 0:
            await core.signal.wait(deliverer.channel, poll_seconds)
