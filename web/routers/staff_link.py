"""Console: a staff member links their own Telegram/Zalo chat for case notices, and unlinks it (issues 7, 9).

The code is shown once, in the answer to the POST that made it: only its hash is stored, so a
reload cannot show it again (making a new one is one click).
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from handlers import InvalidAction
from handlers.staff_links import LINK_COMMANDS, START_PREFIX, LinkCode, do_create_link_code, do_unlink_chat, links_of
from storage import StaffAccount
from web.deps import CoreDep, CsrfChecked, PageStaff, csrf_token
from web.templating import templates

router = APIRouter(prefix="/account/chat", tags=["console"])
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "zalo_oa": "Zalo OA"}


async def _page(request: Request, core: CoreDep, staff: StaffAccount, code: LinkCode | None = None) -> HTMLResponse:
    bot = getattr(request.app.state, "telegram_bot_username", None)
    deep_link = f"https://t.me/{quote(bot)}?start={START_PREFIX}{code.code}" if bot and code else None
    return templates.TemplateResponse(request, "staff_link.html", {
        "staff": staff, "csrf": csrf_token(request), "links": await links_of(core.db, staff),
        "code": code, "deep_link": deep_link, "command": f"/{LINK_COMMANDS[0]} {code.code}" if code else None,
        "channel_names": CHANNEL_NAMES})


@router.get("", response_class=HTMLResponse)
async def chat_page(request: Request, core: CoreDep, staff: PageStaff) -> HTMLResponse:
    return await _page(request, core, staff)


@router.post("/code", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def new_code(request: Request, core: CoreDep, staff: PageStaff) -> HTMLResponse:
    return await _page(request, core, staff, await do_create_link_code(core, staff))


@router.post("/{link_id}/unlink", dependencies=[CsrfChecked])
async def unlink(core: CoreDep, staff: PageStaff, link_id: int) -> RedirectResponse:
    try:
        await do_unlink_chat(core, staff, link_id)
    except InvalidAction as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy liên kết") from exc
    return RedirectResponse("/account/chat", status_code=status.HTTP_303_SEE_OTHER)
