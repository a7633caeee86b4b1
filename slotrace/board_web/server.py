"""Provides `BoardServer`: the web spectator board over aiohttp, pushed to every viewer by SSE.

One process serves every phone: a single task follows the event file (opened read-only,
SQLite ``mode=ro``), and when a journal row arrives it renders the board once per class
filter in use and pushes the same bytes to every connected page (server-sent events). The
only routes are GETs (the page, its JSON, the event stream); there is nothing that writes.

With a publish folder it also keeps a static results site there (`slotrace.store.publish`):
published when it starts and again whenever a heat starts, finishes, is voided or reopened,
in a worker thread with its own read-only connection so the pages keep streaming.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from slotrace.board_web.page import PAGE_HTML
from slotrace.board_web.snapshot import board_snapshot
from slotrace.errors import SlotraceError
from slotrace.tui.board_feed import BoardFeed

DEFAULT_PORT = 8080
HEARTBEAT_SECONDS = 15.0
HEAT_CHECK_POLLS = 10
"""With a publish folder: look at the heats' statuses at least every this many polls (a heat
can finish without a journal row)."""


def parse_bind(text: str | None, option: str = "--web") -> tuple[str, int]:
    """``HOST:PORT``, ``HOST`` or ``:PORT`` -> (host, port); localhost unless a host is given.

    ``option`` is the command-line option the text came from, named in the errors.
    """
    if not text:
        return "127.0.0.1", DEFAULT_PORT
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    try:
        number = int(port) if port else DEFAULT_PORT
    except ValueError:
        raise SlotraceError(
            f"{option} {text!r}: the port must be a number (e.g. 0.0.0.0:8080)") from None
    if not 0 < number < 65536:
        raise SlotraceError(f"{option} {text!r}: the port must be between 1 and 65535")
    return host or "127.0.0.1", number


@dataclass
class _Viewers:
    """The open event streams, grouped by the class filter they asked for."""

    queues: dict[str | None, set[asyncio.Queue[bytes]]] = field(default_factory=dict)

    def count(self) -> int:
        return sum(len(q) for q in self.queues.values())


class BoardServer:
    """The web board on one `BoardFeed`.

    Args:
        feed: the followed event file (read-only).
        entry_class: the class every page shows unless it asks for another (None: all).
        poll_seconds: how often the journal is looked at (one tiny query when nothing changed).
        sleep: the awaitable pause between polls (tests pass one they control).
        publish_folder: keep the static results site there (None: no site).
    """

    def __init__(self, feed: BoardFeed, *, entry_class: str | None = None,
                 poll_seconds: float = 0.2,
                 sleep: Callable[[float], Any] = asyncio.sleep,
                 publish_folder: Path | None = None) -> None:
        self.feed = feed
        self.entry_class = entry_class
        self.poll_seconds = poll_seconds
        self._sleep = sleep
        self._viewers = _Viewers()
        self._rendered: dict[str | None, bytes] = {}
        self.pushes = 0
        """How many board updates were rendered and pushed (one per change and class)."""
        self.publish_folder = publish_folder
        self.publications = 0
        """How many times the results site was written."""
        self._published_marks: tuple[tuple[int, str], ...] | None = None

    def app(self) -> web.Application:
        """The aiohttp application: GET routes only."""
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_get("/board.json", self._json)
        app.router.add_get("/events", self._events)
        app.cleanup_ctx.append(self._follow_file)
        return app

    @property
    def viewers(self) -> int:
        return self._viewers.count()

    def _class_of(self, request: web.Request) -> str | None:
        wanted = request.query.get("class") or self.entry_class
        try:
            self.feed.check_class(wanted)
        except ValueError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return wanted

    def rendered(self, entry_class: str | None) -> bytes:
        """The board as JSON bytes for one class filter (rendered once per change)."""
        if entry_class not in self._rendered:
            data = board_snapshot(self.feed, entry_class, self.feed.charity_total)
            self._rendered[entry_class] = json.dumps(data, separators=(",", ":")).encode()
        return self._rendered[entry_class]

    def publish_changes(self) -> bool:
        """Poll the file once; on a change push the new board to every viewer. True if changed."""
        if not self.feed.poll():
            return False
        self._rendered.clear()
        for entry_class, queues in self._viewers.queues.items():
            if not queues:
                continue
            message = b"data: " + self.rendered(entry_class) + b"\n\n"
            self.pushes += 1
            for queue in queues:
                queue.put_nowait(message)
        return True

    async def _follow_file(self, app: web.Application) -> Any:
        task = asyncio.create_task(self._poll_forever())
        yield
        task.cancel()

    async def _poll_forever(self) -> None:
        polls = 0
        while True:
            changed = self.publish_changes()
            polls += 1
            if self.publish_folder is not None and (changed or polls % HEAT_CHECK_POLLS == 0):
                try:
                    await self.republish_if_heats_changed()
                except SlotraceError as exc:  # keep serving the board; say why once per try
                    print(f"results site not published: {exc}", file=sys.stderr)
            await self._sleep(self.poll_seconds)

    def _heat_marks(self) -> tuple[tuple[int, str], ...]:
        return tuple((h.id, str(h.status)) for h in self.feed.event_file.heats())

    def publish_now(self) -> None:
        """Write the results site now; raises `PublishError` if the folder is refused."""
        self._publish(self._heat_marks())

    def _publish(self, marks: tuple[tuple[int, str], ...]) -> None:
        """Any thread: `publish_site` opens the file again, read-only, on its own connection."""
        from slotrace.store.publish import publish_site

        if self.publish_folder is None:
            return
        publish_site(self.feed.event_file.path, self.publish_folder)
        self._published_marks = marks
        self.publications += 1

    async def republish_if_heats_changed(self) -> bool:
        """Rewrite the site (in a worker thread) if a heat's status changed since the last
        publication; True if it was rewritten."""
        if self.publish_folder is None:
            return False
        marks = self._heat_marks()
        if marks == self._published_marks:
            return False
        await asyncio.to_thread(self._publish, marks)
        return True

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE_HTML, content_type="text/html", charset="utf-8")

    async def _json(self, request: web.Request) -> web.Response:
        body = self.rendered(self._class_of(request))
        return web.Response(body=body, content_type="application/json")

    async def _events(self, request: web.Request) -> web.StreamResponse:
        entry_class = self._class_of(request)
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        })
        await response.prepare(request)
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._viewers.queues.setdefault(entry_class, set()).add(queue)
        try:
            await response.write(b"data: " + self.rendered(entry_class) + b"\n\n")
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    message = b": still here\n\n"
                await response.write(message)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._viewers.queues[entry_class].discard(queue)
        return response


def run_server(server: BoardServer, host: str, port: int,
               on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until Ctrl+C; ``on_ready`` gets the URL once the socket is bound."""

    async def started(app: web.Application) -> None:
        if on_ready is not None:
            on_ready(f"http://{host}:{port}/")

    app = server.app()
    app.on_startup.append(started)
    try:
        web.run_app(app, host=host, port=port, print=None, handle_signals=True,
                    shutdown_timeout=1.0)
    except OSError as exc:
        raise SlotraceError(f"cannot serve the web board on {host}:{port}: {exc.strerror}"
                            ) from None
