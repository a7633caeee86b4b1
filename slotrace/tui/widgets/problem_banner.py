"""Provides `ProblemBanner`: a red line over the leaderboard while something stops the heat."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class ProblemBanner(Widget):
    """``EVENT FILE NOT WRITTEN  <the store's message> ...``; hidden while ``message`` is empty.

    Race control sets ``message`` from what it knows (a journal write failure, a control unit
    that does not answer); the banner goes away by itself when the cause is gone.
    """

    DEFAULT_CSS = """
    ProblemBanner { height: auto; display: none; padding: 0 1; background: $error-darken-2; }
    ProblemBanner.-shown { display: block; }
    """

    title: reactive[str] = reactive("")
    message: reactive[str] = reactive("")

    def watch_message(self, message: str) -> None:
        self.set_class(bool(message), "-shown")

    def render(self) -> Text:
        text = Text()
        if self.title:
            text.append(f" {self.title} ", style="bold white on red")
            text.append(" ")
        text.append(self.message, style="bold white")
        return text
