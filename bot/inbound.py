"""Handing an inbound message to the core, riding out a brief database outage.

The core stores each update once (by its platform id), so trying again is always safe.
"""
from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from handlers import Core, Inbound, InboundResult, handle_inbound

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.2, 1.0, 3.0)


def is_transient(exc: DBAPIError) -> bool:
    """A locked SQLite file or a dropped connection passes; a bad statement does not."""
    return isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated


async def deliver_inbound(core: Core, inbound: Inbound) -> InboundResult:
    for delay in RETRY_DELAYS:
        try:
            return await handle_inbound(core, inbound)
        except DBAPIError as exc:
            if not is_transient(exc):
                raise
            log.warning("database unavailable for %s update %s; retrying in %.1fs: %s",
                        inbound.channel, inbound.update_id, delay, exc.__class__.__name__)
            await asyncio.sleep(delay)
    return await handle_inbound(core, inbound)
