"""Running the viewer: in the foreground (`evalrunner view`) or on a background thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from ._app import ViewerServer
from ._library import LogLibrary

DEFAULT_PORT = 7575


def serve(
    log_dir: str | Path = "logs",
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the viewer over `log_dir` until interrupted; `on_ready` gets the URL."""

    async def main() -> None:
        server = ViewerServer(LogLibrary(log_dir), host, port)
        await server.start()
        if on_ready is not None:
            on_ready(server.url)
        try:
            await server.serve_forever()
        finally:
            await server.close()

    asyncio.run(main())


class BackgroundViewer:
    """The viewer on its own thread and event loop, for notebooks, tests and benchmarks.

        with BackgroundViewer("logs") as viewer:
            print(viewer.url)
    """

    def __init__(
        self, log_dir: str | Path = "logs", host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.server = ViewerServer(LogLibrary(log_dir), host, port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="viewer")

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> str:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(timeout=30)
        return self.url

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    def __enter__(self) -> BackgroundViewer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, ex: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
