"""A local fake of the Telegram Bot API for tests of Lắng Nghe.

Why a fake server instead of mocking aiogram: the bot talks to Telegram over HTTP, and most
real-world failures live exactly there (a field Telegram does not know, a 65-byte
callback_data, an unescaped ``.`` in MarkdownV2, an edit that changes nothing). Running the
real aiogram ``Bot`` against an HTTP server that checks every call against the published
Bot API specification (``tests/fakes/data/bot-api-spec.json``, MIT, see its README) catches those bugs in
tests instead of in production.

Every call is answered the way Telegram answers it (same HTTP status, same JSON envelope,
Telegram's own error wording where known).  Accepted calls land in ``server.calls``; calls
Telegram would reject land in ``server.rejected`` (tests assert it stays empty); failures
injected by the test itself (``fail_next``, ``block``) land in ``server.failures``.

Deliberate differences from the real Telegram, kept because they make tests stricter:

* Telegram silently ignores parameters it does not know; the fake rejects them with
  ``400 Bad Request: unknown parameter <name>`` so a typo or a deprecated aiogram field
  (``reply_to_message_id``, ``disable_web_page_preview``) does not go unnoticed.
* Only private chats exist; a chat is "known" once its user wrote to the bot (or
  ``add_user`` was called), otherwise ``400 Bad Request: chat not found``.
* Methods without a dedicated implementation answer ``{"ok": true, "result": true}`` after
  validation (``send*`` methods that return a Message get a real-shaped Message).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import itertools
import json
import math
import os
import random
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:  # pragma: no cover - only for type checkers
    from aiogram import Bot

__all__ = [
    "DEFAULT_SPEC_PATH",
    "DEFAULT_TOKEN",
    "ApiCall",
    "BotApiSpec",
    "FakeTelegramServer",
    "TelegramApiError",
    "UploadedFile",
    "create_bot",
    "load_spec",
]

DEFAULT_SPEC_PATH = Path(
    os.environ.get("LANG_NGHE_BOT_API_SPEC", Path(__file__).resolve().parent / "data" / "bot-api-spec.json")
)
DEFAULT_BOT_ID = 123456
DEFAULT_TOKEN = f"{DEFAULT_BOT_ID}:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
# Telegram's default when allowed_updates was never set: everything except these three.
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)
MARKUP_TYPES = ("InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply")
_SCALAR_TYPES = frozenset({"Integer", "String", "Boolean", "Float", "InputFile"})
_INT_RE = re.compile(r"-?\d+")
_ATTACH_RE = re.compile(r"attach://([\w\-]+)")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


# --------------------------------------------------------------------------------------
# Errors and records
# --------------------------------------------------------------------------------------


class TelegramApiError(Exception):
    """An error answer exactly as Telegram shapes it; raised inside the server only."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class _SimulatedFailure(TelegramApiError):
    """A failure the test asked for (flood control, blocked user): not the bot's fault."""


def bad_request(detail: str) -> TelegramApiError:
    """Build Telegram's 400 answer; ``detail`` is the part after "Bad Request: "."""
    return TelegramApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part the client uploaded (kept small: name and size only)."""

    field: str
    filename: str | None
    size: int


@dataclass
class ApiCall:
    """One HTTP call to the fake, as the bot made it and as the fake answered it."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]

    @property
    def description(self) -> str | None:
        """Telegram's error description, ``None`` for accepted calls."""
        return self.response.get("description")

    def __repr__(self) -> str:  # short, because pytest prints lists of these on failure
        outcome = "ok" if self.status == 200 else f"{self.status} {self.description!r}"
        return f"<ApiCall {self.method} {self.params!r} -> {outcome}>"


# --------------------------------------------------------------------------------------
# The specification
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method (or field of a type) from the specification."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    """One Bot API method: canonical name, parameters and return types."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class BotApiSpec:
    """The Bot API reference, indexed the way the server needs it (methods case-insensitive,
    because Telegram itself accepts ``sendmessage`` as well as ``sendMessage``)."""

    version: str
    methods: dict[str, MethodSpec]
    types: dict[str, dict[str, FieldSpec]]

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up the way Telegram does: case-insensitively."""
        return self.methods.get(name.lower())

    def update_types(self) -> frozenset[str]:
        """All update kinds (``message``, ``callback_query``, ...) for allowed_updates."""
        return frozenset(self.types.get("Update", {})) - {"update_id"}


def _field_specs(raw_fields: Iterable[dict[str, Any]]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f.get("types", ())), bool(f.get("required")))
        for f in raw_fields
    }


@functools.lru_cache(maxsize=4)
def load_spec(path: Path = DEFAULT_SPEC_PATH) -> BotApiSpec:
    """Parse the JSON spec once per process; every server instance shares it."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    methods = {
        name.lower(): MethodSpec(
            name=name,
            fields=_field_specs(raw.get("fields", ())),
            returns=tuple(raw.get("returns", ())),
        )
        for name, raw in data["methods"].items()
    }
    types = {name: _field_specs(raw.get("fields", ())) for name, raw in data["types"].items()}
    return BotApiSpec(version=data.get("version", "?"), methods=methods, types=types)


# --------------------------------------------------------------------------------------
# Request decoding and parameter validation
# --------------------------------------------------------------------------------------


async def read_raw_params(request: web.Request) -> dict[str, Any]:
    """Collect parameters from the query string and the body, whatever the client used.

    aiogram's AiohttpSession POSTs form-urlencoded (or multipart/form-data when it uploads a
    file) with complex values as JSON strings; other clients use application/json or GET
    query strings. Telegram accepts all of them, so the fake does too.
    """
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        params.update(await _read_json_body(request))
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        params.update(await _read_form_body(request))
    return params


async def _read_json_body(request: web.Request) -> dict[str, Any]:
    text = await request.text()
    if not text.strip():
        return {}
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise bad_request("can't parse JSON encoded request") from exc
    if not isinstance(body, dict):
        raise bad_request("JSON object expected as request body")
    return body


async def _read_form_body(request: web.Request) -> dict[str, Any]:
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = UploadedFile(key, value.filename, len(value.file.read()))
        else:
            params[key] = value
    return params


def validate_params(
    method: MethodSpec, raw: dict[str, Any], tolerated: Iterable[str] = ()
) -> dict[str, Any]:
    """Check names, presence and scalar types against the spec; return typed values.

    Form values arrive as strings, so "Integer", "Boolean" and JSON-serialised objects are
    decoded here, once, for every later check and for ``server.calls``. ``tolerated`` names
    extra parameters to accept as-is (an explicit, per-test escape hatch).
    """
    tolerated = set(tolerated)
    attached = _attached_names(raw)
    params: dict[str, Any] = {}
    for name, value in raw.items():
        spec = method.fields.get(name)
        if spec is None:
            if name in tolerated:
                params[name] = value
                continue
            if name in attached and isinstance(value, UploadedFile):
                continue  # a file part referenced as attach://name from another field
            raise bad_request(f"unknown parameter {name}")
        params[name] = _coerce(spec, value)
    for spec in method.fields.values():
        if spec.required and _is_empty(params.get(spec.name)):
            raise bad_request(_empty_message(method.name, spec.name))
    return params


def _attached_names(raw: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for value in raw.values():
        text = value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else ""
        names.update(_ATTACH_RE.findall(text))
    return names


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _empty_message(method: str, name: str) -> str:
    if name == "text" and method in ("sendMessage", "editMessageText"):
        return "message text is empty"
    return f"{name} is empty"


def _coerce(spec: FieldSpec, value: Any) -> Any:
    """Turn one wire value into the Python value the spec type describes."""
    types = spec.types
    if isinstance(value, UploadedFile):
        if "InputFile" in types:
            return value
        raise bad_request(f'parameter "{spec.name}" can\'t be a file')
    if value is None:
        return None
    if "Integer" in types:
        return _coerce_integer(spec, value)
    if "Float" in types:
        return _coerce_float(spec, value)
    if "Boolean" in types:
        return _coerce_boolean(spec, value)
    if "String" in types:
        return _coerce_string(spec, value)
    return _coerce_json(spec, value)


def _coerce_integer(spec: FieldSpec, value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    if "String" in spec.types and isinstance(value, str):
        return value
    if value == "":
        return ""
    raise bad_request(f'field "{spec.name}" must be of type Integer')


def _coerce_float(spec: FieldSpec, value: Any) -> float | str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        if value == "":
            return ""
        raise bad_request(f'field "{spec.name}" must be of type Float') from None


def _coerce_boolean(spec: FieldSpec, value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    if text == "":
        return ""
    raise bad_request(f'field "{spec.name}" must be of type Boolean')


def _coerce_string(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise bad_request(f'field "{spec.name}" must be of type String')


def _coerce_json(spec: FieldSpec, value: Any) -> Any:
    """Complex values (objects, arrays) come JSON-serialised in forms, native in JSON bodies."""
    parsed = value
    if isinstance(value, str):
        if value == "":
            return ""
        try:
            parsed = json.loads(value)
        except ValueError:
            raise bad_request(_unparsable_json_message(spec)) from None
    wants_array = all(t.startswith("Array of") for t in spec.types)
    if wants_array and not isinstance(parsed, list):
        raise bad_request(f'field "{spec.name}" must be an Array')
    if not wants_array and not isinstance(parsed, (dict, list)):
        raise bad_request(_unparsable_json_message(spec))
    return parsed


def _unparsable_json_message(spec: FieldSpec) -> str:
    if spec.name == "reply_markup":
        return "can't parse reply keyboard markup JSON object"
    return f"can't parse {spec.name} JSON object"


# --------------------------------------------------------------------------------------
# Reply markup
# --------------------------------------------------------------------------------------


def validate_reply_markup(markup: Any, allowed: Iterable[str]) -> dict[str, Any]:
    """Check a parsed reply_markup the way Telegram does and return it unchanged.

    Telegram answers BUTTON_DATA_INVALID for callback_data outside 1-64 bytes; such a
    button would otherwise only fail in production, long after the code was written.
    """
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    kind = _markup_kind(markup)
    if kind is None:
        raise bad_request("can't parse reply keyboard markup JSON object")
    if kind not in allowed:
        raise bad_request(f"{kind} is not allowed here, expected {' or '.join(allowed)}")
    if kind == "InlineKeyboardMarkup":
        _validate_inline_keyboard(markup["inline_keyboard"])
    elif kind == "ReplyKeyboardMarkup":
        _validate_reply_keyboard(markup["keyboard"])
    elif markup.get("remove_keyboard", markup.get("force_reply")) is not True:
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _markup_kind(markup: dict[str, Any]) -> str | None:
    for key, kind in (
        ("inline_keyboard", "InlineKeyboardMarkup"),
        ("keyboard", "ReplyKeyboardMarkup"),
        ("remove_keyboard", "ReplyKeyboardRemove"),
        ("force_reply", "ForceReply"),
    ):
        if key in markup:
            return kind
    return None


def _rows(keyboard: Any, what: str) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad_request(f'field "{what}" of the markup must be an Array of Arrays')
    return keyboard


_INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


def _validate_inline_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard, "inline_keyboard"):
        for button in row:
            _validate_inline_button(button)


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str) or not button["text"].strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def _validate_reply_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard, "keyboard"):
        for button in row:
            text = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise bad_request("can't parse keyboard button: Text must be non-empty")


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """All inline buttons of a markup, flattened (empty for other markups)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]


def reply_button_texts(markup: dict[str, Any] | None) -> list[str]:
    """Texts of the buttons of a ReplyKeyboardMarkup (empty for other markups)."""
    if not markup or "keyboard" not in markup:
        return []
    return [b if isinstance(b, str) else b["text"] for row in markup["keyboard"] for b in row]


# --------------------------------------------------------------------------------------
# Formatted text (parse_mode)
# --------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_HTML_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_HTML_TAG_RE = re.compile(r"<(/?)([^\s<>/]*)([^<>]*)>")
_HTML_ESCAPES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ESCAPE_RE = re.compile(r"&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);")


def _html_unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _HTML_ESCAPES.get(name, match.group(0))

    return _HTML_ESCAPE_RE.sub(replace, text)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset into plain text and entities, rejecting what Telegram
    rejects (``<br>``, ``<div>``, unclosed or crossed tags, a stray ``<``)."""
    plain: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict[str, Any]]] = []
    position = 0
    while (start := text.find("<", position)) != -1:
        plain.append(_html_unescape(text[position:start]))
        match = _HTML_TAG_RE.match(text, start)
        offset = len(text[:start].encode("utf-8"))
        if match is None or not match.group(2):
            raise bad_request(f"can't parse entities: Unsupported start tag \"\" at byte offset {offset}")
        closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if name not in _HTML_ENTITY_TYPES:
            kind = "end" if closing else "start"
            raise bad_request(f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}')
        current = utf16_len("".join(plain))
        if closing:
            entities.append(_close_html_tag(stack, name, offset, current))
        else:
            stack.append((name, current, _html_attributes(attrs)))
        position = match.end()
    plain.append(_html_unescape(text[position:]))
    if stack:
        raise bad_request(
            f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{stack[-1][0]}"'
        )
    return "".join(plain), [e for e in entities if e["length"] > 0]


def _html_attributes(attrs: str) -> dict[str, Any]:
    return {k.lower(): v for k, v in re.findall(r'([\w-]+)\s*=\s*["\']([^"\']*)["\']', attrs)}


def _close_html_tag(
    stack: list[tuple[str, int, dict[str, Any]]], name: str, offset: int, current: int
) -> dict[str, Any]:
    if not stack or stack[-1][0] != name:
        expected = f'"</{stack[-1][0]}>"' if stack else "no end tag"
        raise bad_request(
            f"can't parse entities: Unmatched end tag at byte offset {offset}, "
            f'expected {expected}, found "</{name}>"'
        )
    _, begin, attrs = stack.pop()
    entity: dict[str, Any] = {"type": _HTML_ENTITY_TYPES[name], "offset": begin, "length": current - begin}
    if name == "a":
        entity["url"] = attrs.get("href", "")
    if name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    if name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    return entity


_MDV2_ALWAYS_RESERVED = frozenset("#+-={}.!>")


def check_markdown_v2(text: str) -> str:
    """Reject unescaped reserved characters (the classic ``Cảm ơn bạn.`` bug) and return an
    approximate plain text for the length check."""
    plain: list[str] = []
    i, line_start = 0, True
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            plain.append(text[i + 1])
            i, line_start = i + 2, False
            continue
        if char == "`":
            i = _skip_md_code(text, i, plain)
            continue
        if char == "]" and text.startswith("(", i + 1):
            i = _skip_until_unescaped(text, i + 2, ")")
            continue
        reserved = char in _MDV2_ALWAYS_RESERVED and not (char == ">" and line_start)
        if reserved and not (char == "!" and text.startswith("[", i + 1)):
            offset = len(text[:i].encode("utf-8"))
            raise bad_request(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                f"with the preceding '\\' (byte offset {offset})"
            )
        if char not in "*_~|[]>" or char == ">" and not line_start:
            plain.append(char)
        line_start = char == "\n"
        i += 1
    return "".join(plain)


def _skip_md_code(text: str, i: int, plain: list[str]) -> int:
    fence = "```" if text.startswith("```", i) else "`"
    end = text.find(fence, i + len(fence))
    if end == -1:
        offset = len(text[:i].encode("utf-8"))
        raise bad_request(f"can't parse entities: Can't find end of Pre entity at byte offset {offset}")
    plain.append(text[i + len(fence) : end])
    return end + len(fence)


def _skip_until_unescaped(text: str, i: int, stop: str) -> int:
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == stop:
            return i + 1
        i += 1
    raise bad_request("can't parse entities: Can't find end of a URL")


def check_markdown_legacy(text: str) -> str:
    """Legacy Markdown: every ``*``, ``_``, `````, ``[`` opens an entity that must close
    (the classic failure is a user name with an underscore)."""
    plain: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            plain.append(text[i + 1])
            i += 2
            continue
        if char in "*_`":
            end = text.find(char, i + 1)
            if end == -1:
                offset = len(text[:i].encode("utf-8"))
                raise bad_request(
                    f"can't parse entities: Can't find end of the entity starting at byte offset {offset}"
                )
            plain.append(text[i + 1 : end])
            i = end + 1
            continue
        plain.append(char)
        i += 1
    return "".join(plain)


def render_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply parse_mode like Telegram: validate markup, return the text users will see."""
    mode = (parse_mode or "").lower()
    if mode == "":
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return check_markdown_v2(text), []
    if mode == "markdown":
        return check_markdown_legacy(text), []
    raise bad_request(f"unsupported parse_mode {parse_mode}")


def _strip_with_entities(plain: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims message text; shift entity offsets with it."""
    lead = utf16_len(plain) - utf16_len(plain.lstrip())
    stripped = plain.strip()
    limit = utf16_len(stripped)
    shifted = []
    for entity in entities:
        begin = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, limit)
        if end > begin:
            shifted.append({**entity, "offset": begin, "length": end - begin})
    return stripped, shifted


def checked_text(text: str, parse_mode: str | None, *, caption: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for a message text or caption, or Telegram's 400 answer."""
    plain, entities = _strip_with_entities(*render_text(text, parse_mode))
    limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
    if not plain and not caption:
        raise bad_request("message text is empty")
    if len(plain) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, entities


# --------------------------------------------------------------------------------------
# Small helpers for the server
# --------------------------------------------------------------------------------------


class _Signal:
    """Wakes every coroutine waiting for "something changed" (a new update, a new bot
    message). Waiters snapshot the event before checking state, so no wake-up is lost."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        if timeout <= 0:
            return
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            pass


@dataclass
class _Injected:
    """A failure queued by ``fail_next``."""

    error_code: int
    description: str
    parameters: dict[str, Any] | None


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: simulated failure",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def _now() -> int:
    return int(time.time())


def _file_ids(kind: str, counter: Iterable[int]) -> dict[str, str]:
    number = next(iter(counter))
    return {"file_id": f"{kind}-file-{number}", "file_unique_id": f"{kind}-u{number}"}


def _message_summary(index: int, message: dict[str, Any]) -> str:
    buttons = [b.get("text") for b in inline_buttons(message.get("reply_markup"))]
    buttons += reply_button_texts(message.get("reply_markup"))
    content = message.get("text", message.get("caption", "<no text>"))
    extra = f" buttons={buttons}" if buttons else ""
    return f"  [{index}] #{message['message_id']}: {content!r}{extra}"


class FloodControl:
    """Telegram's flood control as token buckets: about `chat_burst` quick messages to one chat
    then `chat_rate` a second, and `bot_burst` then `bot_rate` a second for the whole bot. A send
    over either limit gets 429 with `retry_after` (whole seconds, as Telegram gives it)."""

    def __init__(self, chat_burst: int = 5, chat_rate: float = 1.0, bot_burst: int = 30, bot_rate: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.chat_burst, self.chat_rate, self.bot_burst, self.bot_rate = chat_burst, chat_rate, bot_burst, bot_rate
        self.clock = clock
        self._chats: dict[Any, tuple[float, float]] = {}
        self._bot = (float(bot_burst), clock())
        self.refused = 0   # how many 429s it gave
        self.refusals: list[tuple[float, str]] = []   # when, and which limit ("chat" or "bot")

    @staticmethod
    def _level(bucket: tuple[float, float], capacity: int, rate: float, now: float) -> float:
        tokens, since = bucket
        return min(float(capacity), tokens + (now - since) * rate)

    def check(self, method: str, chat_id: Any) -> None:
        if not method.startswith(("send", "copy", "forward")) or method == "sendChatAction" or chat_id is None:
            return
        now = self.clock()
        chat = self._level(self._chats.get(chat_id, (float(self.chat_burst), now)), self.chat_burst, self.chat_rate, now)
        bot = self._level(self._bot, self.bot_burst, self.bot_rate, now)
        if chat < 1 or bot < 1:
            wait = max((1 - chat) / self.chat_rate if chat < 1 else 0.0, (1 - bot) / self.bot_rate if bot < 1 else 0.0)
            self.refused += 1
            self.refusals.append((now, "chat" if chat < 1 else "bot"))
            retry_after = max(1, math.ceil(wait))
            raise _SimulatedFailure(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        self._chats[chat_id] = (chat - 1, now)
        self._bot = (bot - 1, now)


class Chaos:
    """A bad day at the platform: a `share` of the calls to `methods` fail with 429 (retry_after
    1) or 500, answer after `slow_seconds`, or are carried out but lose their answer (the
    connection drops), in equal parts, drawn from a seeded generator."""

    KINDS = ("429", "500", "slow", "drop")

    def __init__(self, share: float = 0.15, methods: Iterable[str] = ("sendMessage",), seed: int = 11,
                 slow_seconds: float = 1.5) -> None:
        self.share, self.methods, self.slow_seconds = share, frozenset(methods), slow_seconds
        self.random = random.Random(seed)
        self.counts: dict[str, int] = dict.fromkeys(self.KINDS, 0)

    def pick(self, method: str) -> str | None:
        if method not in self.methods or self.random.random() >= self.share:
            return None
        kind = self.random.choice(self.KINDS)
        self.counts[kind] += 1
        return kind


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class FakeTelegramServer:
    """An in-process Telegram Bot API on 127.0.0.1 plus a simulation API for tests.

    Use it as ``async with FakeTelegramServer() as server:``; point aiogram at
    ``server.base_url`` with ``TelegramAPIServer.from_base`` (or use ``create_bot``).
    Everything runs in the caller's event loop; none of it is thread-safe.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_first_name: str = "Lắng Nghe",
        bot_username: str = "lang_nghe_test_bot",
        spec_path: Path = DEFAULT_SPEC_PATH,
        tolerated_parameters: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """``tolerated_parameters`` maps a method to parameters the spec lacks but this test
        accepts anyway, e.g. ``{"sendMessage": ["disable_web_page_preview"]}`` (aiogram still
        sends it for ``DefaultBotProperties(link_preview_is_disabled=True)``)."""
        self.token = token
        self.spec = load_spec(Path(spec_path))
        self._tolerated = {
            name.lower(): frozenset(extra) for name, extra in (tolerated_parameters or {}).items()
        }
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.calls: list[ApiCall] = []
        self.rejected: list[ApiCall] = []
        self.failures: list[ApiCall] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] | None = None
        self._users: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._updates: list[dict[str, Any]] = []
        self._redelivered: set[int] = set()
        self._allowed_updates: frozenset[str] | None = None
        self._update_ids = itertools.count(10_000)
        self._file_counter = itertools.count(1)
        self._callback_ids = itertools.count(7_000_000_000)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._sent: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self._deleted: set[tuple[int, int]] = set()
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._injected: dict[str, deque[_Injected]] = defaultdict(deque)
        self._updates_signal = _Signal()
        self._outbox_signal = _Signal()
        self._active_poll: object | None = None
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "deleteMessage": self._delete_message,
            "getFile": self._get_file,
        }
        self.files: dict[str, bytes] = {}   # file_id -> content, for getFile and downloads
        self.flood: FloodControl | None = None   # `enable_flood_control()`: 429s as Telegram gives them
        self.chaos: Chaos | None = None          # `enable_chaos()`: some calls fail, crawl or lose their answer
        self.dropped: list[ApiCall] = []          # calls carried out whose answer the bot never got
        #                                           (chaos drops, and any whose connection closed first)
        self.closed_before_answer = 0             # of those, the ones whose connection closed first (a kill)

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self, port: int = 0) -> None:
        """Bind 127.0.0.1 (a free port, or `port`: to come back where a test stopped it) in the
        running event loop. A stopped server can be started again and keeps its chats."""
        self._closing = False
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Release long-poll waiters first, so shutdown does not wait for their timeouts."""
        self._closing = True
        self._updates_signal.notify()
        self._outbox_signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---------------------------------------------------------------- HTTP layer

    async def _not_found(self, request: web.Request) -> web.Response:
        """Telegram answers any unknown path with the same JSON 404 as an unknown method."""
        error = TelegramApiError(404, "Not Found")
        return self._record(self.rejected, request.path, {}, error.status, error.payload())

    async def _handle(self, request: web.Request) -> web.Response:
        """Token -> method -> parameters -> injected failure -> behaviour, like Telegram."""
        method_name = request.match_info["method"]
        raw: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise TelegramApiError(401, "Unauthorized")
            method = self.spec.method(method_name)
            if method is None:
                raise TelegramApiError(404, "Not Found")
            method_name = method.name
            raw = await read_raw_params(request)
            params = validate_params(method, raw, self._tolerated.get(method.name.lower(), ()))
            raw = params
            self._raise_injected(method.name)
            if self.flood is not None:
                self.flood.check(method.name, params.get("chat_id"))
            fault = self.chaos.pick(method.name) if self.chaos is not None else None
            if fault == "slow":
                await asyncio.sleep(self.chaos.slow_seconds if self.chaos else 0)
            elif fault in ("429", "500"):
                raise _SimulatedFailure(429, "Too Many Requests: retry after 1", {"retry_after": 1}) \
                    if fault == "429" else _SimulatedFailure(500, "Internal Server Error")
            result = await self._dispatch(method, params, request)
            if fault == "drop" and request.transport is not None:   # done, but the answer never arrives
                self.dropped.append(ApiCall(method.name, params, 0, {"ok": True, "result": result}))
                request.transport.abort()
        except _Silent as silent:
            return self._record(None, method_name, raw, silent.status, silent.payload())
        except _SimulatedFailure as failure:
            return self._record(self.failures, method_name, raw, failure.status, failure.payload())
        except TelegramApiError as error:
            return self._record(self.rejected, method_name, raw, error.status, error.payload())
        response = self._record(self.calls, method_name, params, 200, {"ok": True, "result": result})
        if fault != "drop":
            try:   # sent here, not after return, to know whether the answer left
                await response.prepare(request)
                await response.write_eof()
            except ConnectionError:   # the connection closed first: carried out, but no answer reached the bot
                self.dropped.append(self.calls[-1])
                self.closed_before_answer += 1
        return response

    def _record(
        self, log: list[ApiCall] | None, method: str, params: dict[str, Any], status: int, body: dict[str, Any]
    ) -> web.Response:
        if log is not None:
            log.append(ApiCall(method, params, status, body))
        return web.json_response(body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False))

    async def _dispatch(self, method: MethodSpec, params: dict[str, Any], request: web.Request) -> Any:
        self._check_values(method, params)
        if method.name == "getUpdates":
            return await self._get_updates(params, request)
        handler = self._handlers.get(method.name)
        if handler is not None:
            return await handler(params)
        if method.returns == ("Message",) and "chat_id" in method.fields:
            return self._send_other(method.name, params)
        return True

    def _check_values(self, method: MethodSpec, params: dict[str, Any]) -> None:
        """Checks shared by every method: reply_markup shape and a known target chat."""
        markup_field = method.fields.get("reply_markup")
        if markup_field is not None and not _is_empty(params.get("reply_markup")):
            allowed = [t for t in markup_field.types if t in MARKUP_TYPES]
            validate_reply_markup(params["reply_markup"], allowed)
        if "chat_id" in method.fields and not _is_empty(params.get("chat_id")):
            self._chat_id(params)

    def _raise_injected(self, method: str) -> None:
        queue = self._injected.get(method)
        if queue:
            injected = queue.popleft()
            raise _SimulatedFailure(injected.error_code, injected.description, injected.parameters)

    # ---------------------------------------------------------------- chats and messages

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self._users:
            raise bad_request("chat not found")
        return chat_id

    def _check_not_blocked(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise _SimulatedFailure(403, "Forbidden: bot was blocked by the user")

    def _chat(self, chat_id: int) -> dict[str, Any]:
        user = self._users[chat_id]
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _new_message(self, chat_id: int, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids[chat_id]),
            "from": dict(sender),
            "chat": self._chat(chat_id),
            "date": _now(),
            **content,
        }
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _public(self, message: dict[str, Any]) -> dict[str, Any]:
        """The Message as Telegram returns it: only inline keyboards are echoed back."""
        public = copy.deepcopy(message)
        markup = public.get("reply_markup")
        if markup is not None and "inline_keyboard" not in markup:
            del public["reply_markup"]
        return public

    def _bot_sends(self, chat_id: int, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Store an outgoing message (with any kind of reply_markup, for ``messages_to``)."""
        self._check_not_blocked(chat_id)
        reply_to = self._reply_target(chat_id, params.get("reply_parameters"))
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        if not _is_empty(params.get("reply_markup")):
            content["reply_markup"] = params["reply_markup"]
        message = self._new_message(chat_id, self.bot_user, **content)
        self._sent[chat_id].append(message)
        self._outbox_signal.notify()
        return self._public(message)

    def _reply_target(self, chat_id: int, reply: Any) -> dict[str, Any] | None:
        if not isinstance(reply, dict) or "message_id" not in reply:
            return None
        target = self._messages.get((chat_id, reply["message_id"]))
        if target is None or (chat_id, reply["message_id"]) in self._deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        public = self._public(target)
        public.pop("reply_to_message", None)
        return public

    def _editable(self, params: dict[str, Any], verb: str = "edit") -> dict[str, Any]:
        if not _is_empty(params.get("inline_message_id")):
            raise bad_request("MESSAGE_ID_INVALID")
        if _is_empty(params.get("chat_id")) or _is_empty(params.get("message_id")):
            raise bad_request("message identifier is not specified")
        key = (self._chat_id(params), params["message_id"])
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise bad_request(f"message to {verb} not found")
        if verb == "edit" and message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        if all(message.get(key) == value for key, value in changes.items()):
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = _now()
        self._outbox_signal.notify()
        return self._public(message)

    # ---------------------------------------------------------------- Bot API methods

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        text, entities = checked_text(params["text"], params.get("parse_mode"))
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        if isinstance(params.get("entities"), list):
            content["entities"] = params["entities"]
        return self._bot_sends(chat_id, params, **content)

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        if _is_empty(params.get("text")) and _is_empty(params.get("rich_message")):
            raise bad_request("message text is empty")
        message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = checked_text(params.get("text") or "", params.get("parse_mode"))
        changes = {
            "text": text,
            "entities": params.get("entities") or entities or None,
            # Telegram drops the inline keyboard when an edit does not repeat it.
            "reply_markup": params.get("reply_markup") or None,
        }
        return self._apply_edit(message, changes)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        return self._apply_edit(message, {"reply_markup": params.get("reply_markup") or None})

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        message = self._editable(params, verb="delete")
        self._deleted.add((message["chat"]["id"], message["message_id"]))
        self._outbox_signal.notify()
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params["callback_query_id"]
        if query_id not in self._callbacks or query_id in self.callback_answers:
            raise bad_request(QUERY_TOO_OLD)
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = dict(params)
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_not_blocked(chat_id)
        return True

    def _commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params["commands"]
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        if len(commands) > 100:
            raise bad_request("too many commands")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        if not str(params["url"]).startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if params.get("allowed_updates") is not None:
            self._set_allowed_updates(params["allowed_updates"])
        self.webhook = dict(params)
        self._updates_signal.notify()  # a waiting getUpdates must now fail with 409
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._redelivered.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.get("max_connections", 40)
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # ---------------------------------------------------------------- files

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params["file_id"]
        if file_id not in self.files:
            raise TelegramApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id + "-u", "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg"}

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        file_id = path.removeprefix("photos/").removesuffix(".jpg")
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    # ---------------------------------------------------------------- other send* methods

    def _send_other(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Any other ``send*`` returning a Message: a Message aiogram can parse, with the
        content fields it needs (so ``await bot.send_photo(...)`` does not crash)."""
        chat_id = self._chat_id(params)
        content = self._media_content(method, params)
        if isinstance(params.get("caption"), str) and params["caption"]:
            caption, entities = checked_text(params["caption"], params.get("parse_mode"), caption=True)
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return self._bot_sends(chat_id, params, **content)

    def _media_content(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ids = functools.partial(_file_ids, counter=self._file_counter)
        duration = params.get("duration") or 1
        point = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
        builders: dict[str, Callable[[], dict[str, Any]]] = {
            "sendPhoto": lambda: {"photo": [
                {**ids("photo"), "width": 90, "height": 90},
                {**ids("photo"), "width": 800, "height": 800},
            ]},
            "sendDocument": lambda: {"document": {**ids("document")}},
            "sendAudio": lambda: {"audio": {**ids("audio"), "duration": duration}},
            "sendVoice": lambda: {"voice": {**ids("voice"), "duration": duration}},
            "sendVideo": lambda: {"video": {**ids("video"), "width": 640, "height": 360, "duration": duration}},
            "sendAnimation": lambda: {
                "animation": {**ids("animation"), "width": 320, "height": 240, "duration": duration}
            },
            "sendVideoNote": lambda: {"video_note": {**ids("video_note"), "length": 240, "duration": duration}},
            "sendSticker": lambda: {"sticker": self._sticker()},
            "sendLocation": lambda: {"location": point},
            "sendVenue": lambda: {
                "venue": {"location": point, "title": params["title"], "address": params["address"]},
                "location": point,
            },
            "sendContact": lambda: {
                "contact": {"phone_number": params["phone_number"], "first_name": params["first_name"]}
            },
            "sendDice": lambda: {"dice": {"emoji": params.get("emoji") or "🎲", "value": random.randint(1, 6)}},
        }
        builder = builders.get(method)
        return builder() if builder else {}

    def _sticker(self) -> dict[str, Any]:
        return {
            **_file_ids("sticker", self._file_counter),
            "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "emoji": "👍",
        }

    # ---------------------------------------------------------------- getUpdates

    def _set_allowed_updates(self, allowed: list[Any]) -> None:
        unknown = [kind for kind in allowed if kind not in self.spec.update_types()]
        if unknown:
            raise bad_request(f"unknown update type {unknown[0]}")
        self._allowed_updates = frozenset(allowed) or None

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self._allowed_updates is None:
            return kind not in NOT_DEFAULT_UPDATES
        return kind in self._allowed_updates

    def _confirm(self, offset: int | None) -> None:
        """An offset confirms (forgets) every older update, as Telegram does; a negative one
        keeps only the last ``-offset`` updates. Redelivered updates survive until sent."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
            return
        self._updates = [
            u for u in self._updates if u["update_id"] >= offset or u["update_id"] in self._redelivered
        ]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        ready = [u for u in sorted(self._updates, key=lambda u: u["update_id"]) if self._is_allowed(u)]
        return copy.deepcopy(ready[:limit])

    async def _get_updates(self, params: dict[str, Any], request: web.Request | None = None) -> Any:
        """Long polling: answer at once if updates are pending, else hold the request until
        one arrives, the timeout ends, a newer getUpdates supersedes this one, or the
        server stops."""
        self._check_no_webhook()
        if params.get("allowed_updates") is not None:
            self._set_allowed_updates(params["allowed_updates"])
        self._confirm(params.get("offset"))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        poll = object()
        self._active_poll = poll
        self._updates_signal.notify()  # an older poll still waiting is now superseded
        deadline = asyncio.get_running_loop().time() + max(int(params.get("timeout") or 0), 0)
        while True:
            batch = self._deliverable(limit)
            remaining = deadline - asyncio.get_running_loop().time()
            if batch or self._closing or remaining <= 0:
                break
            self._check_no_webhook()
            if self._active_poll is not poll:
                return self._superseded(request)
            await self._updates_signal.wait(remaining)
        self._redelivered.difference_update(u["update_id"] for u in batch)
        return batch

    def _check_no_webhook(self) -> None:
        if self.webhook is not None:
            raise TelegramApiError(
                409, "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    def _superseded(self, request: web.Request | None) -> Any:
        """A client that went away (cancelled polling task) is dropped silently; a live one
        is told what Telegram tells two bot instances polling at once."""
        transport = request.transport if request is not None else None
        if transport is None or transport.is_closing():
            raise _Silent()
        raise TelegramApiError(
            409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
        )

    # ---------------------------------------------------------------- simulation API: users

    def add_user(
        self, user_id: int, first_name: str = "Dân", *, username: str | None = None, language_code: str = "vi"
    ) -> dict[str, Any]:
        """Make a private chat known (as if the user had pressed Start earlier) and return
        the user object used in ``from`` fields."""
        user: dict[str, Any] = {
            "id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code,
        }
        if username:
            user["username"] = username
        self._users[user_id] = user
        return user

    def _user(self, user_id: int, first_name: str | None) -> dict[str, Any]:
        if user_id not in self._users or (first_name and self._users[user_id]["first_name"] != first_name):
            previous = self._users.get(user_id, {})
            return self.add_user(
                user_id, first_name or previous.get("first_name", "Dân"), username=previous.get("username")
            )
        return self._users[user_id]

    def block(self, user_id: int, blocked: bool = True) -> None:
        """Simulate a user who blocked the bot: sends to them fail with 403 Forbidden."""
        (self._blocked.add if blocked else self._blocked.discard)(user_id)

    def _queue(self, **payload: Any) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        self._updates_signal.notify()
        return copy.deepcopy(update)

    def _user_message(self, user_id: int, first_name: str | None, **content: Any) -> dict[str, Any]:
        user = self._user(user_id, first_name)
        message = self._new_message(user_id, user, **content)
        return self._queue(message=copy.deepcopy(message))

    def user_sends_text(self, user_id: int, text: str, first_name: str = "Dân") -> dict[str, Any]:
        """Queue a text message from a user in their private chat; returns the update."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self._user_message(user_id, first_name, **content)

    def user_sends_sticker(self, user_id: int, first_name: str | None = None) -> dict[str, Any]:
        """Queue a sticker message (bots often must answer "I only understand text")."""
        return self._user_message(user_id, first_name, sticker=self._sticker())

    def user_sends_photo(
        self, user_id: int, caption: str | None = None, first_name: str | None = None,
        data: bytes | None = None,
    ) -> dict[str, Any]:
        """Queue a photo message, with a caption if given; `data` is what getFile then serves."""
        sizes = [{**_file_ids("photo", self._file_counter), "width": w, "height": w} for w in (90, 1280)]
        for size in sizes:
            self.files[size["file_id"]] = data if data is not None else b"\xff\xd8 not really a jpeg"
            size["file_size"] = len(self.files[size["file_id"]])
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user_id, first_name, **content)

    def user_sends_location(
        self, user_id: int, lat: float, lon: float, first_name: str | None = None
    ) -> dict[str, Any]:
        """Queue a location message."""
        return self._user_message(user_id, first_name, location={"latitude": lat, "longitude": lon})

    def user_sends_contact(self, user_id: int, phone: str, first_name: str | None = None) -> dict[str, Any]:
        """Queue the user's own contact, as the "share my phone number" button sends it."""
        user = self._user(user_id, first_name)
        contact = {"phone_number": phone, "first_name": user["first_name"], "user_id": user_id}
        return self._user_message(user_id, first_name, contact=contact)

    def user_taps_reply_button(self, user_id: int, text: str) -> dict[str, Any]:
        """Tap a button of the reply keyboard the bot currently shows in this chat (a test
        must not tap a button the bot never showed); sends its text."""
        shown = self.current_reply_keyboard(user_id)
        texts = reply_button_texts(shown)
        if text not in texts:
            raise AssertionError(f"chat {user_id} shows no reply button {text!r}; buttons shown: {texts}")
        return self.user_sends_text(user_id, text, first_name=self._users[user_id]["first_name"])

    def current_reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The ReplyKeyboardMarkup the user currently sees (None if removed or never sent)."""
        for message in reversed(self._sent.get(chat_id, [])):
            markup = message.get("reply_markup") or {}
            if "keyboard" in markup:
                return copy.deepcopy(markup)
            if "remove_keyboard" in markup:
                return None
        return None

    def user_clicks(self, user_id: int, message_id: int, data: str) -> dict[str, Any]:
        """Queue a callback_query for an inline button the bot really shows on that message."""
        key = (user_id, message_id)
        message = self._messages.get(key)
        if message is None or key in self._deleted or message["from"]["id"] != self.bot_user["id"]:
            raise AssertionError(f"chat {user_id} has no bot message #{message_id} to click on")
        offered = [b.get("callback_data") for b in inline_buttons(message.get("reply_markup"))]
        if data not in offered:
            raise AssertionError(
                f"bot message #{message_id} in chat {user_id} has no button with callback_data {data!r}; "
                f"it offers {offered}"
            )
        query = {
            "id": str(next(self._callback_ids)),
            "from": dict(self._users[user_id]),
            "message": self._public(message),
            "chat_instance": str(-(10**12) - user_id),
            "data": data,
        }
        self._callbacks[query["id"]] = query
        return self._queue(callback_query=query)

    def redeliver(self, update: dict[str, Any]) -> None:
        """Queue the very same update again (same update_id), as Telegram does when the bot
        crashed before confirming it. It is delivered once even past the current offset."""
        if any(u["update_id"] == update["update_id"] for u in self._updates):
            return
        self._updates.append(copy.deepcopy(update))
        self._redelivered.add(update["update_id"])
        self._updates_signal.notify()

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by an offset (delivered or not), oldest first."""
        return copy.deepcopy(sorted(self._updates, key=lambda u: u["update_id"]))

    def fail_next(
        self, method: str, error_code: int = 429, retry_after: int | None = 1, description: str | None = None
    ) -> None:
        """Make the next call of ``method`` fail as Telegram would (default: flood control).

        Queued failures are used one per call, in order; they hit only calls that passed
        validation, so a malformed call is still reported in ``rejected``.
        """
        spec = self.spec.method(method)
        if spec is None:
            raise ValueError(f"{method!r} is not a Bot API {self.spec.version} method")
        parameters = {"retry_after": retry_after} if error_code == 429 and retry_after is not None else None
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if error_code == 429
                else _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
            )
        self._injected[spec.name].append(_Injected(error_code, description, parameters))

    def enable_chaos(self, **options: Any) -> Chaos:
        """From now on, some calls fail, crawl or lose their answer (see `Chaos`)."""
        self.chaos = Chaos(**options)
        return self.chaos

    def enable_flood_control(self, **limits: Any) -> FloodControl:
        """From now on, sends beyond Telegram's flood limits get 429 (see `FloodControl`)."""
        self.flood = FloodControl(**limits)
        return self.flood

    # ---------------------------------------------------------------- simulation API: assertions

    def messages_to(self, chat_id: int, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        """What the bot sent to that chat, in order, edits applied, reply_markup parsed
        (reply keyboards included, unlike in API answers). Deleted messages stay by default
        so indexes used with ``wait_for_message(after=...)`` remain stable."""
        return [
            copy.deepcopy(m)
            for m in self._sent.get(chat_id, [])
            if include_deleted or (chat_id, m["message_id"]) not in self._deleted
        ]

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        """Whether the bot (or nobody else, here) deleted that message."""
        return (chat_id, message_id) in self._deleted

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Parameters of the accepted calls of one method (case-insensitive), in order."""
        return [c.params for c in self.calls if c.method.lower() == method.lower()]

    def unanswered_callbacks(self) -> list[dict[str, Any]]:
        """Callback queries the bot never answered (the user's button keeps spinning)."""
        return [q for qid, q in self._callbacks.items() if qid not in self.callback_answers]

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
        after: int = 0,
    ) -> dict[str, Any]:
        """Wait until ``messages_to(chat_id)[after:]`` holds a message matching ``predicate``
        (re-checked on every send or edit) and return the first such message.

        Pass ``after=len(server.messages_to(chat_id))`` taken before the user acts to ignore
        older messages. On timeout raises AssertionError listing what the chat did receive
        and every rejected call, which is usually why the expected message never came.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            # the stored messages themselves, copying only the one returned: every send wakes every
            # waiter, and copying whole chats for hundreds of waiters cost the test seconds of CPU
            for message in self._sent.get(chat_id, [])[after:]:
                if predicate is None or predicate(message):
                    return copy.deepcopy(message)
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise AssertionError(self._describe_wait_failure(chat_id, timeout, after))
            await self._outbox_signal.wait(remaining)

    def _describe_wait_failure(self, chat_id: int, timeout: float, after: int) -> str:
        received = self.messages_to(chat_id)
        lines = [f"no matching message to chat {chat_id} within {timeout}s (looking from index {after});"]
        lines.append(f"the chat received {len(received)} message(s):" if received else "the chat received nothing")
        lines += [_message_summary(i, m) for i, m in enumerate(received)]
        if self.rejected:
            lines.append("rejected calls:")
            lines += [f"  {call!r}" for call in self.rejected]
        return "\n".join(lines)


class _Silent(TelegramApiError):
    """A superseded long poll whose client already left: answer nothing worth recording."""

    def __init__(self) -> None:
        super().__init__(409, "superseded")


def create_bot(server: FakeTelegramServer, **bot_kwargs: Any) -> Bot:
    """A real aiogram Bot wired to the fake; close it with ``await bot.session.close()``."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    return Bot(token=server.token, session=session, **bot_kwargs)
