"""Results screen stage sheet: the highlighted car's every trial (target, measured, deviation,
penalty, points, coefficient) and how its score is made up, from the store's results report."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scripted_driver import ScriptedDriver

from slotrace.cli import main
from slotrace.drivers_api import CarPassed, ModeFlags, StartLight, StatusReport
from slotrace.engine import SessionConfig, SessionKind, TimePenalty
from slotrace.rules.model import Heat, HeatSlot
from slotrace.store import EventFile
from slotrace.store.results import build_report
from slotrace.tui.launch import prepare_race_control

CAR = {"marque": "Alfa Romeo", "model": "8C 2300", "replica_year": 1932, "build_year": 1932,
       "displacement_cc": 2336, "supercharged": True, "category": "S", "body_colour": "red",
       "number_positions": ["left", "right", "nose"]}


def _event(tmp_path: Path) -> Path:
    path = tmp_path / "sheet.slotrace"
    assert main(["new", str(path)]) == 0
    items: list = [StatusReport((15,) * 8, light, ModeFlags.NONE)
                   for light in (StartLight.READY, StartLight.GO, StartLight.OFF)]
    items += sorted((CarPassed(car, 1, 1000 + car * 300 + 25_000 * i)
                     for car in (1, 2) for i in range(6)), key=lambda c: c.device_ms)
    items.append(TimePenalty(car=2, ms=5000, reason="corner cutting", author="chief steward"))
    plan = Heat(leg=0, number=1, slots=(HeatSlot(entry_no=1, address=1, recode=False),
                                        HeatSlot(entry_no=2, address=2, recode=False)))
    with EventFile.open(path) as ef:
        ef.set_entries([{"entry_no": n, "race_number": 100 + n, "entrant": name,
                         "nationality": "IT", "car": CAR}
                        for n, name in ((1, "Anna Neri"), (2, "Bruno Galli"))])
        recorder = ef.start_heat("Heat 1", SessionConfig(kind=SessionKind.RACE_LAPS, laps=10),
                                 stage=1, plan=plan)
        recorder.append_many(items)
        ef.finish_heat(recorder.heat)
    return path


async def test_stage_sheet_follows_the_highlighted_car(tmp_path: Path) -> None:
    from slotrace.tui.screens.results import ResultsScreen, sheet_rows

    path = _event(tmp_path)
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver())  # opens the next heat
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("f5")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ResultsScreen) and screen.report_worker is not None
            await asyncio.wait_for(screen.report_worker.wait(), timeout=30)
            await pilot.pause()
            expected = build_report(event_file)  # what the screen's worker read
            assert screen.report is not None and screen.report["overall"] == expected["overall"]
            first, second = expected["overall"]
            await pilot.press("7")
            assert screen.query_one("TabbedContent").active == "sheet"
            sheet = screen.query_one("#sheet-table")
            driven = [t for t in first["trials"] if t["leg"] == 0]
            assert len(driven) == 5  # leg 1 of the 2020 template, driven in heat 1
            assert sheet.row_count == len(first["trials"]) > 0
            assert [tuple(map(str, sheet.get_row_at(i))) for i in range(sheet.row_count)] == (
                sheet_rows(first))
            assert str(sheet.get_row_at(0)[1]) == "PC 1 Desenzano del Garda"
            title = str(screen.query_one("#sheet-title").render())
            assert title.startswith(f"Stage sheet: {first['label']}")
            await pilot.press("2")
            overall = screen.query_one("#overall-table")
            overall.focus()
            await pilot.press("down")
            await pilot.pause()
            assert screen.sheet_entry == second["entry_no"]
            await pilot.press("7")
            assert str(screen.query_one("#sheet-title").render()).startswith(
                f"Stage sheet: {second['label']}")
            # both cars miss every trial alike; #102's 5 s penalty (500 hundredths) puts it second
            assert second["entry_no"] == 2
            total = str(screen.query_one("#sheet-total").render())
            assert "other 500" in total
            assert "Stewards: time penalty 500 (heat 1 #1: corner cutting)" in total


def test_the_screen_and_the_printed_page_show_a_cars_score_and_coefficient_alike(
    tmp_path: Path,
) -> None:
    """One formatter each (`coefficient_text`, `score_text`): a coefficient always with two
    decimals (1.50, not 1.5), a score with two, and a car that has not started a dash, not
    "score 0.0"."""
    from slotrace.store.export_html import _stage_sheet
    from slotrace.tui.screens.results import sheet_total

    with EventFile.open(_event(tmp_path), read_only=True) as event_file:
        driven = build_report(event_file)["overall"][0]
    assert (driven["status"], driven["score"], driven["coefficient"]) == (
        "classified", 2484.0, 1.32)
    waiting = {**driven, "position": None, "status": "not started", "score": 0.0,
               "coefficient": 1.5, "trials": []}
    for row, shown in ((driven, "coefficient 1.32 = score 2484.00"),
                       (waiting, "coefficient 1.50 = score –")):
        assert shown in sheet_total(row)
        assert shown.replace(" = score ", ": <b>score ") + "</b>" in _stage_sheet(row, {})
