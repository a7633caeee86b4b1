"""The spectator board's overall table is the rules' classification and pages through it."""

from __future__ import annotations

from pathlib import Path

from scripted_driver import ScriptedDriver

from slotrace.store import EventFile
from slotrace.store.results import build_report
from slotrace.tui.board_app import BoardApp
from slotrace.tui.board_feed import BoardFeed
from slotrace.tui.demo_event import create_demo_event, sample_entries
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.widgets.board_table import BoardTable


def ninety_starters() -> list:
    """The sample's entries plus copies of passing ones: 90 cars that all pass scrutineering."""
    entries = sample_entries()
    passing = [e for e in entries if e.entry_no not in {11, 21, 31, 41, 51, 61, 71, 76, 80, 81}]
    extra = [
        e.model_copy(update={"entry_no": 100 + i, "race_number": None})
        for i, e in enumerate(passing[: 90 - len(passing)])
    ]
    return passing + extra


async def test_board_pages_through_the_rules_classification_of_every_starter(
    tmp_path: Path,
) -> None:
    path = tmp_path / "demo.slotrace"
    create_demo_event(path, ninety_starters()).close()
    with EventFile.open(path) as writer:
        app = prepare_race_control(writer, ScriptedDriver())  # planned heat 1
        writer.finish_heat(app.heat_id)
    with EventFile.open(path, read_only=True) as reader:
        expected = build_report(reader)["overall"]
        board = BoardApp(BoardFeed(reader), poll_seconds=0, page_seconds=8)
        async with board.run_test(size=(110, 30)) as pilot:
            assert board.page_timer is not None
            board.page_timer.pause()  # the test turns the pages, not the clock
            overall = board.query_one("#board-overall", BoardTable)
            assert overall.caption.startswith("Overall classification")
            assert [r.position for r in overall.rows] == [r["position"] for r in expected]
            assert len(overall.rows) == len(expected) == 90
            pages = overall.page_count
            assert pages >= 3
            seen = []
            for page in range(pages):
                assert overall.page == page
                seen.extend(overall.visible_rows())
                board.action_next_page()  # what the page timer does every 8 s
                await pilot.pause()
            assert overall.page == 0  # wrapped round to the first page
            assert seen == list(overall.rows)
            assert f"(page 1/{pages})" in str(overall.render().title)
