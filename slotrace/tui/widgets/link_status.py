"""Provides `LinkStatusBar`: link state, reconnects and bad frames of the control-unit link."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from slotrace.drivers_api import LinkStats
from slotrace.raceday import LinkStatus


class LinkStatusBar(Widget):
    """One line: ``LINK UP carrera on ... · reconnects 0 · bad frames 0 · polls 123``."""

    DEFAULT_CSS = """
    LinkStatusBar { height: 1; }
    """

    status: reactive[LinkStatus] = reactive(LinkStatus)
    stats: reactive[LinkStats] = reactive(LinkStats)

    def render(self) -> Text:
        text = Text()
        if self.status.up:
            text.append(" LINK UP ", style="bold black on green")
            text.append(f" {self.status.description}")
        else:
            text.append(" LINK DOWN ", style="bold white on red")
            text.append(f" {self.status.last_problem or self.status.description}")
        reconnects = max(self.status.reconnects, self.stats.reconnects)
        text.append(f" · reconnects {reconnects}")
        bad = self.stats.bad_frames
        text.append(f" · bad frames {bad}", style="bold yellow" if bad else "")
        text.append(f" · timeouts {self.stats.timeouts}")
        if self.stats.quarantined:  # implausible device times, never counted as laps
            text.append(f" · quarantined {self.stats.quarantined}", style="bold yellow")
        return text
