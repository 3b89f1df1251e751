"""Slash commands: they work from any state of the dialogue."""
from __future__ import annotations

from handlers import consent, data_rights, publication, reopen, staff_links
from handlers.cases import report_status
from handlers.dialogue import cancel, consent_gate, start_report
from handlers.texts import LANGUAGES
from handlers.tracking import parse_code
from handlers.turn import Turn


def split_command(text: str) -> tuple[str, str] | None:
    """'/status@LangNgheBot LN-7K3Q9P' -> ('status', 'LN-7K3Q9P'); None when it is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, args = stripped[1:].partition(" ")
    return head.split("@", 1)[0].lower(), args.strip()


async def on_command(turn: Turn, command: str, args: str) -> None:
    if (link_code := staff_links.link_token(command, args)) is not None:   # a staff member links this chat
        await staff_links.link_chat(turn, link_code)
    elif command in ("start", "new"):
        if await consent_gate(turn, full=command == "start"):
            return
        if command == "start":
            turn.say("welcome")
        start_report(turn)
    elif command == "status":
        code = parse_code(args) if args else None
        if args and code is None:
            turn.say("status.usage")
        else:
            await report_status(turn, code)
    elif command == "cancel":
        cancel(turn)
    elif command == "withdraw":
        await consent.withdraw(turn)
    elif command in data_rights.SHOW:
        await data_rights.show(turn)
    elif command in data_rights.ERASE:
        data_rights.ask_erase(turn)
    elif command in ("private", "riengtu") and (code := parse_code(args)) is not None:
        await publication.answer(turn, code, False)
    elif command in reopen.COMMANDS:   # issue 9.6: /mo_lai CODE, /reopen CODE
        if not await consent_gate(turn):
            await reopen.on_command(turn, args)
    elif command == "help":
        turn.say("help")
    elif command in ("lang", "language") and args.lower() in LANGUAGES:
        turn.citizen.language = args.lower()
        turn.say("help")
    else:
        turn.say("unknown_command", command="/" + command[:32])
