"""The event core: the day's plan, each heat's settings, and the journal-first live heat.

Headless (no Textual, argparse or printing): race control (TUI), ``slotrace run`` and the
demo are thin faces over it.
"""

from slotrace.raceday.live import Clock, Journal, LinkStatus, LiveHeat, MemoryJournal
from slotrace.raceday.opening import (
    OpenedHeat,
    StartRefusedError,
    cars_beyond,
    continue_clock,
    open_heat,
    press_start,
    start_refusal,
)
from slotrace.raceday.plan import (
    DayPlan,
    NextHeat,
    RecodeLine,
    choose_next_heat,
    day_plan,
    heat_settings,
    planned_heats_done,
    saved_plan_specs,
)
from slotrace.raceday.simulation import (
    CREW_OPTIONS,
    EventSimulation,
    event_simulation,
    heat_crews,
    opening_simulator_options,
    simulated_cars,
)

__all__ = [
    "CREW_OPTIONS",
    "Clock",
    "DayPlan",
    "EventSimulation",
    "Journal",
    "LinkStatus",
    "LiveHeat",
    "MemoryJournal",
    "NextHeat",
    "OpenedHeat",
    "RecodeLine",
    "StartRefusedError",
    "cars_beyond",
    "choose_next_heat",
    "continue_clock",
    "day_plan",
    "event_simulation",
    "heat_crews",
    "heat_settings",
    "open_heat",
    "opening_simulator_options",
    "planned_heats_done",
    "press_start",
    "saved_plan_specs",
    "simulated_cars",
    "start_refusal",
]
