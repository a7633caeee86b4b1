"""Race control's --publish: the results site is written before the heat and rewritten, off
the UI thread, as soon as a heat finishes; a refused folder stops race control at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import lights_out
from scripted_driver import ScriptedDriver
from test_resume_and_board import make_event_file

from slotrace.store import EventFile
from slotrace.store.publish import PublishError
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control


def _heat_statuses(site: Path) -> list[str]:
    return [h["status"] for h in json.loads((site / "results.json").read_text())["heats"]]


async def test_a_finished_heat_is_published_without_restarting(tmp_path: Path) -> None:
    path, site = tmp_path / "event.slotrace", tmp_path / "site"
    create_demo_event(path).close()
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver(), laps=1, publish=site)
        assert (site / "index.html").is_file()  # written before anything runs
        assert _heat_statuses(site) == []  # published before the heat opened
        said: list[str] = []
        app.notify = lambda message, **_: said.append(str(message))  # type: ignore[method-assign]
        driver = app.driver
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.press("s")
            lights_out(driver)
            for car in app.session.config.cars:
                driver.crossing(car, 1000 + car)
                driver.crossing(car, 6000 + car)
            await pilot.pause()
            assert app.session.finished
            # the finish started the publishing worker; its thread reports back (and
            # call_from_thread waits for the notification) before it completes, and a
            # completed worker leaves the app's list: waiting for it is waiting for the site
            publishing = [w for w in app.workers if w.group == "publish"]
            if publishing:
                await app.workers.wait_for_complete(publishing)
    assert _heat_statuses(site) == ["finished"]
    assert any(s.startswith(f"results site rewritten in {site}") for s in said)


def test_a_refused_folder_stops_race_control_before_a_heat_starts(tmp_path: Path) -> None:
    path, folder = tmp_path / "event.slotrace", tmp_path / "photos"
    make_event_file(path)
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8")
    with EventFile.open(path) as event_file:
        with pytest.raises(PublishError, match="photos"):
            prepare_race_control(event_file, ScriptedDriver(), laps=1, publish=folder)
        assert event_file.heats() == []
