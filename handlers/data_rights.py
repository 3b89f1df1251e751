"""A citizen's rights over their data (Decree 13/2023): see what is held about them, and have it
deleted after a confirmation. Deletion anonymises their cases rather than removing them, so the
statistics (how many cases, which body, how fast, what rating) stay true."""
from __future__ import annotations

from sqlalchemy import select

from handlers.anonymise import anonymise_cases, blank_messages
from handlers.buttons import Erase
from handlers.consent import START, folded
from handlers.turn import Rows, Turn
from storage import Case, Conversation, Direction, Message, ModerationEvent

SHOW = frozenset({"dulieu", "mydata", "data"})
ERASE = frozenset({"xoa", "xoadulieu", "delete", "erase"})
_SHOW_WORDS = ("du lieu cua toi", "xem du lieu", "thong tin cua toi", "my data", "show my data")
_ERASE_WORDS = ("xoa du lieu", "xoa thong tin cua toi", "xoa het du lieu", "delete my data", "erase my data")
MAX_WORDS = 7
BUTTONS: Rows = ((("button.erase_yes", Erase(answer="yes")),), (("button.erase_no", Erase(answer="no")),))


def word_command(text: str) -> str | None:
    """'xóa dữ liệu của tôi' -> 'xoa'; 'dữ liệu của tôi' -> 'dulieu'. Short messages only, so a
    story that mentions data is never taken for a request."""
    words = folded(text).strip(" .!?")
    if not words or len(words.split()) > MAX_WORDS:
        return None
    if any(phrase in words for phrase in _ERASE_WORDS):
        return "xoa"
    if any(phrase in words for phrase in _SHOW_WORDS):
        return "dulieu"
    return None


async def show(turn: Turn) -> None:
    citizen = turn.citizen
    cases = (await turn.session.scalars(select(Case).where(Case.citizen_id == citizen.id).order_by(Case.id))).all()
    messages = await turn.session.scalar(
        select(Message.id).where(Message.conversation_id.in_(
            select(Conversation.id).where(Conversation.citizen_id == citizen.id)), Message.direction == Direction.IN,
            Message.text != "").order_by(Message.id.desc()).limit(1))
    lines = [turn.t("data.case_line", code=c.code, status=turn.t(f"status.{c.status.value}"),
                    place=", ".join(p for p in (c.commune, c.province) if p) or "-",
                    phone=c.contact_phone or "-", text=c.description[:200]) for c in cases]
    consent = citizen.consent_at.strftime("%d/%m/%Y") if citizen.consent_at else "-"
    turn.say("data.shown", channel=citizen.channel, name=citizen.display_name or "-", consent=consent,
             messages=turn.t("data.has_messages") if messages else turn.t("data.no_messages"),
             cases="\n".join(lines) or turn.t("data.no_cases"))


def ask_erase(turn: Turn) -> None:
    turn.say("data.erase_ask", BUTTONS)


async def on_erase(turn: Turn, answer: str) -> None:
    if answer != "yes":
        turn.say("data.erase_kept")
        return
    count = await erase(turn)
    turn.say("data.erased", cases=count)


async def erase(turn: Turn) -> int:
    """Anonymise the citizen: their words, contacts, places and photos go; each case keeps its
    domain, unit, status, dates and rating. Messages still waiting to be sent are left alone."""
    citizen, session = turn.citizen, turn.session
    case_ids = list((await session.scalars(select(Case.id).where(Case.citizen_id == citizen.id))).all())
    await anonymise_cases(session, case_ids)
    chats = select(Conversation.id).where(Conversation.citizen_id == citizen.id)
    await blank_messages(session, Message.conversation_id.in_(chats))
    turn.message.text = ""
    citizen.display_name, citizen.consent_at, citizen.consent_version = None, None, None
    session.add(ModerationEvent(conversation_id=turn.conversation.id, kind="data_erased",
                                actor=f"citizen:{citizen.id}", created_at=turn.core.clock(),
                                data={"cases": len(case_ids)}))
    turn.reset(START)
    return len(case_ids)
