"""Who may read a web chat: the browser holding its cookie, or whoever has a case's code and secret.

The secret is shown once, with the tracking code, and only its sha256 is kept: it is 40 random bits
(8 characters without look-alikes), and guessing is bounded by the web layer's back-off, so a fast
hash is enough and the database never holds anything that opens a chat by itself.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from handlers.tracking import parse_code
from storage import Case, Conversation, Database

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"   # no 0/O, 1/I/L: read aloud or copied by hand
SECRET_LENGTH = 8


@dataclass(frozen=True, slots=True)
class ResumeSecret:
    code: str
    secret: str      # shown to the citizen once, as XXXX-XXXX


def _new_secret() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def _digest(secret: str) -> str:
    cleaned = "".join(ch for ch in secret.upper() if ch.isalnum())
    return hashlib.sha256(cleaned.encode()).hexdigest()


async def conversation_of_chat(db: Database, channel: str, chat_id: str) -> int | None:
    async with db.sessions() as session:
        return await session.scalar(
            select(Conversation.id).where(Conversation.channel == channel, Conversation.chat_id == chat_id))


async def issue_resume_secrets(db: Database, channel: str, chat_id: str, *, renew: bool = False) -> list[ResumeSecret]:
    """A secret for each case of this chat that has none yet (all of its cases when `renew`: the old
    secrets stop working). Returned once; only hashes are stored."""
    async with db.transaction() as session:
        query = (select(Case).join(Conversation, Conversation.id == Case.conversation_id)
                 .where(Conversation.channel == channel, Conversation.chat_id == chat_id).order_by(Case.id))
        if not renew:
            query = query.where(Case.resume_secret_hash.is_(None))
        shown: list[ResumeSecret] = []
        for case in (await session.scalars(query)).unique().all():
            secret = _new_secret()
            case.resume_secret_hash = _digest(secret)
            shown.append(ResumeSecret(case.code, secret))
    return shown


async def resume_chat(db: Database, channel: str, code: str, secret: str) -> str | None:
    """The chat id the code and secret open, or None (unknown code, other channel, wrong secret)."""
    parsed = parse_code(code)
    if parsed is None or not secret.strip():
        return None
    async with db.sessions() as session:
        row = (await session.execute(
            select(Case.resume_secret_hash, Conversation.chat_id)
            .join(Conversation, Conversation.id == Case.conversation_id)
            .where(Case.code == parsed, Conversation.channel == channel))).first()
    if row is None or row[0] is None:
        _digest(secret)   # the same work either way
        return None
    return row[1] if hmac.compare_digest(row[0], _digest(secret)) else None
