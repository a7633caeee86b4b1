"""The position tower shows slotrace's standings, and only what changed is sent to it."""

from __future__ import annotations

from typing import Any

import pytest

from slotrace.drivers_api import (
    Capabilities,
    Capability,
    CarPassed,
    ClearPositions,
    LinkUp,
    ModeFlags,
    SetLapCounter,
    SetPosition,
    SetRaceFinished,
    StartLight,
    StatusReport,
)
from slotrace.engine import (
    AddLap,
    CarStatus,
    RemoveLap,
    SessionConfig,
    SessionKind,
    Standing,
    StartSequence,
    YellowFlag,
    standings,
)
from slotrace.raceday import LiveHeat, MemoryJournal
from slotrace.raceday.tower import (
    CLEARED,
    TowerView,
    after_crossing,
    counts_agree,
    tower_commands,
    wanted_tower,
)


def row(car: int, laps: int, status: CarStatus = CarStatus.RUNNING) -> Standing:
    return Standing(position=0, car=car, laps=laps, total_ms=None, best_lap_ms=None,
                    last_lap_ms=None, gap=None, interval=None, last_sectors=(),
                    best_sectors=(), pit_stops=0, fuel=None, status=status, penalty_ms=0,
                    warnings=0, stop_and_go_owed=0, decisions=())


def view(*order: int, lap: int | None = 0, finished: tuple[int, ...] = ()) -> TowerView:
    return TowerView(rows=dict(enumerate(order, start=1)), lap=lap, finished=frozenset(finished))


WANTED = [
    # (standings in position order, tower rows, expected view)
    ("grid: nobody has a lap", [row(1, 0), row(2, 0)], 6, view()),
    ("leader's laps on the counter", [row(3, 5), row(1, 4), row(2, 4)], 6, view(3, 1, 2, lap=5)),
    ("cars without a lap are not shown", [row(2, 1), row(1, 0)], 6, view(2, lap=1)),
    ("disqualified cars are not shown", [row(2, 3), row(1, 9, CarStatus.DSQ)], 6, view(2, lap=3)),
    ("a 6-row tower shows the first six",
     [row(car, 10 - car) for car in range(1, 9)], 6, view(1, 2, 3, 4, 5, 6, lap=9)),
    ("finished cars blink", [row(4, 30, CarStatus.FINISHED), row(2, 29)], 8,
     view(4, 2, lap=30, finished=(4,))),
    ("beyond 250 laps the count is slotrace's (the driver wraps)", [row(1, 301)], 8,
     view(1, lap=301)),
]


@pytest.mark.parametrize(("rows", "seats", "expected"), [case[1:] for case in WANTED],
                         ids=[case[0] for case in WANTED])
def test_wanted_tower(rows: list[Standing], seats: int, expected: TowerView) -> None:
    assert wanted_tower(rows, seats) == expected


COMMANDS: list[tuple[str, TowerView | None, TowerView, tuple[Any, ...]]] = [
    ("heat start: unknown tower is cleared", None, view(), (ClearPositions(),)),
    ("unknown tower: clear, then everything", None, view(2, 1, lap=3),
     (ClearPositions(), SetPosition(2, 1), SetPosition(1, 2), SetLapCounter(3))),
    ("nothing changed: nothing sent", view(2, 1, lap=3), view(2, 1, lap=3), ()),
    ("same order, leader's lap: only the counter", view(2, 1, lap=3), view(2, 1, lap=4),
     (SetLapCounter(4),)),
    ("an overtake: both rows, no counter", view(2, 1, lap=4), view(1, 2, lap=4),
     (SetPosition(1, 1), SetPosition(2, 2))),
    ("a car's first lap: one new row", view(2, lap=1), view(2, 3, lap=1), (SetPosition(3, 2),)),
    ("overtake down the field: rows 2 and 3 only", view(1, 2, 3, 4, lap=7),
     view(1, 3, 2, 4, lap=7), (SetPosition(3, 2), SetPosition(2, 3))),
    ("a correction takes a car's only lap: a row must go, so clear and resend",
     view(2, 1, lap=1), view(2, lap=1), (ClearPositions(), SetPosition(2, 1), SetLapCounter(1))),
    ("a finish: the car blinks", view(1, 2, lap=10), view(1, 2, lap=10, finished=(1,)),
     (SetRaceFinished(1),)),
    ("a revoked finish: only a clear stops the blinking", view(1, lap=10, finished=(1,)),
     view(1, lap=10), (ClearPositions(), SetPosition(1, 1), SetLapCounter(10))),
    ("the CU counted a lap as slotrace did: that row and the counter are resent",
     after_crossing(view(2, 1, 3, lap=4), 1, counts_agree=True), view(2, 1, 3, lap=4),
     (SetPosition(1, 2), SetLapCounter(4))),
    ("the CU's count differs from slotrace's: every row and the counter are resent",
     after_crossing(view(2, 1, 3, lap=4), 1, counts_agree=False), view(2, 1, 3, lap=4),
     (SetPosition(2, 1), SetPosition(1, 2), SetPosition(3, 3), SetLapCounter(4))),
    ("after a clear the counter is 0 already", CLEARED, view(1, lap=0), (SetPosition(1, 1),)),
]


@pytest.mark.parametrize(("shown", "wanted", "expected"), [case[1:] for case in COMMANDS],
                         ids=[case[0] for case in COMMANDS])
def test_tower_commands(shown: TowerView | None, wanted: TowerView,
                        expected: tuple[Any, ...]) -> None:
    assert tower_commands(shown, wanted) == expected


AGREE = [
    ("before the first lap", {1: 1, 2: 1}, [row(1, 0), row(2, 0)], True),
    ("the first crossing starts lap 1", {1: 3, 2: 2}, [row(1, 2), row(2, 1)], True),
    ("a lap not counted under yellow", {1: 4, 2: 3}, [row(1, 2), row(2, 2)], False),
    ("a lap added by a steward", {1: 2}, [row(1, 2)], False),
    ("a car that never crossed", {}, [row(1, 0)], True),
]


@pytest.mark.parametrize(("crossings", "rows", "agree"), [case[1:] for case in AGREE],
                         ids=[case[0] for case in AGREE])
def test_counts_agree(crossings: dict[int, int], rows: list[Standing], agree: bool) -> None:
    assert counts_agree(crossings, rows) is agree


def test_commands_always_bring_the_tower_to_what_is_wanted() -> None:
    for _, shown, wanted, _ in COMMANDS:
        tower = play(shown, tower_commands(shown, wanted))
        assert tower == wanted


def play(shown: TowerView | None, commands: tuple[Any, ...]) -> TowerView:
    """What a tower shows after ``commands`` (a row shows one car; a car is in one row)."""
    rows = dict(shown.rows) if shown is not None else {}
    lap = shown.lap if shown is not None else None
    finished = set(shown.finished) if shown is not None else set()
    for command in commands:
        if isinstance(command, ClearPositions):
            rows, lap, finished = {}, 0, set()
        elif isinstance(command, SetPosition):
            rows = {p: c for p, c in rows.items() if c != command.car}
            rows[command.position] = command.car
        elif isinstance(command, SetLapCounter):
            lap = command.lap
        elif isinstance(command, SetRaceFinished):
            finished.add(command.car)
    return TowerView(rows=rows, lap=lap, finished=frozenset(finished))


# --- the live heat drives a driver's tower ---

CONFIG = SessionConfig(kind=SessionKind.RACE_LAPS, laps=50, cars=(1, 2, 3), min_lap_ms=1000)
FUEL = (15,) * 8


def status(light: StartLight, mode: ModeFlags = ModeFlags.LAP_COUNTER,
           display: int = 6) -> StatusReport:
    return StatusReport(FUEL, light, mode, display=display)


class TowerDriver:
    def __init__(self, flags: Capability = Capability.POSITION_TOWER) -> None:
        self.capabilities = Capabilities(max_cars=8, sensor_groups=1, flags=flags)
        self.sent: list[Any] = []
        self.tower: TowerView | None = None

    def send(self, command: Any) -> None:
        self.sent.append(command)
        self.tower = play(self.tower, (command,))


def started_heat(driver: TowerDriver) -> LiveHeat:
    live = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: 0.0)
    live.drive_device(driver)
    live.offer(LinkUp("test"))
    live.offer(status(StartLight.OFF))
    live.command(StartSequence(reason="start", author="rc"))
    for light in (StartLight.READY, StartLight.GO, StartLight.OFF):
        live.offer(status(light))
    return live


def laps(live: LiveHeat, *crossings: tuple[int, int]) -> None:
    for car, at in crossings:
        live.offer(CarPassed(car, 1, at))


def shows_standings(live: LiveHeat, driver: TowerDriver) -> None:
    order = [s.car for s in standings(live.state) if s.laps > 0]
    assert driver.tower is not None
    assert driver.tower.order() == tuple(order[:6])
    assert driver.tower.lap == max((s.laps for s in standings(live.state)), default=0)


def test_a_heat_clears_the_tower_and_then_sends_only_changes() -> None:
    driver = TowerDriver()
    live = started_heat(driver)
    assert driver.sent == [ClearPositions(), ClearPositions()]  # heat start, START pressed
    driver.sent.clear()
    laps(live, (1, 1000), (2, 1100), (3, 1200))  # the start crossings: no lap yet
    # the CU may count a crossing on its tower by itself: the counter is resent each time
    assert driver.sent == [SetLapCounter(0)] * 3
    driver.sent.clear()
    laps(live, (2, 5000))
    assert driver.sent == [SetPosition(2, 1), SetLapCounter(1)]
    driver.sent.clear()
    laps(live, (1, 5200))  # the CU may have written car 1's row and its counter: resent
    assert driver.sent == [SetPosition(1, 2), SetLapCounter(1)]
    shows_standings(live, driver)


def test_after_a_yellow_flag_and_a_correction_the_tower_shows_slotraces_count() -> None:
    driver = TowerDriver()
    live = started_heat(driver)
    laps(live, (1, 1000), (2, 1100), (3, 1200), (1, 5000), (2, 5100), (3, 5200))
    live.command(YellowFlag(on=True, reason="car off", author="marshal"))
    laps(live, (1, 9000), (2, 9100))  # not counted under yellow (the CU counts them)
    live.command(YellowFlag(on=False, reason="clear", author="marshal"))
    laps(live, (1, 13000), (2, 13100), (3, 13200))
    live.command(AddLap(car=3, reason="missed by the sensor", author="steward"))
    shows_standings(live, driver)
    assert driver.tower is not None and driver.tower.order()[0] == 3
    live.command(RemoveLap(car=3, reason="revoked", author="steward"))
    live.command(RemoveLap(car=3, reason="left the track", author="steward"))
    shows_standings(live, driver)


def test_no_tower_reported_or_no_capability_means_no_command() -> None:
    without_tower = TowerDriver()
    live = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: 0.0)
    live.drive_device(without_tower)
    live.offer(status(StartLight.OFF, mode=ModeFlags.FUEL))
    laps(live, (1, 1000), (1, 5000))
    assert without_tower.sent == []
    incapable = TowerDriver(Capability.START_LIGHTS)
    live = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: 0.0)
    live.drive_device(incapable)
    live.offer(status(StartLight.OFF))
    assert incapable.sent == []


def test_a_tower_plugged_in_mid_heat_is_cleared_and_filled() -> None:
    driver = TowerDriver()
    live = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: 0.0)
    live.drive_device(driver)
    live.offer(status(StartLight.OFF, mode=ModeFlags.NONE))
    laps(live, (1, 1000), (1, 5000))
    live.offer(status(StartLight.OFF, display=8))
    assert driver.sent[0] == ClearPositions()
    assert live.tower_seats == 8


def test_the_next_heat_on_the_same_connection_drives_the_tower_at_once() -> None:
    driver = TowerDriver()
    first = started_heat(driver)
    laps(first, (1, 1000), (1, 5000))
    driver.sent.clear()
    second = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: 0.0)
    second.drive_device(driver, follows=first)
    assert driver.sent == [ClearPositions()]
    assert driver.tower == CLEARED
