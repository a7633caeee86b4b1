"""Provides `LapChart`: lap times per car of the running heat, drawn with textual-plotext."""

from __future__ import annotations

from typing import Any

from textual_plotext import PlotextPlot

from slotrace.tui.roster import Roster


class LapChart(PlotextPlot):
    """One line per car: lap number against lap time in seconds (counted laps only)."""

    def __init__(self, roster: Roster, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.roster = roster

    def show(self, state: Any) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Lap times")
        plt.xlabel("lap")
        plt.ylabel("seconds")
        for car, car_state in sorted(state.cars.items()):
            laps = [lap for lap in car_state.lap_list if lap.counted]
            if not laps:
                continue
            plt.plot(
                [lap.number for lap in laps],
                [lap.lap_ms / 1000 for lap in laps],
                label=f"#{self.roster[car].number}",
            )
        self.refresh()
