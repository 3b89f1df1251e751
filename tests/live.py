"""A real uvicorn server in the test's event loop, on a free port of 127.0.0.1."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI


@asynccontextmanager
async def live_server(app: FastAPI) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=1))  # open push streams end at stop
    task = asyncio.create_task(server.serve())
    for _ in range(400):
        if server.started or task.done():
            break
        await asyncio.sleep(0.025)
    if not server.started:
        task.result() if task.done() else task.cancel()
        raise RuntimeError("the test server did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class RestartableServer:
    """A live server that can be stopped and started again on the same port, like a process restart:
    `make_app` builds a fresh app (and runtime) each time; what persists is what the database keeps."""

    def __init__(self, make_app: Callable[[], Awaitable[FastAPI]]) -> None:
        self._make_app = make_app
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> str:
        app = await self._make_app()
        # Open pages hold server-push streams; a stop waits a moment for them, then cuts them.
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                               lifespan="on", timeout_graceful_shutdown=1))
        task = asyncio.create_task(server.serve())
        for _ in range(400):
            if server.started or task.done():
                break
            await asyncio.sleep(0.025)
        if not server.started:
            task.result() if task.done() else task.cancel()
            raise RuntimeError("the test server did not start")
        self._server, self._task = server, task
        self.port = server.servers[0].sockets[0].getsockname()[1]
        return self.url

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None
