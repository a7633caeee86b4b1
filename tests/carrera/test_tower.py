"""The position tower on the simulator's tower model, host and CU paired in memory (no event
loop, no real time): whatever the simulated CU writes to the tower by its own count, the
tower ends up showing slotrace's standings once its commands went out."""

from __future__ import annotations

from slotrace.drivers_api import ClearPositions, DriverCommand, LightPhase, LinkUp, SetPosition
from slotrace.engine import Disqualify, SessionConfig, SessionKind, SessionPhase, standings
from slotrace.raceday import LiveHeat, MemoryJournal, press_start
from slotrace.raceday.tower import TowerView, after_crossing, tower_commands
from slotrace_carrera.driver import CarreraDriver
from slotrace_carrera.host import HostLink
from slotrace_carrera.protocol import BadFrame, DeviceConnection, Framing
from slotrace_carrera.sim_config import CarSpec, ModelConfig
from slotrace_carrera.simulator import ControlUnitModel

MS_PER_REQUEST = 12
"""Model time per round trip (about the serial line's rate)."""
CARS = (CarSpec(1, 4000, 0), CarSpec(2, 4300, 0), CarSpec(3, 4700, 0))
CONFIG = SessionConfig(kind=SessionKind.RACE_LAPS, laps=200, cars=(1, 2, 3))


class PairedCarrera:
    """A Carrera host and the simulator's CU model joined in memory: the `DeviceDriver` a
    `LiveHeat` drives, and the loop that moves model time one round trip at a time."""

    capabilities = CarreraDriver.capabilities

    def __init__(self, model: ControlUnitModel) -> None:
        self.model = model
        self.host = HostLink(Framing.SERIAL)
        self.device = DeviceConnection(Framing.SERIAL)
        self.live = LiveHeat(CONFIG, MemoryJournal(), clock=lambda: model.now_ms / 1000)
        self.sent: list[DriverCommand] = []
        self.host.connected(self.now)
        self.live.offer(LinkUp("simulated control unit in memory"))
        self.live.drive_device(self)

    @property
    def now(self) -> float:
        return self.model.now_ms / 1000

    def send(self, command: DriverCommand) -> None:
        self.sent.append(command)
        self.host.submit(command)

    def round_trip(self, cars_move: bool = True) -> None:
        if cars_move:
            self.model.advance_to(self.model.now_ms + MS_PER_REQUEST)
        request = self.host.next_request(self.now)
        assert request is not None
        for item in self.device.receive_data(self.host.wire(request)):
            model = self.model
            reply = model.handle_bad_frame() if isinstance(item, BadFrame) else model.handle(item)
            assert reply is not None
            for event in self.host.receive_data(self.device.frame_reply(reply), self.now):
                self.live.offer(event)

    def run_until(self, done, what: str, most: int = 100_000) -> None:
        for _ in range(most):
            if done():
                return
            self.round_trip()
        raise AssertionError(f"no {what} within {most} round trips")

    def settle(self) -> None:
        """Cars stopped (no crossing, so the CU writes nothing by itself): let every queued
        tower command reach the CU."""
        for _ in range(200):
            self.round_trip(cars_move=False)

    def laps_of(self, car: int) -> int:
        return next(s.laps for s in standings(self.live.state) if s.car == car)

    def start_race(self) -> None:
        live = self.live
        self.run_until(lambda: live.tower_seats == 8, "tower reported")
        press_start(live, self, "rc")
        self.run_until(lambda: live.state.start_light.phase is LightPhase.ARMED, "lights on")
        press_start(live, self, "rc")
        self.run_until(lambda: live.state.phase is SessionPhase.RUNNING, "race running")


def shown_by_slotrace(live: LiveHeat) -> tuple[int, ...]:
    return tuple(s.car for s in standings(live.state) if s.laps > 0 and s.status.name != "DSQ")


def finish_crossings(model: ControlUnitModel, car: int) -> int:
    return sum(1 for c in model.truth.crossings if c.car == car and c.sensor == 1)


def test_a_disqualified_car_the_cu_writes_below_slotraces_rows_is_cleared_away() -> None:
    pair = PairedCarrera(ControlUnitModel(ModelConfig(cars=CARS, sensor_groups=1)))
    model = pair.model
    pair.start_race()
    pair.run_until(lambda: pair.laps_of(3) >= 2, "two laps of car 3")
    pair.live.command(Disqualify(car=3, reason="unsafe rejoin", author="steward"))
    pair.settle()
    assert model.tower.order() == (1, 2)  # slotrace took the disqualified car off
    seen_on_tower = []

    def six_more_laps() -> bool:
        if 3 in model.tower.order():  # the CU wrote the disqualified car by its own count
            seen_on_tower.append(model.now_ms)
        return finish_crossings(model, 3) >= crossed + 6

    crossed = finish_crossings(model, 3)
    pair.run_until(six_more_laps, "six more laps of car 3")
    pair.settle()
    assert seen_on_tower, "the CU never wrote car 3: the test would prove nothing"
    assert shown_by_slotrace(pair.live) == (1, 2)
    assert model.tower.order() == (1, 2)
    assert pair.live.tower_problem == ""


def test_a_clean_race_clears_the_tower_only_at_the_start() -> None:
    pair = PairedCarrera(ControlUnitModel(ModelConfig(cars=CARS, sensor_groups=1)))
    pair.start_race()
    clears_at_start = pair.sent.count(ClearPositions())
    pair.run_until(lambda: pair.laps_of(3) >= 5, "five laps of car 3")
    pair.settle()
    assert pair.sent.count(ClearPositions()) == clears_at_start  # first crossings clear nothing
    assert pair.model.tower.order() == shown_by_slotrace(pair.live) == (1, 2, 3)


SHOWN = TowerView(rows={1: 1, 2: 2}, lap=3)


def test_a_cars_first_crossing_since_the_clear_is_no_stray() -> None:
    after = after_crossing(SHOWN, 5, counts_agree=False)
    assert after is not None and after.strays == frozenset()
    assert ClearPositions() not in tower_commands(after, SHOWN)


def test_a_car_slotrace_does_not_show_crossing_again_clears_the_tower() -> None:
    once = after_crossing(SHOWN, 5, counts_agree=False)
    twice = after_crossing(once, 5, counts_agree=False)
    assert twice is not None and twice.strays == {5}
    assert tower_commands(twice, SHOWN)[0] == ClearPositions()


def test_a_stray_slotrace_shows_is_moved_back_by_its_row_without_a_clear() -> None:
    shown = TowerView(rows={1: 1, 2: 2}, lap=3, crossings={2: 4})
    after = after_crossing(shown, 2, counts_agree=True)
    commands = tower_commands(after, TowerView(rows={1: 1, 2: 2}, lap=3))
    assert ClearPositions() not in commands and SetPosition(car=2, position=2) in commands
