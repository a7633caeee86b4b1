"""The web board in a real headless Chromium: a lap shows within a second, nothing writes."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web

from slotrace.board_web.server import BoardServer
from slotrace.drivers_api import CarPassed
from slotrace.store import EventFile
from slotrace.tui.board_feed import BoardFeed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)


class ServerThread:
    """The web board on a free localhost port, in its own event loop and thread."""

    def __init__(self, server: BoardServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.server.app())
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.started.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> ServerThread:
        self.thread.start()
        assert self.started.wait(10), "the web board did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_a_lap_appears_within_one_second_of_the_commit(event_path, heat, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    number = heat.app.roster[1].number
    heat.feed(CarPassed(1, 1, 1000))
    reader = EventFile.open(event_path, read_only=True)
    server = BoardServer(BoardFeed(reader), poll_seconds=0.1)
    try:
        with ServerThread(server) as running:
            browser.get(f"http://127.0.0.1:{running.port}/")
            row = f"#live tr[data-number='{number}'] td.laps"

            def laps(b: object) -> str | None:
                # read in one script: the page may re-render between a find and a .text
                return b.execute_script(  # type: ignore[attr-defined]
                    "const td = document.querySelector(arguments[0]);"
                    "return td ? td.textContent : null;", row)

            WebDriverWait(browser, 10).until(  # first load of the browser: generous bound
                lambda b: laps(b) is not None)
            assert laps(browser) == "0"
            heat.feed(CarPassed(1, 1, 5200))  # the journal commit of car 1's first lap
            WebDriverWait(browser, 1.0, poll_frequency=0.02).until(lambda b: laps(b) == "1")
            # nothing on the page can write: no form, input, button, select or textarea
            for tag in ("form", "input", "button", "select", "textarea"):
                assert browser.find_elements(By.TAG_NAME, tag) == []
            assert "Raised for charity" in browser.find_element(By.ID, "charity").text
    finally:
        reader.close()
