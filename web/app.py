"""The FastAPI application of the console; bot/ mounts the channel endpoints on it."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from handlers import Core
from web.deps import LoginRequired
from web.errors import http_error
from web.ratelimit import Limits
from web.routers import (  # issue 9
    audit,
    auth,
    board,
    cases_api,
    console,
    corrections,
    docs,
    health,
    home,
    live,
    media,
    nlu_api,
    open311,
    review,
    staff_link,
    supervise,
)
from web.security import BodyLimit, JsonCsrfGuard, SecurityHeaders, validation_error


def create_web_app(core: Core, secret_key: str, *, https_only: bool = False,
                   lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
                   public_url: str | None = None, limits: Limits | None = None,
                   open311_api_keys: tuple[str, ...] = (), channel_routers: Sequence[APIRouter] = ()) -> FastAPI:
    """`channel_routers` (bot/'s webhooks and web chat) come first: routes are matched in order, and
    every citizen's message is a request to one of them (matching it behind the console's routes
    was about 7% of the event loop's busy time under webhook load, by py-spy)."""
    app = FastAPI(title="Lắng Nghe", version="0.1.0", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.core = core
    app.state.limits = limits or Limits()
    app.state.open311_api_keys = open311_api_keys  # parsed once in Settings
    app.state.channels = {}  # name -> ChannelHealth, for /readyz (bot/ registers its channels)
    # SameSite=strict keeps other sites from riding a staff member's session; forms also carry a token.
    app.add_middleware(SessionMiddleware, secret_key=secret_key, same_site="strict", https_only=https_only,
                       session_cookie="langnghe_session", max_age=12 * 3600)
    app.add_middleware(JsonCsrfGuard, public_url=public_url)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders, https_only=https_only)  # outermost: refusals get the headers too
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.mount(docs.ASSETS_URL, docs.assets(), name="docs-assets")
    app.mount("/vendor/leaflet", StaticFiles(directory=board.leaflet_dir()), name="leaflet")
    for router in channel_routers:
        app.include_router(router)
    for module in (home, auth, console, cases_api, nlu_api, health, media, docs):
        app.include_router(module.router)
    app.include_router(live.router)  # issue 7: the console's live view (server push)
    for module in (review, audit, corrections, supervise):   # issue 9: moderators, supervisors
        app.include_router(module.router)
    app.include_router(open311.router)
    app.include_router(board.router)
    app.include_router(staff_link.router)  # issues 7, 9: staff link their own chat for case notices
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)

    @app.exception_handler(LoginRequired)
    async def _to_login(_request: Request, _exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)

    return app
