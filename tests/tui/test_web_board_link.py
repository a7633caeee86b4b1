"""--board-web: race control's w key shows the web board's URL and QR code (80x24 included)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import race_app
from textual.widgets import Label, Static

from slotrace.board_web.qr import terminal_qr
from slotrace.cli import build_parser
from slotrace.errors import SlotraceError
from slotrace.tui.screens.web_board_dialog import WebBoardDialog, web_board_link
from slotrace.tui.widgets.key_bar import KeyBar

EVENT = Path("mm2026.slotrace")


def test_the_link_reads_host_and_port_as_the_board_does() -> None:
    link = web_board_link("192.168.1.20:8080", EVENT)
    assert link.url == "http://192.168.1.20:8080/"
    assert link.qr == terminal_qr(link.url).rstrip("\n")
    assert link.command == "slotrace board mm2026.slotrace --web 192.168.1.20:8080"
    assert web_board_link("", EVENT).url == "http://127.0.0.1:8080/"  # --board-web alone
    every = web_board_link("0.0.0.0:9000", EVENT)
    assert every.url == "http://<this laptop's address>:9000/" and every.qr == ""
    with pytest.raises(SlotraceError, match="port must be a number"):
        web_board_link("192.168.1.20:http", EVENT)


@pytest.mark.parametrize("command", ["demo", "open"])
def test_board_web_option_on_demo_and_open(command: str) -> None:
    extra = ["ev.slotrace", "--device", "sim"] if command == "open" else []
    parser = build_parser()
    assert parser.parse_args([command, *extra]).board_web is None
    assert parser.parse_args([command, *extra, "--board-web"]).board_web == ""
    assert parser.parse_args([command, *extra, "--board-web", "10.0.0.5:80"]).board_web == \
        "10.0.0.5:80"


async def test_w_shows_url_and_qr_code_on_80x24_and_escape_closes() -> None:
    app, _, _ = race_app()
    app.board_link = web_board_link("192.168.1.20:8080", EVENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "w Web board" in str(app.race_screen.query_one(KeyBar).render())
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WebBoardDialog)
        assert "http://192.168.1.20:8080/" in str(dialog.query_one("#url", Label).render())
        qr = dialog.query_one("#qr", Static)
        lines = app.board_link.qr.splitlines()
        assert qr.region.width >= max(len(line) for line in lines)
        assert qr.region.height == len(lines)  # every row of the code is drawn
        assert qr.region.bottom <= 24 and qr.region.right <= 80
        assert "slotrace board mm2026.slotrace --web 192.168.1.20:8080" in str(
            dialog.query_one("#command", Label).render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WebBoardDialog)


async def test_without_board_web_there_is_no_w_key() -> None:
    app, _, _ = race_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "Web board" not in str(app.race_screen.query_one(KeyBar).render())
        await pilot.press("w")
        await pilot.pause()
        assert not isinstance(app.screen, WebBoardDialog)
