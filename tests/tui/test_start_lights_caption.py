"""The start-light caption is drawn whole: the lamps' widget grows with its caption."""

from __future__ import annotations

from helpers import race_app, status

from slotrace.drivers_api import StartLight
from slotrace.tui.widgets.start_lights import StartLights


async def test_ready_caption_is_not_clipped_after_the_first_start_press() -> None:
    app, driver, _ = race_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        lights = app.race_screen.query_one(StartLights)
        assert lights.region.width == len("● " * 5)  # no caption on the grid
        await pilot.press("s")
        driver.push(status(StartLight.READY))
        await pilot.pause()
        caption = "READY: press s again to start"
        assert str(lights.render()).endswith(caption)
        assert lights.region.width >= len("● " * 5) + len(caption)  # on screen, not cut off
