"""Citizens' photos for the staff of their case: the thumbnail on the case page, the original a
click away. Only staff who may see the case's personal data get the bytes; anyone else a 404."""
from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from handlers import CaseNotFound
from handlers.attachments import photo_for_staff
from storage.media import MediaKeyError, MediaStore
from web.deps import CoreDep, PageStaff

router = APIRouter(prefix="/console/media", include_in_schema=False)


@router.get("/{attachment_id}/{variant}")
async def photo(request: Request, core: CoreDep, staff: PageStaff, attachment_id: int,
                variant: Literal["thumb", "full"]) -> Response:
    store: MediaStore = request.app.state.media
    try:
        found = await photo_for_staff(core.db, staff, attachment_id, thumb=variant == "thumb")
        data = await asyncio.to_thread(store.get, found.key)
    except (CaseNotFound, MediaKeyError) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không tìm thấy ảnh") from exc
    return Response(data, media_type=found.mime, headers={
        "Cache-Control": "private, max-age=3600", "Content-Disposition": "inline",
        "X-Content-Type-Options": "nosniff"})
