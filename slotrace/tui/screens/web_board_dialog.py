"""Provides `WebBoardDialog`: the web board's address and QR code, for spectators' phones.

Race control only shows where the board is: the board itself runs as its own read-only
process (``slotrace board FILE --web HOST:PORT``), so race control never serves anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

ANY_ADDRESS = ("0.0.0.0", "::")


@dataclass(frozen=True, slots=True)
class WebBoardLink:
    """Where spectators find the web board.

    Attributes:
        url: the address to open (with a placeholder host when it listens on every address).
        qr: the URL's QR code as block characters ('' when there is no address to encode).
        command: how to start the board in a second terminal.
    """

    url: str
    qr: str
    command: str


def web_board_link(bind: str | None, event_path: Path) -> WebBoardLink:
    """The link for ``--board-web HOST:PORT`` (as ``slotrace board --web`` reads it)."""
    from slotrace.board_web.qr import terminal_qr
    from slotrace.board_web.server import parse_bind

    host, port = parse_bind(bind, "--board-web")
    command = f"slotrace board {event_path} --web {host}:{port}"
    if host in ANY_ADDRESS:  # no single address to encode: the phone needs the LAN address
        return WebBoardLink(f"http://<this laptop's address>:{port}/", "", command)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    return WebBoardLink(url, terminal_qr(url).rstrip("\n"), command)


class WebBoardDialog(ModalScreen[None]):
    """The URL, its QR code and the command that serves the board; Escape closes.

    The code is drawn white on black: segno draws the light modules as blocks.
    """

    DEFAULT_CSS = """
    WebBoardDialog { align: center middle; }
    WebBoardDialog > Vertical {
        width: auto; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 1; border: thick $primary; background: $surface;
    }
    WebBoardDialog #qr { width: auto; color: white; background: black; }
    WebBoardDialog Label { width: auto; }
    WebBoardDialog Button { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "close", "Close"),
                                             ("w", "close", "Close")]

    def __init__(self, link: WebBoardLink) -> None:
        super().__init__()
        self.link = link

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]Web board:[/b] {self.link.url}", id="url")
            if self.link.qr:
                yield Static(self.link.qr, id="qr", markup=False)
            else:
                yield Label("It listens on every address: give the laptop's LAN address "
                            "(--board-web 192.168.1.20:8080) for a QR code.", id="no-qr")
            yield Label("Serve it from a second terminal:")
            yield Label(self.link.command, id="command")
            yield Button("Close", variant="primary", id="close")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
