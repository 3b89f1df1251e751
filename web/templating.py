"""One Jinja2 environment for every page, with the helpers templates need."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

STATUS_LABELS = {
    "open": "Mới tiếp nhận",
    "in_progress": "Đang xử lý",
    "waiting_citizen": "Chờ người dân",
    "resolved": "Đã giải quyết",
    "cancelled": "Đã hủy",
}
DOMAIN_LABELS = {
    "union": "Công đoàn",
    "farmer": "Hội Nông dân",
    "women": "Hội Phụ nữ",
    "youth": "Đoàn Thanh niên",
    "veteran": "Hội Cựu chiến binh",
    "other": "Mặt trận Tổ quốc",
}


def local_time(moment: datetime | None) -> str:
    return moment.astimezone(_TZ).strftime("%H:%M %d/%m/%Y") if moment else ""


templates.env.filters["local"] = local_time
templates.env.globals.update(STATUS_LABELS=STATUS_LABELS, DOMAIN_LABELS=DOMAIN_LABELS)
