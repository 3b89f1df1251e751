"""One Jinja2 environment for every page, with the helpers templates need."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from handlers import mask_personal
from handlers.texts import CATALOGUE

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


EVENT_LABELS = {
    "created": "Tiếp nhận phản ánh",
    "accepted": "Nhận xử lý",
    "staff_reply": "Trả lời người dân",
    "information_requested": "Hỏi thêm thông tin",
    "citizen_message": "Người dân nhắn thêm",
    "status": "Đổi trạng thái",
    "reassigned": "Chuyển đơn vị",
    "escalated": "Chuyển lên cấp trên (quá hạn)",
    "resolved": "Giải quyết xong",
    "rated": "Người dân đánh giá",
}


EVENT_LABELS.update({   # issue 9
    "domain_corrected": "Kiểm duyệt sửa lĩnh vực",
    "place_corrected": "Kiểm duyệt sửa địa bàn",
    "sent_to_supervisor": "Chuyển giám sát viên",
    "deadline_extended": "Gia hạn giải quyết",
    "reopened": "Người dân báo chưa được giải quyết: mở lại",   # issue 9.6
    "rating_feedback": "Người dân góp ý sau đánh giá thấp",
})
MODERATION_LABELS = {
    "abuse_detected": "Tự động gắn cờ: lời lẽ xúc phạm",
    "flagged": "Gắn cờ lạm dụng",
    "reviewed": "Đã duyệt",
    "note": "Ghi chú kiểm duyệt",
    "revealed": "Xem dữ liệu cá nhân",
    "domain_corrected": "Sửa lĩnh vực",
    "place_corrected": "Sửa địa bàn",
    "sent_to_supervisor": "Chuyển giám sát viên",
    "correction_accepted": "Chấp nhận sửa nhãn",
    "correction_rejected": "Từ chối sửa nhãn",
    "data_erased": "Người dân xóa dữ liệu",
    "reassigned": "Chuyển đơn vị",
    "escalated": "Chuyển lên cấp trên",
    "deadline_extended": "Gia hạn giải quyết",
    "low_rating": "Người dân đánh giá 1-2 sao",   # issue 9.6
}


def actor_name(actor: str) -> str:
    kind, _, who = actor.partition(":")
    return {"citizen": "Người dân", "system": "Hệ thống"}.get(kind, who or actor)


def local_time(moment: datetime | None) -> str:
    return moment.astimezone(_TZ).strftime("%H:%M %d/%m/%Y") if moment else ""


templates.env.filters["local"] = local_time
templates.env.filters["actor"] = actor_name
templates.env.filters["mask"] = mask_personal
# The console's live view (web/static/console.js) places these sentences; they live in the catalogue.
LIVE_TEXTS = {key.removeprefix("console."): entry["vi"] for key, entry in CATALOGUE.items() if key.startswith("console.live_")}
MODEL_STATUS = {"training": "Đang huấn luyện", "failed": "Lỗi", "rejected": "Không đạt (kém đi)",
                "candidate": "Ứng viên", "active": "Đang dùng", "retired": "Đã thay thế"}
templates.env.globals.update(STATUS_LABELS=STATUS_LABELS, DOMAIN_LABELS=DOMAIN_LABELS, EVENT_LABELS=EVENT_LABELS,
                             MODERATION_LABELS=MODERATION_LABELS, MODEL_STATUS=MODEL_STATUS, LIVE_TEXTS=LIVE_TEXTS)
