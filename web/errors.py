"""Errors as pages for people and as JSON for programs.

A person who follows a stale link or mistypes an address gets a page in Vietnamese (English
second) with a way back, not raw JSON; API clients (JSON routes, webhooks) keep FastAPI's JSON.
"""
from __future__ import annotations

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.templating import templates

_MACHINE_PREFIXES = ("/api/", "/chat/api/", "/model/", "/telegram/", "/zalo", "/openapi.json", "/healthz", "/readyz")
_TEXTS = {
    404: ("Không tìm thấy trang", "Địa chỉ này không có, hoặc hồ sơ không thuộc đơn vị của bạn.", "Page not found"),
    403: ("Không được phép", "Bạn không có quyền làm việc này, hoặc biểu mẫu đã cũ: hãy tải lại trang rồi thử lại.",
          "Forbidden (or a stale form: reload the page)"),
    405: ("Không thực hiện được", "Trang này không nhận thao tác đó.", "Method not allowed"),
}


def wants_page(request: Request) -> bool:
    return (not request.url.path.startswith(_MACHINE_PREFIXES)
            and "text/html" in request.headers.get("accept", ""))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not wants_page(request) or exc.status_code not in _TEXTS:
        return await http_exception_handler(request, exc)
    title_vi, detail_vi, title_en = _TEXTS[exc.status_code]
    in_console = request.url.path.startswith("/console")
    return templates.TemplateResponse(request, "error.html", {
        "status_code": exc.status_code, "title_vi": title_vi, "detail_vi": detail_vi, "title_en": title_en,
        "back": "/console" if in_console else "/chat",
        "back_label": "Hộp thư / inbox" if in_console else "Trò chuyện / chat",
    }, status_code=exc.status_code, headers=getattr(exc, "headers", None))
