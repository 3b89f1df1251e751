"""Fetching citizens' photos from each platform after their message is stored.

Each channel that receives photos implements `PhotoSource.fetch_photo(ref, limit)`; the loop here
claims due photos, fetches them (never more than `limit` bytes), checks and stores them off the
event loop, and marks each one: retried on network trouble, failed for good when the content is
not an image we accept.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import httpx

from handlers import Core
from handlers.attachments import (
    claim_due_photos,
    mark_photo_failed,
    mark_photo_retry,
    mark_photo_stored,
    photo_signal,
)
from handlers.media import MAX_PHOTO_BYTES, MediaRejected, store_photo
from storage.media import MediaStore

log = logging.getLogger(__name__)


class PhotoTooLarge(MediaRejected):
    pass


class PhotoSource(Protocol):
    channel: str

    async def fetch_photo(self, ref: str, limit: int) -> bytes:
        """The photo's bytes; PhotoTooLarge past `limit`, any other exception is retried."""


async def download_capped(client: httpx.AsyncClient, url: str, limit: int) -> bytes:
    """GET a URL, refusing bodies over `limit` bytes without reading them whole."""
    async with client.stream("GET", url) as response:
        response.raise_for_status()
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise PhotoTooLarge(f"{declared} bytes is over {limit}")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > limit:
                raise PhotoTooLarge(f"more than {limit} bytes")
        return bytes(body)


async def fetch_due_photos(core: Core, source: PhotoSource, store: MediaStore) -> int:
    jobs = await claim_due_photos(core.db, source.channel)
    for job in jobs:
        try:
            data = await source.fetch_photo(job.platform_ref, MAX_PHOTO_BYTES)
            photo = await asyncio.to_thread(store_photo, store, data)
        except MediaRejected as exc:
            log.info("photo %s refused: %s", job.attachment_id, exc)
            await mark_photo_failed(core.db, job.attachment_id, str(exc))
        except Exception as exc:   # network, platform, disk: try again later
            log.warning("photo %s not fetched yet: %s", job.attachment_id, type(exc).__name__)
            await mark_photo_retry(core.db, job.attachment_id, f"{type(exc).__name__}: {exc}")
        else:
            await mark_photo_stored(core.db, job.attachment_id, photo)
    return len(jobs)


async def run_photo_fetcher(core: Core, source: PhotoSource, store: MediaStore, poll_seconds: float) -> None:
    while True:
        try:
            handled = await fetch_due_photos(core, source, store)
        except Exception:
            log.exception("photo fetcher for %s failed; retrying", source.channel)
            handled = 0
        if handled == 0:
            await core.signal.wait(photo_signal(source.channel), poll_seconds)
