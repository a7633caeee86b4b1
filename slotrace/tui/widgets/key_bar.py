"""Provides `KeyBar`: every key of the screen, wrapped over lines on a narrow terminal (every
screen of race control uses it, so no key is cut off at 80x24)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class KeyBar(Widget):
    """Like Textual's footer, but it wraps instead of cutting keys off (80x24 keeps them all).

    Shows the active bindings that are meant to be shown, ``key Description`` each, in the
    order the screen and app declare them.
    """

    DEFAULT_CSS = """
    KeyBar { height: auto; max-height: 3; background: $panel; padding: 0 1; }
    KeyBar.docked { dock: bottom; }
    """
    """``docked``: at the foot of the screen whatever the layout above (as Textual's footer)."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _: self.refresh(layout=True))

    def render(self) -> Text:
        text = Text()
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            if text:
                text.append("  ")
            text.append(self.app.get_key_display(binding), style="bold yellow")
            text.append(f" {binding.description}")
        return text
