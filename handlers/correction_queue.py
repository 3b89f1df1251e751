"""The corrections queue: domains moderators corrected and misroutes staff fixed wait here until a
moderator accepts or rejects each. Accepted ones, personal data masked when they were queued,
become training examples; every fifth is kept out of training to test the next model on."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core import Core
from handlers.errors import CaseNotFound, InvalidAction
from handlers.privacy import mask_personal
from storage import Case, Correction, CorrectionStatus, Database, ModerationEvent, StaffAccount, StaffRole

HELD_OUT_EVERY = 5


@dataclass(frozen=True)
class QueuedCorrection:
    correction: Correction
    code: str


def queue_correction(session: AsyncSession, case: Case, source: str, actor: str, to_domain: str,
                     reason: str | None, now: datetime) -> None:
    """A domain someone says the case should have had; the text is masked before it is stored here."""
    session.add(Correction(case_id=case.id, source=source, actor=actor, from_domain=case.nlu_label or case.domain,
                           to_domain=to_domain, text=" ".join(mask_personal(case.description).split()),
                           reason=reason, created_at=now))


async def corrections(db: Database, status: CorrectionStatus | None = CorrectionStatus.PENDING,
                      limit: int = 200) -> list[QueuedCorrection]:
    query = select(Correction, Case.code).join(Case, Case.id == Correction.case_id)
    if status is not None:
        query = query.where(Correction.status == status)
    async with db.sessions() as session:
        rows = (await session.execute(query.order_by(Correction.id.desc()).limit(limit))).all()
    return [QueuedCorrection(correction, code) for correction, code in rows]


async def _decide(core: Core, staff: StaffAccount, correction_id: int, status: CorrectionStatus,
                  reason: str | None) -> Correction:
    if staff.role not in (StaffRole.MODERATOR, StaffRole.ADMIN):
        raise CaseNotFound(str(correction_id))
    async with core.db.transaction() as session:
        correction = await session.get(Correction, correction_id, with_for_update=True)
        if correction is None:
            raise CaseNotFound(str(correction_id))
        if correction.status is not CorrectionStatus.PENDING:
            raise InvalidAction(f"correction {correction_id} is {correction.status.value} already")
        now = core.clock()
        correction.status, correction.decided_by, correction.decided_at = status, f"staff:{staff.username}", now
        case = await session.get(Case, correction.case_id)
        assert case is not None
        session.add(ModerationEvent(conversation_id=case.conversation_id, case_id=case.id,
                                    kind=f"correction_{status.value}", actor=f"staff:{staff.username}",
                                    reason=reason, created_at=now,
                                    data={"correction": correction.id, "to_domain": correction.to_domain}))
    return correction


async def do_accept_correction(core: Core, staff: StaffAccount, correction_id: int, reason: str = "") -> Correction:
    return await _decide(core, staff, correction_id, CorrectionStatus.ACCEPTED, reason.strip() or None)


async def do_reject_correction(core: Core, staff: StaffAccount, correction_id: int, reason: str) -> Correction:
    if not reason.strip():
        raise InvalidAction("reason must not be empty")
    return await _decide(core, staff, correction_id, CorrectionStatus.REJECTED, reason.strip())


def held_out(correction: Correction) -> bool:
    return correction.id % HELD_OUT_EVERY == 0


async def accepted_examples(db: Database) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """(label -> training texts, [(text, label)] held out for evaluation). The latest accepted
    correction of a case wins."""
    async with db.sessions() as session:
        rows = (await session.scalars(select(Correction).where(Correction.status == CorrectionStatus.ACCEPTED)
                                      .order_by(Correction.id))).all()
    latest = {c.case_id: c for c in rows}
    train: defaultdict[str, list[str]] = defaultdict(list)
    test: list[tuple[str, str]] = []
    for correction in latest.values():
        text = " ".join(mask_personal(correction.text).split())
        if not text:
            continue
        if held_out(correction):
            test.append((text, correction.to_domain))
        elif text not in train[correction.to_domain]:
            train[correction.to_domain].append(text)
    return dict(train), test
