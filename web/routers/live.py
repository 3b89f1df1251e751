"""The console's live view: new cases and citizens' answers pushed to open pages (server-sent events).

Only what a newcomer must not miss is pushed: a case arriving in the unit (new, moved or escalated to
it), urgent ones flagged, and a citizen writing more. Staff's own actions are not news to them.
A stream re-checks the login at every heartbeat, so a logout elsewhere ends it.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from handlers import Core, get_staff, render
from handlers.live import ALL_CASES, LiveEvent, unit_topic
from storage import StaffAccount, StaffRole
from web.deps import ApiStaff, CoreDep

router = APIRouter(prefix="/console", tags=["console"])
HEARTBEAT_SECONDS = 15.0
ARRIVALS = frozenset({"created", "reassigned", "escalated", "rerouted"})
CITIZEN = frozenset({"citizen_message", "details", "rated", "rating_feedback"})
REOPENED = "reopened"   # issue 9.6: back in the unit, as news as a new case


def _topics(staff: StaffAccount) -> list[str]:
    if staff.role is StaffRole.STAFF and staff.unit_id is not None:
        return [unit_topic(staff.unit_id)]
    return [ALL_CASES]


def _news(item: LiveEvent) -> dict[str, object] | None:
    code, urgent = str(item.data.get("code", "")), bool(item.data.get("urgent"))
    if item.kind in ARRIVALS:
        key = "console.live_urgent" if urgent else "console.live_new"
    elif item.kind == REOPENED:
        key = "console.live_reopened"
    elif item.kind in CITIZEN:
        key = "console.live_citizen"
    else:
        return None
    return {"code": code, "kind": item.kind, "urgent": urgent, "text": render(key, "vi", {"code": code}),
            "url": f"/console/cases/{code}"}


@router.get("/live", response_class=StreamingResponse)
async def live(request: Request, core: CoreDep, staff: ApiStaff) -> StreamingResponse:
    return StreamingResponse(_stream(core, staff, request.session.get("ver")), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _stream(core: Core, staff: StaffAccount, version: object) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    async with core.live.subscribe(_topics(staff)) as sub:
        while True:
            item = await sub.next(HEARTBEAT_SECONDS)
            if item is None:
                current = await get_staff(core.db, staff.id)
                if current is None or current.session_version != version:
                    yield "event: ended\ndata: {}\n\n"
                    return
                yield ": keep-alive\n\n"
                continue
            news = _news(item)
            if news is not None:
                yield f"event: case\ndata: {json.dumps(news, ensure_ascii=False)}\n\n"
