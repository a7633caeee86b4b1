"""The web board over HTTP: one stream per viewer, pushed on a journal commit, GET only."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from slotrace.board_web.server import BoardServer, parse_bind
from slotrace.drivers_api import CarPassed
from slotrace.errors import SlotraceError
from slotrace.store import EventFile
from slotrace.tui.board_feed import BoardFeed


async def _next_board(response) -> dict:
    """The next pushed board (skips heartbeats), waiting at most one second."""
    async def read() -> dict:
        while True:
            line = await response.content.readline()
            if line.startswith(b"data: "):
                return json.loads(line[6:])
    return await asyncio.wait_for(read(), 1.0)


async def _never(_seconds: float) -> None:
    await asyncio.Event().wait()  # the test drives the polling itself


async def test_a_lap_committed_is_pushed_to_every_viewer(event_path, heat) -> None:
    reader = EventFile.open(event_path, read_only=True)
    server = BoardServer(BoardFeed(reader), sleep=_never)
    async with TestClient(TestServer(server.app())) as client:
        streams = [await client.get("/events") for _ in range(3)]
        first = [await _next_board(s) for s in streams]
        assert all(b["phase"] == "running" for b in first)
        number = heat.app.roster[1].number
        heat.feed(CarPassed(1, 1, 1000))
        heat.feed(CarPassed(1, 1, 5200))  # car 1's first lap
        assert server.publish_changes()
        boards = [await _next_board(s) for s in streams]
        for board in boards:
            row = next(r for r in board["live"] if r["number"] == number)
            assert row["laps"] == 1
        assert server.pushes == 1  # rendered once for the three viewers
        for s in streams:
            s.close()
    reader.close()


async def test_only_get_routes_and_the_file_is_read_only(event_path, heat) -> None:
    reader = EventFile.open(event_path, read_only=True)
    server = BoardServer(BoardFeed(reader), sleep=_never)
    app = server.app()
    methods = {route.method for route in app.router.routes()}
    assert methods <= {"GET", "HEAD"}
    async with TestClient(TestServer(app)) as client:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = await client.request(method, "/board.json")
            assert response.status == 405
        page = await (await client.get("/")).text()
        assert "<form" not in page and "<button" not in page and "<input" not in page
    assert reader.read_only
    reader.close()


async def test_an_unknown_class_is_a_clear_error(event_path, heat) -> None:
    reader = EventFile.open(event_path, read_only=True)
    server = BoardServer(BoardFeed(reader), sleep=_never)
    async with TestClient(TestServer(server.app())) as client:
        response = await client.get("/board.json?class=S1100x")
        assert response.status == 400
        text = await response.text()
        assert "unknown class 'S1100x'" in text and "S1100" in text
        board = await (await client.get("/board.json?class=S1100")).json()
        assert board["live"] and all(r["entry_class"] == "S1100" for r in board["live"])
    reader.close()


def test_bind_is_localhost_unless_an_address_is_given() -> None:
    assert parse_bind(None) == ("127.0.0.1", 8080)
    assert parse_bind("") == ("127.0.0.1", 8080)
    assert parse_bind(":9000") == ("127.0.0.1", 9000)
    assert parse_bind("192.168.1.20:8080") == ("192.168.1.20", 8080)


def test_bind_errors_name_the_option_the_organiser_typed() -> None:
    with pytest.raises(SlotraceError, match=r"^--board-web ':80x'.*number"):
        parse_bind(":80x", "--board-web")
    with pytest.raises(SlotraceError, match=r"^--web ':70000'.*between 1 and 65535"):
        parse_bind(":70000")
