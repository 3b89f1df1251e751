"""Anonymising cases: what identifies or tells the citizen's story goes; what the statistics need
(domain, unit, status, dates, rating, province) stays. Used when a citizen deletes their data and
when a resolved case passes its retention period. `topic_terms` stays too: only words of our own
public vocabulary (handlers/topics.py), so the board's topic history does not change with erasures."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.privacy import mask_personal
from handlers.texts import render
from storage import Attachment, Case, CaseEvent, Correction, Message, OutboxItem, OutboxStatus

MARKER_KEY = "data.erased_marker"


def marker() -> str:
    return render(MARKER_KEY, "vi")


async def anonymise_cases(session: AsyncSession, case_ids: Sequence[int]) -> None:
    """Blank the cases' texts, contacts, places below the province, messages and photo references.
    Messages still waiting in the outbox are left alone so a sender never finds an empty text."""
    if not case_ids:
        return
    for case in (await session.scalars(select(Case).where(Case.id.in_(case_ids)))).unique().all():
        case.description, case.similarity_key, case.contact_phone = marker(), None, None
        case.latitude = case.longitude = None
        case.commune, case.anonymous = None, True
        case.resume_secret_hash = None   # nothing left to resume: the chat is blank now
        case.result = mask_personal(case.result) if case.result else case.result
    for event in (await session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))).all():
        if "text" in (event.data or {}):
            event.data = {**event.data, "text": ""}
    await session.execute(update(Correction).where(Correction.case_id.in_(case_ids)).values(text=""))
    await blank_messages(session, Message.case_id.in_(case_ids))


async def blank_messages(session: AsyncSession, which: object) -> None:
    waiting = select(OutboxItem.message_id).where(OutboxItem.status == OutboxStatus.PENDING)
    await session.execute(update(Message).where(which, Message.id.not_in(waiting))  # type: ignore[arg-type]
                          .values(text="", buttons=[]).execution_options(synchronize_session=False))
    await session.execute(update(Attachment).where(Attachment.message_id.in_(select(Message.id).where(which)))  # type: ignore[arg-type]
                          .values(platform_ref="", media_key=None, thumb_key=None)
                          .execution_options(synchronize_session=False))
