"""One inbound message being handled: its transaction, conversation and the replies it produces."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import draft as drafts
from handlers.abuse import flag_if_abusive, is_abusive
from handlers.buttons import ButtonData
from handlers.core import Core
from handlers.draft import Draft
from handlers.outbox import Rendered
from handlers.texts import render
from handlers.types import Button, Inbound, Reply
from nlu import Analysis
from storage import Case, Citizen, Conversation, Message

Rows = tuple[tuple[tuple[str, ButtonData], ...], ...]


@dataclass
class Turn:
    core: Core
    session: AsyncSession
    inbound: Inbound
    conversation: Conversation
    citizen: Citizen
    message: Message
    replies: list[Reply] = field(default_factory=list)
    danger_said: bool = False  # the emergency numbers are in this turn's replies already
    # readings the intake started before the transaction (see intake._early_reading), by text
    early: dict[str, asyncio.Future[Analysis]] = field(default_factory=dict, repr=False)
    _draft: Draft | None = field(default=None, init=False, repr=False)
    _analyses: dict[str, Analysis] = field(default_factory=dict, init=False, repr=False)
    _abuse_noted: bool = field(default=False, init=False, repr=False)
    # cases this turn opened, held until it ends: the session's identity map holds objects weakly,
    # and the staff notices' flush hook would otherwise read a dropped case back from the database
    opened: list[Case] = field(default_factory=list, init=False, repr=False)

    # --- the draft: the only place that reads or writes conversation.draft ---------------------

    @property
    def draft(self) -> Draft:
        if self._draft is None:
            self._draft = drafts.load(self.conversation.draft)
        return self._draft

    def set_draft(self, **changes: Any) -> None:
        self._store(drafts.Draft.model_validate({**self.draft.model_dump(), **changes}))

    def reset(self, state: str, **draft: Any) -> None:
        self.conversation.state = state
        self._store(drafts.Draft.model_validate(draft))

    def _store(self, draft: Draft) -> None:
        self._draft = draft
        self.conversation.draft = drafts.dump(draft)  # a new dict, so SQLAlchemy sees the change

    @property
    def language(self) -> str:
        return self.citizen.language

    async def analyse(self, text: str) -> Analysis:
        """The NLU's reading of `text`, asked once per turn however many steps need it."""
        if text not in self._analyses:
            started = self.early.pop(text, None)
            self._analyses[text] = await (started if started is not None else self.core.nlu.analyse(text))
            await self._note_abuse(text)
        return self._analyses[text]

    async def _note_abuse(self, text: str) -> None:
        """An abusive message puts the chat in the moderators' flagged queue. Only this turn's own
        words count: a story that swore earlier does not make today's polite message abusive."""
        own = self.inbound.text.strip()
        if self._abuse_noted or not own or not is_abusive(self._analyses[text]):
            return
        if text.strip() != own:
            await self.analyse(own)   # judged on its own; that analysis notes it if it is abusive
            return
        self._abuse_noted = True
        flag_if_abusive(self.session, self.conversation, self.message.id, self._analyses[text], self.core.clock())

    # --- replies -------------------------------------------------------------------------------

    def say(self, key: str, buttons: Rows = (), *, before_all: bool = False, alone: bool = False, **params: Any) -> None:
        """Queue a reply; `before_all` puts it before everything said so far, `alone` in its own message."""
        packed = tuple(tuple((label, data.pack()) for label, data in row) for row in buttons)
        reply = Reply(key, params, packed, alone)
        if before_all:
            self.replies.insert(0, reply)
        else:
            self.replies.append(reply)

    def t(self, key: str, **params: Any) -> str:
        return render(key, self.language, params)

    def rendered(self) -> list[Rendered]:
        """The replies in the citizen's language, text-only ones merged into the next message (or
        one of their own at the end); the queue of replies is emptied."""
        out: list[Rendered] = []
        pending: list[str] = []
        for reply in self.replies:
            rows = tuple(
                tuple(Button(render(label, self.language), value) for label, value in row) for row in reply.buttons
            )
            text = render(reply.key, self.language, reply.params)
            if reply.alone:
                if pending:
                    out.append(("\n\n".join(pending), ()))
                    pending = []
                out.append((text, rows))
                continue
            pending.append(text)
            if rows:
                out.append(("\n\n".join(pending), rows))
                pending = []
        if pending:
            out.append(("\n\n".join(pending), ()))
        self.replies.clear()
        return out
