"""Provides `BoardApp`: the read-only spectator board (`slotrace board FILE`)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Footer, Label

from slotrace.tui.board_feed import BoardFeed
from slotrace.tui.widgets.board_table import BoardTable
from slotrace.tui.widgets.session_header import SessionHeader


class BoardApp(App[None]):
    """Current heat's live order above the overall classification; pages turn by themselves.

    Nothing here can change the event: the file is opened read-only and there is no key
    bound to any race-control action, so viewers (also in a browser via ``textual serve``)
    can only watch.

    Args:
        feed: the followed event file.
        entry_class: show only this class (None: all).
        poll_seconds: how often to look for new journal rows.
        page_seconds: how long a page stays before the next one (0: never turn pages).
    """

    CSS_PATH = "styles/board.tcss"
    TITLE = "slotrace board"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle_class", "Class filter"),
        Binding("n", "next_page", "Next page"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        feed: BoardFeed,
        *,
        entry_class: str | None = None,
        poll_seconds: float = 0.25,
        page_seconds: float = 8.0,
    ) -> None:
        super().__init__()
        self.feed = feed
        self.entry_class = entry_class
        self.poll_seconds = poll_seconds
        self.page_seconds = page_seconds
        self.page_timer: Timer | None = None
        """Turns the pages every ``page_seconds`` (None when paging is off)."""

    def compose(self) -> ComposeResult:
        yield Label(self.feed.title, id="board-title")
        yield SessionHeader(id="board-session")
        yield BoardTable("Current heat", id="board-live")
        yield BoardTable("Overall: fastest lap of every car", show_last=False, id="board-overall")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_board()
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.poll_file)
        if self.page_seconds:
            self.page_timer = self.set_interval(self.page_seconds, self.action_next_page)

    def poll_file(self) -> None:
        if self.feed.poll():
            self.refresh_board()

    def refresh_board(self) -> None:
        heat = self.feed.current_heat()
        header = self.query_one("#board-session", SessionHeader)
        live = self.query_one("#board-live", BoardTable)
        if heat is not None:
            header.title = heat.name
            header.state = self.feed.state_of(heat.id)
            live.caption = f"{heat.name}: live order"
        klass = f" · class {self.entry_class}" if self.entry_class else ""
        self.query_one("#board-title", Label).update(f"{self.feed.title}{klass}")
        live.rows = tuple(self.feed.live_rows(self.entry_class))
        overall = self.query_one("#board-overall", BoardTable)
        overall.caption = self.feed.overall_caption
        overall.best_label = "Best" if overall.caption.endswith("every car") else "Score"
        overall.rows = tuple(self.feed.overall_rows(self.entry_class))

    def action_next_page(self) -> None:
        for table in self.query(BoardTable):
            table.next_page()

    def action_cycle_class(self) -> None:
        choices: list[str | None] = [None, *self.feed.classes()]
        index = choices.index(self.entry_class) if self.entry_class in choices else 0
        self.entry_class = choices[(index + 1) % len(choices)]
        self.refresh_board()
