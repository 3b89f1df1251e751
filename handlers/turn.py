"""One inbound message being handled: its transaction, conversation and the replies it produces."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core import Core
from handlers.outbox import queue_message
from handlers.texts import render
from handlers.types import Button, Inbound, Reply
from storage import Citizen, Conversation, Message


@dataclass
class Turn:
    core: Core
    session: AsyncSession
    inbound: Inbound
    conversation: Conversation
    citizen: Citizen
    message: Message
    replies: list[Reply] = field(default_factory=list)

    @property
    def draft(self) -> dict[str, Any]:
        return self.conversation.draft

    @property
    def language(self) -> str:
        return self.citizen.language

    def set_draft(self, **changes: Any) -> None:
        # A new dict so SQLAlchemy sees the JSON column change.
        self.conversation.draft = {**self.conversation.draft, **changes}

    def reset(self, state: str, **draft: Any) -> None:
        self.conversation.state = state
        self.conversation.draft = dict(draft)

    def say(self, key: str, buttons: tuple[tuple[tuple[str, str], ...], ...] = (), **params: Any) -> None:
        self.replies.append(Reply(key, params, buttons))

    def t(self, key: str, **params: Any) -> str:
        return render(key, self.language, params)

    def flush(self, case_id: int | None = None) -> list[Message]:
        """Render the replies in the citizen's language and queue them, merging text-only ones."""
        out: list[Message] = []
        pending: list[str] = []

        def emit(text: str, rows: tuple[tuple[Button, ...], ...] = ()) -> None:
            out.append(queue_message(self.session, self.conversation, text, rows, case_id=case_id))

        for reply in self.replies:
            rows = tuple(
                tuple(Button(render(label, self.language), value) for label, value in row) for row in reply.buttons
            )
            pending.append(render(reply.key, self.language, reply.params))
            if rows:
                emit("\n\n".join(pending), rows)
                pending = []
        if pending:
            emit("\n\n".join(pending))
        self.replies.clear()
        return out
