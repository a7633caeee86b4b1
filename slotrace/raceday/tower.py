"""Provides the position tower rules: what it should show, and the fewest commands to get there.

A position tower (Carrera's lap counter with positions, or any display a driver declares with
`Capability.POSITION_TOWER`) shows slotrace's standings, never the control unit's own count:
row 1, 2, ... shows the car at that position (cars with at least one scored lap, not
disqualified, as many as the tower has rows), the lap counter shows the most laps scored
(the leader's in a race), and finished cars blink.

Everything here is pure: `wanted_tower` turns standings into a `TowerView`, `tower_commands`
compares it with what the tower shows now and returns only the commands for what differs,
and `after_crossing` / `UNKNOWN` say what slotrace no longer knows about the tower (the
control unit counting a lap on its own, a reconnect, a START that clears it); `counts_agree`
says whether the control unit's own count can differ from slotrace's. The live heat
(`slotrace.raceday.live`) keeps the `TowerView` and sends the commands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from slotrace.drivers_api import (
    ClearPositions,
    DriverCommand,
    SetLapCounter,
    SetPosition,
    SetRaceFinished,
)
from slotrace.engine import CarStatus, RaceState, Standing, standings

_EMPTY: Mapping[int, int] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class TowerView:
    """What a position tower shows (or should show).

    Attributes:
        rows: position (1, 2, ...) -> the car shown in that row. A row missing from a view
            of what the tower shows means slotrace does not know what it shows there.
        lap: the lap counter; None when slotrace does not know what it shows.
        finished: cars flagged finished (their number blinks).
        strays: cars the control unit may have written into a row by itself (by its own
            count) since slotrace last set the tower, in rows slotrace does not know.
        crossings: finish-line crossings per car since slotrace last cleared the tower
            (the control unit's own count starts again there).

    Two views are equal when they show the same (rows, lap, finished); ``strays`` and
    ``crossings`` are what slotrace knows about how it got there.
    """

    rows: Mapping[int, int] = field(default_factory=lambda: _EMPTY)
    lap: int | None = 0
    finished: frozenset[int] = frozenset()
    strays: frozenset[int] = frozenset()
    crossings: Mapping[int, int] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", MappingProxyType(dict(self.rows)))
        object.__setattr__(self, "crossings", MappingProxyType(dict(self.crossings)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TowerView):
            return NotImplemented
        return (dict(self.rows), self.lap, self.finished) == (
            dict(other.rows), other.lap, other.finished)

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.rows.items())), self.lap, self.finished))

    def order(self) -> tuple[int, ...]:
        """The cars shown, row 1 first."""
        return tuple(self.rows[row] for row in sorted(self.rows))


CLEARED = TowerView()
"""A tower just cleared: no rows, lap counter 0, nothing blinking."""

UNKNOWN: TowerView | None = None
"""What the tower shows is not known (a new heat, a reconnect): the next update clears it."""


def wanted_tower(rows: Iterable[Standing], seats: int) -> TowerView:
    """What a tower with ``seats`` rows should show for these standings (in position order)."""
    shown = [row for row in rows if row.laps > 0 and row.status is not CarStatus.DSQ]
    return TowerView(
        rows={position: row.car for position, row in enumerate(shown[:seats], start=1)},
        lap=max((row.laps for row in shown), default=0),
        finished=frozenset(row.car for row in shown[:seats]
                           if row.status is CarStatus.FINISHED),
    )


def tower_commands(shown: TowerView | None, wanted: TowerView) -> tuple[DriverCommand, ...]:
    """The commands that turn the tower from ``shown`` into ``wanted``, fewest first.

    Rows are set only where the car differs (or is not known), the lap counter only when it
    differs, finished flags only for newly finished cars. The tower is cleared first (and
    then everything wanted is sent) when its content is unknown (``shown`` is None), when a row
    it shows must become empty (a car lost its last lap to a correction or was disqualified),
    when a finished flag must go (only a clear removes one), or when the control unit may have
    written a car slotrace does not show into some row (a stray, `after_crossing`): only a
    clear takes it off a row slotrace leaves empty. A stray slotrace shows needs no clear:
    setting its row moves it there (the position word is per car, so a car is in one row).
    """
    if shown is not None and (
        any(row not in wanted.rows for row in shown.rows)
        or not shown.finished <= wanted.finished
        or not shown.strays <= set(wanted.rows.values())
    ):
        shown = None
    commands: list[DriverCommand] = []
    if shown is None:
        commands.append(ClearPositions())
        shown = CLEARED
    for position in sorted(wanted.rows):
        car = wanted.rows[position]
        if shown.rows.get(position) != car or car in shown.strays:
            commands.append(SetPosition(car=car, position=position))
    if shown.lap != wanted.lap:
        commands.append(SetLapCounter(wanted.lap or 0))
    for car in sorted(wanted.finished - shown.finished):
        commands.append(SetRaceFinished(car))
    return tuple(commands)


def after_crossing(shown: TowerView | None, car: int, counts_agree: bool) -> TowerView | None:
    """What slotrace still knows about the tower after ``car`` crossed the finish line.

    A control unit that drives its tower from its own count (the Carrera CU is assumed to)
    rewrites at each crossing that car's row, by its own ranking, and the lap counter. While
    its count agrees with slotrace's (`counts_agree`) it writes what slotrace shows anyway, so
    only that car's row and the counter are resent. Once they differ (a lap not counted under
    a yellow flag, a correction, a lap the rules refused) the car may have been written into
    any row, so every row and the counter are resent.

    From its second crossing since slotrace cleared the tower (the first one starts the
    control unit's lap 1, so it has nothing to show before) the car is a stray: the control
    unit may have written it into a row slotrace leaves empty (a disqualified car, a car whose
    laps the rules refused, a car ranked below the tower's rows), and `tower_commands` clears
    the tower if slotrace does not show it.
    """
    if shown is None:
        return None
    crossings = {**shown.crossings, car: shown.crossings.get(car, 0) + 1}
    strays = shown.strays | {car} if crossings[car] >= 2 else shown.strays
    if not counts_agree:
        return replace(shown, rows={}, lap=None, strays=strays, crossings=crossings)
    rows = {position: shown_car for position, shown_car in shown.rows.items()
            if shown_car != car}
    return replace(shown, rows=rows, lap=None, strays=strays, crossings=crossings)


def counts_agree(crossings: Mapping[int, int], rows: Iterable[Standing]) -> bool:
    """Whether a control unit counting laps itself agrees with slotrace's standings.

    ``crossings``: finish-line crossings per car since the tower was cleared (the first one
    starts lap 1, so a car has one lap fewer than crossings).
    """
    return all(max(crossings.get(row.car, 0) - 1, 0) == row.laps for row in rows)


def update_tower(
    shown: TowerView | None, state: RaceState, seats: int
) -> tuple[TowerView, tuple[DriverCommand, ...]]:
    """The tower as it will show slotrace's standings of ``state``, and the commands for it."""
    wanted = wanted_tower(standings(state), seats)
    commands = tower_commands(shown, wanted)
    cleared = shown is None or (bool(commands) and isinstance(commands[0], ClearPositions))
    if not cleared and shown is not None:
        wanted = replace(wanted, crossings=shown.crossings)
    return wanted, commands
