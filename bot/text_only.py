"""What every channel without buttons shares (Zalo Bot, Zalo OA): numbered choices and length limits.

The core offers choices as buttons; here they become a short numbered list under the text, and
the citizen's "1" / "đồng ý" is matched back to the button's value by `handlers.match_choice`.
"""
from __future__ import annotations

from dataclasses import replace

from handlers import Core, Inbound, InboundKind, Outgoing, command_alias, live_choices, match_choice

__all__ = ["numbered_text", "split_utf16", "resolve_text_choice"]


def numbered_text(item: Outgoing) -> str:
    """The message with its choices as '1. Đồng ý' lines; a leading scale (the ratings) reads
    '1 · 2 · 3 · 4 · 5', and what follows it keeps counting ('6. Chưa được giải quyết')."""
    choices = [b for row in item.buttons for b in row]
    if not choices:
        return item.text
    scale = 0
    while scale < len(choices) and choices[scale].label == str(scale + 1):
        scale += 1
    if scale < 2 and scale < len(choices):
        scale = 0   # a lone "1" before words is an ordinary choice
    lines = [" · ".join(b.label for b in choices[:scale])] if scale else []
    first = scale + 1
    lines += [f"{i}. {b.label}" for i, b in enumerate(choices[first - 1:], first)]
    listing = "\n".join(lines)
    return f"{item.text}\n\n{listing}" if item.text else listing


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_utf16(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` UTF-16 code units (the unit Zalo counts), cut at line breaks."""
    chunks: list[str] = []
    while _utf16(text) > limit:
        # the longest prefix within the limit (an emoji counts two units)
        end, units = 0, 0
        for ch in text:
            size = 2 if ord(ch) > 0xFFFF else 1
            if units + size > limit:
                break
            units += size
            end += 1
        cut = text.rfind("\n", 0, end)
        if cut <= end // 2:
            cut = text.rfind(" ", 0, end)
        cut = cut if cut > end // 2 else end
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    return chunks + [text] if text.strip() else chunks


async def resolve_text_choice(core: Core, inbound: Inbound) -> Inbound:
    """A text that answers the bot's latest choices becomes that button press; 'tra cứu CODE' a command."""
    if inbound.kind is not InboundKind.TEXT:
        return inbound
    text = command_alias(inbound.text)
    value = match_choice(text, await live_choices(core.db, inbound.channel, inbound.chat_id))
    if value is not None:
        return replace(inbound, kind=InboundKind.BUTTON, data=value)
    return replace(inbound, text=text) if text != inbound.text else inbound
