"""Heat choice from the rules' heat plan: the demo's plan, the next heat, the re-coding sheet."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scripted_driver import ScriptedDriver

from slotrace.raceday import day_plan
from slotrace.store import EventFile
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.screens.event_overview import EventScreen


@pytest.fixture
def demo_path(tmp_path: Path) -> Path:
    path = tmp_path / "demo.slotrace"
    create_demo_event(path).close()
    return path


def test_the_demo_plan_holds_only_cars_that_passed_scrutineering(demo_path: Path) -> None:
    with EventFile.open(demo_path, read_only=True) as event_file:
        plan = day_plan(event_file)
        rejected = {v["entry_no"] for v in event_file.verdicts() if v["severity"] == "reject"}
    assert plan is not None
    assert len(rejected) == 10  # the sample rejects ten cars on purpose
    planned = {slot.entry_no for heat in plan.heats for slot in heat.slots}
    assert planned.isdisjoint(rejected)
    assert len(planned) == len(plan.entries) - len(rejected)
    assert set(plan.excluded) == rejected


def test_race_control_starts_the_next_planned_heat_with_its_leg_and_addresses(
    demo_path: Path,
) -> None:
    with EventFile.open(demo_path) as event_file:
        plan = day_plan(event_file)
        assert plan is not None
        first = plan.heats[0]
        app = prepare_race_control(event_file, ScriptedDriver())
        heat = event_file.heat(app.heat_id)
        assert heat.plan is not None and heat.plan["number"] == first.number
        assert heat.cars == {s.address: s.entry_no for s in first.slots}
        assert heat.stage == first.leg + 1
        assert app.session.config.laps == plan.event.legs[first.leg].laps
        assert app.session.config.cars == tuple(sorted(heat.cars))
        # The leaderboard names cars by their start-list race number.
        some = first.slots[0]
        assert app.roster[some.address].number == f"{plan.numbers[some.entry_no]:03d}"
        event_file.finish_heat(app.heat_id)
    with EventFile.open(demo_path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver(), laps=3)
        heat = event_file.heat(app.heat_id)
        assert heat.plan["number"] == plan.heats[1].number
        assert app.session.config.laps == 3  # --laps overrides the leg's distance


async def test_event_screen_shows_the_next_heats_recoding_sheet_and_progress(
    demo_path: Path,
) -> None:
    with EventFile.open(demo_path) as event_file:
        plan = day_plan(event_file)
        assert plan is not None
        app = prepare_race_control(event_file, ScriptedDriver())
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("f3")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, EventScreen)
            summary = str(screen.query_one("#event-summary").render())
            assert f"0 of {len(plan.heats)} heats finished" in summary
            # Heat 1 is on track, so the sheet is for heat 2: all six cars get their first ID.
            title = str(screen.query_one("#recoding-title").render())
            assert "heat 2" in title and "6 to re-code" in title
            sheet = screen.query_one("#recoding")
            second = plan.heats[1]
            assert sheet.row_count == len(second.slots)
            first_row = [str(cell) for cell in sheet.get_row_at(0)]
            slot = min(second.slots, key=lambda s: s.address)
            assert first_row[:3] == [
                str(slot.address), "CODE (first)", f"{plan.numbers[slot.entry_no]:03d}"
            ]


async def test_results_screen_shows_the_rules_classifications_and_charity_total(
    demo_path: Path,
) -> None:
    from slotrace.store.results import build_report
    from slotrace.tui.screens.results import ResultsScreen

    with EventFile.open(demo_path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver())
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("f5")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ResultsScreen) and screen.report_worker is not None
            await asyncio.wait_for(screen.report_worker.wait(), timeout=30)
            await pilot.pause()
            expected = build_report(event_file)
            overall = screen.query_one("#overall-table")
            assert overall.row_count == len(expected["overall"]) > 0
            assert str(overall.get_row_at(0)[2]) == expected["overall"][0]["label"]
            stage = build_report(event_file, stage=1)
            assert screen.query_one("#stage-table").row_count == len(stage["overall"])
            assert screen.query_one("#ladies-table").row_count == len(
                expected["side"]["Coppa delle Dame"])
            assert screen.query_one("#nations-table").row_count == len(
                expected["side"]["Coppa delle Nazioni"])
            charity = str(screen.query_one("#charity").render())
            assert f"Charity total {expected['charity']['total']:,.2f}" in charity
            await pilot.press("2")
            assert screen.query_one("TabbedContent").active == "overall"


def _sample_rows() -> list[str]:
    from importlib import resources

    text = (resources.files("slotrace.rules") / "data" / "sample-entries.csv").read_text("utf-8")
    return [line for line in text.splitlines() if not line.startswith("#")]


async def test_entries_import_lists_every_problem_and_imports_nothing_then_imports(
    tmp_path: Path,
) -> None:
    from test_resume_and_board import make_event_file

    from slotrace.tui.screens.entries import EntriesScreen
    from slotrace.tui.screens.import_dialog import ImportEntriesDialog

    header, *rows = _sample_rows()
    columns = header.split(",")
    broken = rows[1].split(",")
    broken[columns.index("displacement_cc")] = "big"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, rows[0], ",".join(broken), rows[0]]) + "\n")
    good = tmp_path / "good.csv"
    good.write_text("\n".join([header, *rows[:5]]) + "\n")
    path = tmp_path / "event.slotrace"
    make_event_file(path)
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver())
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("f4")
            await pilot.press("ctrl+o")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ImportEntriesDialog)
            dialog.query_one("#csv-path").value = str(bad)
            await pilot.click("#import")
            assert dialog.import_worker is not None
            await asyncio.wait_for(dialog.import_worker.wait(), timeout=30)
            await pilot.pause()
            # Row 3 (file line) has a bad number and row 4 repeats row 2: both listed.
            assert len(dialog.problems) >= 2
            assert any("row 3" in p and "displacement_cc" in p for p in dialog.problems)
            assert any("row 4" in p for p in dialog.problems)
            assert len(dialog.query_one("#import-problems").children) == len(dialog.problems)
            assert len(event_file.entries()) == 2  # nothing imported
            before = [e["entrant"] for e in event_file.entries()]
            path_input = dialog.query_one("#csv-path")
            path_input.value = str(good)
            path_input.focus()
            await pilot.press("enter")
            await asyncio.wait_for(dialog.import_worker.wait(), timeout=30)
            for _ in range(100):  # the dialog closes once the main thread saved the entries
                if isinstance(app.screen, EntriesScreen):
                    break
                await pilot.pause()
            assert isinstance(app.screen, EntriesScreen)
            # race control opened a heat, so racing has begun: the two rows already entered
            # are kept as recorded and the three new ones are added as late entries
            assert len(event_file.entries()) == 5
            assert [e["entrant"] for e in event_file.entries()[:2]] == before
            assert app.screen.query_one("#entries").row_count == 5
