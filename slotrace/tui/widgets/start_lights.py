"""Provides `StartLights`: the five start lights mirrored from the control unit (or race
control's own, all on until its lights-out, on a control unit without lights)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from slotrace.drivers_api import StartLight

_CAPTIONS = {
    StartLight.OFF: "",
    StartLight.READY: "READY: press s again to start",
    StartLight.GO: "GO",
    StartLight.FALSE_START: "FALSE START",
    StartLight.FALSE_START_HELD: "FALSE START",
}


class StartLights(Widget):
    """Five lamps as the control unit shows them, with a caption (READY, GO, FALSE START)."""

    DEFAULT_CSS = """
    StartLights { height: 1; width: auto; }
    """

    light: reactive[StartLight] = reactive(StartLight.OFF, layout=True)
    """The control unit's last reported start-light state."""
    suspended: reactive[bool] = reactive(False, layout=True)
    """The heat is suspended: the control unit shows READY, but p (not s) resumes."""
    held: reactive[bool] = reactive(False, layout=True)
    """The cars are held under these lights (the track power is cut)."""

    def render(self) -> Text:
        text = Text()
        lit = self.light.lit
        for lamp in range(5):
            style = "bold red" if lamp < lit else "grey35"
            if self.light.is_false_start:
                style = "bold yellow"
            text.append("● ", style=style)
        caption = _CAPTIONS.get(self.light, f"{self.light.lit} lit")
        if self.held and self.light is StartLight.READY:
            caption = "READY, cars held: press s again to start"
        if self.suspended:
            caption = "SUSPENDED: press p to resume"
        if caption:
            text.append(caption, style="bold green" if self.light is StartLight.GO else "bold")
        return text
