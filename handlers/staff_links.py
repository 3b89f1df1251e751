"""A staff member's own Telegram or Zalo chat, linked with a one-time code from the console.

Why a code and not a username: chat platforms give the bot only a numeric chat id, so the staff
member proves the chat is theirs by sending, from it, a secret only the console showed them. Only
the code's SHA-256 is stored and it works once, for LINK_VALIDITY. A linked chat is a staff chat
from then on: the citizen dialogue (consent, reports) never runs there.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from handlers.core import Core
from handlers.errors import InvalidAction
from handlers.outbox import PULL_CHANNELS
from handlers.turn import Turn
from storage import Database, StaffAccount, StaffLink, StaffLinkCode

LINK_VALIDITY = timedelta(minutes=15)
START_PREFIX = "staff-"            # Telegram deep link: https://t.me/<bot>?start=staff-<code>
LINK_COMMANDS = ("lienket", "link")  # typed anywhere (Zalo has no deep links): /lienket <code>
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"   # no 0/O, 1/I/L: easy to type from a screen
CODE_LENGTH = 10


@dataclass(frozen=True)
class LinkCode:
    code: str
    expires_at: datetime


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _clean(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def link_token(command: str, args: str) -> str | None:
    """The code in '/start staff-XXXX' or '/lienket XXXX'; None for any other command."""
    if command == "start" and args.lower().startswith(START_PREFIX):
        return _clean(args[len(START_PREFIX):])
    if command in LINK_COMMANDS:
        return _clean(args)
    return None


async def do_create_link_code(core: Core, staff: StaffAccount) -> LinkCode:
    """A fresh code; earlier unused codes of the same member stop working."""
    now = core.clock()
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    async with core.db.transaction() as session:
        await session.execute(update(StaffLinkCode).where(StaffLinkCode.staff_id == staff.id,
                                                          StaffLinkCode.used_at.is_(None)).values(used_at=now))
        session.add(StaffLinkCode(staff_id=staff.id, token_hash=_digest(code), expires_at=now + LINK_VALIDITY,
                                  created_at=now))
    return LinkCode(code, now + LINK_VALIDITY)


async def links_of(db: Database, staff: StaffAccount) -> list[StaffLink]:
    async with db.sessions() as session:
        return list((await session.scalars(select(StaffLink).where(StaffLink.staff_id == staff.id)
                                           .order_by(StaffLink.channel))).all())


async def do_unlink_chat(core: Core, staff: StaffAccount, link_id: int) -> None:
    async with core.db.transaction() as session:
        gone = await session.execute(delete(StaffLink).where(StaffLink.id == link_id, StaffLink.staff_id == staff.id))
        if not getattr(gone, "rowcount", 0):
            raise InvalidAction("no such linked chat")


async def link_chat(turn: Turn, code: str) -> None:
    """The chat of this turn sent a link code: link it to the code's staff account, or say kindly why not."""
    session, now, inbound = turn.session, turn.core.clock(), turn.inbound
    if inbound.channel in PULL_CHANNELS:
        turn.say("staff.link_channel")
        return
    row = await session.scalar(select(StaffLinkCode).where(StaffLinkCode.token_hash == _digest(code))) if code else None
    staff = await session.get(StaffAccount, row.staff_id) if row is not None else None
    if row is None or staff is None or not staff.active or row.used_at is not None or row.expires_at <= now:
        turn.say("staff.link_refused")
        return
    row.used_at = now
    await session.execute(delete(StaffLink).where(or_(
        (StaffLink.channel == inbound.channel) & (StaffLink.chat_id == inbound.chat_id),
        (StaffLink.staff_id == staff.id) & (StaffLink.channel == inbound.channel))))
    session.add(StaffLink(staff_id=staff.id, channel=inbound.channel, chat_id=inbound.chat_id, linked_at=now))
    turn.say("staff.linked", name=staff.display_name)


async def answer_staff_chat(turn: Turn, command: tuple[str, str] | None, staff_id: int | None) -> bool:
    """True when this turn's chat is a linked staff chat (`staff_id`, read by the intake with the
    chat) and was answered with the staff help text. A link command still goes through (to link the
    chat to another account)."""
    if staff_id is None or (command is not None and link_token(*command) is not None):
        return False
    staff = await turn.session.get(StaffAccount, staff_id)
    if staff is None:
        return False
    turn.say("staff.help", name=staff.display_name)
    return True
