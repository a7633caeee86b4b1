"""`slotrace board --web --publish DIR`: the board keeps the static results site up to date,
rewriting it when a heat's status changes (and only then)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from slotrace.board_web.server import HEAT_CHECK_POLLS, BoardServer
from slotrace.drivers_api import CarPassed
from slotrace.store import EventFile
from slotrace.tui.board_feed import BoardFeed


async def _never(_seconds: float) -> None:  # the test drives the polling itself
    await asyncio.Event().wait()


def heats_table(site: Path) -> str:
    index = (site / "index.html").read_text("utf-8")
    return index[index.index("<h2>Heats</h2>"):]


async def test_the_site_is_rewritten_when_a_heat_finishes(event_path, heat, tmp_path) -> None:
    site = tmp_path / "site"
    reader = EventFile.open(event_path, read_only=True)
    server = BoardServer(BoardFeed(reader), sleep=_never, publish_folder=site)
    server.publish_now()
    assert "<td>running</td>" in heats_table(site)
    heat.feed(CarPassed(1, 1, 1000))
    heat.feed(CarPassed(1, 1, 5200))
    assert server.publish_changes()  # a lap: the board changes, the heats do not
    assert not await server.republish_if_heats_changed()
    assert server.publications == 1

    heat_id = heat.event_file.heats()[0].id
    heat.event_file.finish_heat(heat_id)
    assert await server.republish_if_heats_changed()
    assert "<td>finished</td>" in heats_table(site) and "running" not in heats_table(site)
    assert server.publications == 2
    assert not await server.republish_if_heats_changed()
    reader.close()


def test_without_a_folder_nothing_is_published(event_path, heat) -> None:
    reader = EventFile.open(event_path, read_only=True)
    server = BoardServer(BoardFeed(reader), sleep=_never)
    server.publish_now()
    assert server.publications == 0
    reader.close()


async def test_the_serving_board_republishes_by_itself_after_a_finish(event_path, heat,
                                                                     tmp_path) -> None:
    """A finish writes no journal row: the poll loop still looks at the heats every
    HEAT_CHECK_POLLS polls. The test steps the loop poll by poll (no wall-clock waits)."""
    polled: asyncio.Queue[None] = asyncio.Queue()
    gate: asyncio.Queue[None] = asyncio.Queue()

    async def one_poll_at_a_time(_seconds: float) -> None:
        polled.put_nowait(None)
        await gate.get()

    site = tmp_path / "site"
    reader = EventFile.open(event_path, read_only=True)
    server = BoardServer(BoardFeed(reader), sleep=one_poll_at_a_time, publish_folder=site)
    server.publish_now()
    async with TestClient(TestServer(server.app())):
        await asyncio.wait_for(polled.get(), 10)  # the loop's first poll
        heat.event_file.finish_heat(heat.event_file.heats()[0].id)
        for _ in range(HEAT_CHECK_POLLS):
            gate.put_nowait(None)
            await asyncio.wait_for(polled.get(), 10)  # one more poll (and publication) done
        assert server.publications == 2
        assert "<td>finished</td>" in heats_table(site)
    reader.close()
