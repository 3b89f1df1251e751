"""Consent under Decree 13/2023: the one check, how it is asked, recorded, refused and withdrawn.

Nothing a citizen writes is handled before they agree; what they wrote waits in the draft. A
refusal or a withdrawal erases what is not yet part of a case (cases already filed stay with
their unit, as the law on complaints requires, and the citizen is told so).
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select, update

from handlers.buttons import Consent
from handlers.texts import CONSENT_VERSION
from handlers.turn import Rows, Turn
from storage import Case, Direction, Message, OutboxItem, OutboxStatus

CONSENT = "consent"
START = "start"
BUTTONS: Rows = ((("button.agree", Consent(answer="yes")),), (("button.decline", Consent(answer="no")),))
_WITHDRAW = re.compile(r"\b(rut lai|thu hoi|huy bo|huy|bo|khong con) (su )?dong y\b|\bkhong dong y nua\b"
                       r"|\bwithdraw (my )?consent\b")


def has_consent(turn: Turn) -> bool:
    """The one consent check: an agreement to the text shown today, not refused since."""
    return turn.citizen.consent_at is not None and turn.citizen.consent_version == CONSENT_VERSION


def folded(text: str) -> str:
    """Lower case without Vietnamese marks, for matching a few fixed phrases typed either way."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def is_withdrawal(text: str) -> bool:
    """'rút lại đồng ý', 'tôi hủy đồng ý' ...: short messages only, so a story that mentions
    agreeing is never taken for a withdrawal."""
    words = folded(text)
    return len(words.split()) <= 8 and _WITHDRAW.search(words) is not None


def ask(turn: Turn, pending: str | None = None, *, full: bool = False) -> None:
    """The full notice the first time (or on /start); once it was shown, a short acknowledgement
    with the buttons, not the whole welcome again."""
    d = turn.draft
    if pending:
        turn.set_draft(pending=f"{d.pending}\n{pending}" if d.pending else pending,
                       first_message_id=d.first_message_id or turn.message.id)
    if turn.conversation.state == CONSENT and not full:
        turn.say("consent.pending" if pending else "consent.remind", buttons=BUTTONS)
        return
    turn.conversation.state = CONSENT
    turn.say("welcome")
    turn.say("consent.ask", buttons=BUTTONS)


def record(turn: Turn) -> None:
    turn.citizen.consent_at = turn.core.clock()
    turn.citizen.consent_version = CONSENT_VERSION
    turn.citizen.consent_declined_at = None


async def erase_unfiled(turn: Turn) -> None:
    """Blank every message of this chat that is not part of a case: the citizen's words, and the
    bot's echoes of them (summaries) once delivered. Messages still waiting in the outbox are
    left alone so a sender never finds an empty text."""
    conversation_id = turn.conversation.id
    await turn.session.execute(
        update(Message)
        .where(Message.conversation_id == conversation_id, Message.case_id.is_(None),
               Message.direction == Direction.IN)
        .values(text="")
    )
    waiting = select(OutboxItem.message_id).where(OutboxItem.status == OutboxStatus.PENDING)
    await turn.session.execute(
        update(Message)
        .where(Message.conversation_id == conversation_id, Message.case_id.is_(None),
               Message.direction == Direction.OUT, Message.id.not_in(waiting))
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    turn.message.text = ""


async def refuse(turn: Turn) -> None:
    """Respect a refusal: forget what was written and keep nothing but the refusal itself."""
    turn.citizen.consent_declined_at = turn.core.clock()
    turn.citizen.consent_at = None
    await erase_unfiled(turn)
    turn.reset(START)
    turn.say("consent.declined")


async def withdraw(turn: Turn) -> None:
    """Consent taken back: stop handling, erase the unfiled, and say what happens to filed cases."""
    if not has_consent(turn) and not turn.draft.pending:
        turn.say("consent.nothing_to_withdraw")
        return
    turn.citizen.consent_declined_at = turn.core.clock()
    turn.citizen.consent_at = None
    await erase_unfiled(turn)
    turn.reset(START)
    turn.say("consent.withdrawn")
    codes = (await turn.session.scalars(
        select(Case.code).where(Case.citizen_id == turn.citizen.id).order_by(Case.id))).all()
    if codes:
        turn.say("consent.withdrawn_cases", codes=", ".join(codes))
