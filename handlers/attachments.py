"""Photos attached to citizens' messages: recorded in the message's transaction, fetched after it.

The message is stored first with the platform's reference to the photo (a URL, a file id), so a
failed or slow download never loses what the citizen wrote.  A fetcher per channel claims due
photos (leased, so two workers never fetch the same one), stores them by content hash and marks
them; failures are retried with backoff, and after `MAX_ATTEMPTS` the photo is marked failed with
its reason while the message stays.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import CaseNotFound
from handlers.media import StoredPhoto
from handlers.staff_actions import can_see_personal, can_view
from storage import Attachment, AttachmentStatus, Case, Database, Message, StaffAccount

__all__ = ["PhotoJob", "PhotoView", "photo_signal", "record_photo", "claim_due_photos", "mark_photo_stored",
           "mark_photo_retry", "mark_photo_failed", "case_photos", "photos_of_case", "photo_for_staff", "PhotoFile",
           "MAX_ATTEMPTS"]

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=2)
BATCH = 10


@dataclass(frozen=True, slots=True)
class PhotoJob:
    attachment_id: int
    platform_ref: str
    attempts: int


@dataclass(frozen=True, slots=True)
class PhotoView:
    attachment_id: int
    status: str
    media_key: str | None
    thumb_key: str | None
    mime: str | None
    created_at: datetime


def photo_signal(channel: str) -> str:
    """The wake-up key of a channel's photo fetcher (its outbox sender has the channel's own)."""
    return f"photo:{channel}"


def record_photo(session: AsyncSession, message: Message, platform_ref: str) -> None:
    session.add(Attachment(message_id=message.id, channel=message.channel, platform_ref=platform_ref[:4000]))


async def claim_due_photos(db: Database, channel: str, limit: int = BATCH) -> list[PhotoJob]:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        query = (select(Attachment)
                 .where(Attachment.channel == channel, Attachment.status == AttachmentStatus.PENDING,
                        Attachment.next_attempt_at <= now)
                 .order_by(Attachment.id).limit(limit))
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = (await session.scalars(query)).all()
        for row in rows:
            row.next_attempt_at = now + LEASE
        return [PhotoJob(r.id, r.platform_ref, r.attempts) for r in rows]


async def mark_photo_stored(db: Database, attachment_id: int, photo: StoredPhoto) -> None:
    async with db.transaction() as session:
        row = await session.get(Attachment, attachment_id)
        if row is not None:
            row.status, row.media_key, row.thumb_key = AttachmentStatus.STORED, photo.key, photo.thumb_key
            row.mime, row.size, row.attempts, row.last_error = photo.mime, photo.size, row.attempts + 1, None


async def mark_photo_retry(db: Database, attachment_id: int, error: str) -> None:
    """Back off 30 s, 1 min, 2 min ... ; after MAX_ATTEMPTS tries the photo is marked failed."""
    async with db.transaction() as session:
        row = await session.get(Attachment, attachment_id)
        if row is None:
            return
        row.attempts += 1
        row.last_error = error[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = AttachmentStatus.FAILED
        else:
            row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=30 * 2 ** (row.attempts - 1))


async def mark_photo_failed(db: Database, attachment_id: int, error: str) -> None:
    async with db.transaction() as session:
        row = await session.get(Attachment, attachment_id)
        if row is not None:
            row.status, row.last_error, row.attempts = AttachmentStatus.FAILED, error[:2000], row.attempts + 1


async def case_photos(session: AsyncSession, case_id: int) -> list[PhotoView]:
    rows = (await session.scalars(
        select(Attachment).join(Message, Message.id == Attachment.message_id)
        .where(Message.case_id == case_id).order_by(Attachment.id))).all()
    return [PhotoView(r.id, r.status.value, r.media_key, r.thumb_key, r.mime, r.created_at) for r in rows]


@dataclass(frozen=True, slots=True)
class PhotoFile:
    key: str
    mime: str


async def photos_of_case(db: Database, case_id: int) -> list[PhotoView]:
    async with db.sessions() as session:
        return await case_photos(session, case_id)


async def photo_for_staff(db: Database, staff: StaffAccount, attachment_id: int, thumb: bool) -> PhotoFile:
    """A stored photo for staff who may see the case's personal data (a photo is personal data:
    moderators see that there is one, not what it shows); CaseNotFound otherwise, so its
    existence is not confirmed to anyone else."""
    async with db.sessions() as session:
        row = await session.get(Attachment, attachment_id)
        message = await session.get(Message, row.message_id) if row is not None else None
        case = await session.get(Case, message.case_id) if message is not None and message.case_id else None
        if (row is None or case is None or row.status is not AttachmentStatus.STORED
                or not can_view(staff, case) or not can_see_personal(staff, case)):
            raise CaseNotFound(str(attachment_id))
        key = row.thumb_key if thumb else row.media_key
        if key is None:
            raise CaseNotFound(str(attachment_id))
        return PhotoFile(key, "image/jpeg" if thumb else row.mime or "application/octet-stream")
