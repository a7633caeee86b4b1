"""`slotrace board --web --publish DIR`: the board keeps the static results site up to date,
rewriting it when a heat's status changes (and only then)."""

from __future__ import annotations

from pathlib import Path

from slotrace.board_web.server import BoardServer
from slotrace.drivers_api import CarPassed
from slotrace.store import EventFile
from slotrace.tui.board_feed import BoardFeed


async def _never(_seconds: float) -> None:  # the test drives the polling itself
    import asyncio

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
