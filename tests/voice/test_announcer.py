"""What the announcer says for a heat driven through the real engine, without any audio."""

from __future__ import annotations

from itertools import islice

from engine.synthetic import SyntheticRace, synthetic_events

from slotrace.engine.config import SessionConfig, SessionKind
from slotrace.engine.control import YellowFlag
from slotrace.engine.race_events import BestLap, FalseStart, LapCompleted
from slotrace.engine.reducer import apply, initial_state
from slotrace.voice import AnnouncementKind, Announcer

ROSTER = {1: 722, 2: 6, 3: 535}


def announcements_of_a_heat(laps: int = 5) -> list:
    state = initial_state(SessionConfig(kind=SessionKind.RACE_LAPS, laps=laps))
    announcer = Announcer(laps=laps)
    said = []
    race = SyntheticRace(cars=3, duration_ms=60_000, sensor_groups=1, jitter_ms=200)
    for event in islice(synthetic_events(race), 5000):
        state, race_events = apply(state, event)
        said.extend(announcer.on_race_events(race_events, ROSTER))
    return said


def test_a_heat_calls_start_last_lap_once_and_the_winner():
    said = announcements_of_a_heat()
    kinds = [a.kind for a in said]
    assert kinds[0] is AnnouncementKind.START and said[0].spoken == "Go! The heat has started."
    assert kinds.count(AnnouncementKind.START) == 1 and kinds.count(AnnouncementKind.LAST_LAP) == 1
    last_lap = next(a for a in said if a.kind is AnnouncementKind.LAST_LAP)
    assert (last_lap.text, last_lap.spoken) == ("Last lap, #722 leads",
                                                "Last lap. number 722 leads.")
    assert any(a.text == "#722 takes the flag first" for a in said)
    assert said[-1].text == "Heat finished"


def test_best_laps_wait_until_cars_have_settled():
    announcer = Announcer(laps=10, settled_laps=2)
    first = [LapCompleted(2, 1, 4210), BestLap(2, 4210, True)]
    assert announcer.on_race_events(first, ROSTER) == ()
    said = announcer.on_race_events([LapCompleted(2, 2, 4087), BestLap(2, 4087, True)], ROSTER)
    assert [(a.text, a.spoken) for a in said] == [
        ("Best lap #006, 4.09 s", "New best lap, number 6, 4 point 09 seconds.")]
    assert announcer.on_race_events([LapCompleted(3, 3, 4000), BestLap(3, 4000, False)]) == ()


def test_trial_results_are_signed_hundredths():
    announcer = Announcer()
    assert announcer.on_trial_result(722, "PC 3", 12).text == "#722, PC 3, plus 12 hundredths"
    assert announcer.on_trial_result(722, "PC 3", -1).spoken == (
        "number 722, PC 3, minus 1 hundredth.")
    assert announcer.on_trial_result(None, "PC 1", 0, car=4).text == "car 4, PC 1, exact"
    assert announcer.on_trial_result(6, "CO Siena", None).text == "#006, CO Siena, missed"


def test_yellow_flag_and_false_start():
    announcer = Announcer()
    assert [a.text for a in announcer.on_command(YellowFlag(on=True))] == ["Yellow flag"]
    assert [a.text for a in announcer.on_command(YellowFlag(on=False))] == ["Track clear"]
    assert announcer.on_command(object()) == ()
    said = announcer.on_race_events([FalseStart(3), FalseStart(None)], ROSTER)
    assert [a.text for a in said] == ["False start, #535", "False start"]
    assert all(a.kind is AnnouncementKind.FALSE_START for a in said)
