"""Race control's m key: money for the charity recorded while race control holds the file.

Race control holds the event file's writer lock, so the dialog records through the store's
`add_money` (the function `slotrace charity add` uses) on race control's own connection.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from helpers import race_app
from scripted_driver import ScriptedDriver
from textual.widgets import Label, Select

from slotrace.store import EventFile
from slotrace.store.charity import day_money
from slotrace.store.lock import current_holder
from slotrace.store.results import build_report
from slotrace.tui.demo_event import create_demo_event
from slotrace.tui.launch import prepare_race_control
from slotrace.tui.screens.charity_dialog import CharityDesk, CharityDialog

AT_NOON = datetime(2026, 5, 16, 12, 0, tzinfo=UTC)


def _label(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def _type(pilot, field: str, text: str) -> None:
    pilot.app.screen.query_one(field).value = ""
    await pilot.click(field)
    await pilot.press(*text)


async def _counted(app) -> None:
    """Wait for the grand total's worker (it counts in a thread on its own connection)."""
    counting = [w for w in app.workers if w.group == "charity-total"]
    if counting:
        await app.workers.wait_for_complete(counting)


async def test_m_records_money_into_the_locked_file_and_shows_the_new_totals(tmp_path: Path):
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    with EventFile.open(path, read_only=True) as before:
        total_before = build_report(before)["charity"]["total"]
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver(), laps=1, author="Anna")
        assert isinstance(app.charity, CharityDesk) and app.charity.event_file is event_file
        app.charity = CharityDesk(event_file, clock=lambda: AT_NOON)
        assert current_holder(path).program == "slotrace"  # race control holds the lock
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("m")
            assert isinstance(app.screen, CharityDialog)
            await _counted(app)
            await pilot.pause()
            assert _label(app, "#charity-raised") == (
                "Raised on the day: 0.00 (auctions 0.00 · donations 0.00 · buckets 0.00)")
            assert _label(app, "#charity-raised-all") == (
                f"Raised in all (entry fees, pledges, the day): {total_before:,.2f}")

            # a donation typed with a decimal comma, as the CLI accepts it
            await _type(pilot, "#amount", "25,00")
            await _type(pilot, "#who", "Bar Sport")
            await _type(pilot, "#note", "raffle table")
            await pilot.click("#save")
            assert _label(app, "#charity-saved") == "Saved #1: donation 25.00 from Bar Sport"
            assert _label(app, "#error") == ""
            assert app.screen.query_one("#amount").value == ""  # ready for the next one

            # a bucket with a decimal point
            app.screen.query_one("#kind", Select).value = "bucket"
            await _type(pilot, "#amount", "83.40")
            await _type(pilot, "#who", "paddock bucket")
            await pilot.press("enter")
            assert _label(app, "#charity-saved") == "Saved #2: bucket 83.40 from paddock bucket"
            assert _label(app, "#charity-raised") == (
                "Raised on the day: 108.40 (auctions 0.00 · donations 25.00 · buckets 83.40)")
            await _counted(app)
            await pilot.pause()
            assert _label(app, "#charity-raised-all") == (
                f"Raised in all (entry fees, pledges, the day): {total_before + 108.40:,.2f}")

            await pilot.press("escape")
            assert not isinstance(app.screen, CharityDialog)
        assert [(m.id, m.kind.value, m.amount, m.who, m.note, m.author, m.recorded_at)
                for m in day_money(event_file)] == [
            (1, "donation", 25.0, "Bar Sport", "raffle table", "Anna",
             "2026-05-16T12:00:00+00:00"),
            (2, "bucket", 83.4, "paddock bucket", "", "Anna", "2026-05-16T12:00:00+00:00"),
        ]


async def test_bad_input_is_refused_with_a_clear_error_and_nothing_is_recorded(tmp_path: Path):
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver(), laps=1)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("m")
            await _type(pilot, "#amount", "25")
            await pilot.click("#save")
            assert _label(app, "#error") == (
                "From: who gave the donation (the bidder, the donor, or which bucket)")
            for typed, problem in (
                ("25.-", "amount '25.-' is not a number like 150 or 12.50"),
                ("0", "amount '0' must be more than 0"),
                ("12.505", "amount '12.505' has more than 2 decimals"),
            ):
                await _type(pilot, "#amount", typed)
                await _type(pilot, "#who", "a spectator")
                await pilot.click("#save")
                assert _label(app, "#error") == f"Not saved: {problem} (nothing recorded)"
                assert _label(app, "#charity-saved") == ""
            assert isinstance(app.screen, CharityDialog)  # still open to correct it
        assert day_money(event_file) == []


async def test_without_an_event_file_m_says_so():
    app, _, _ = race_app()
    said: list[str] = []
    app.notify = lambda message, **_: said.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("m")
        assert not isinstance(app.screen, CharityDialog)
    assert said[-1] == "no event file: charity money is recorded in one"


def test_snapshot_the_dialog_fits_an_80x24_terminal(snap_compare, tmp_path: Path) -> None:
    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    event_file = EventFile.open(path)
    app = prepare_race_control(event_file, ScriptedDriver(), author="steward")
    app.session._clock = lambda: 0.0  # no wall clock in a snapshot
    app.charity = CharityDesk(event_file, clock=lambda: AT_NOON)

    async def run_before(pilot) -> None:
        await pilot.press("m")
        await _type(pilot, "#amount", "25,00")
        await _type(pilot, "#who", "Bar Sport")
        await pilot.press("enter")
        await _type(pilot, "#amount", "abc")
        await _type(pilot, "#who", "a spectator")
        await pilot.press("enter")
        await _counted(pilot.app)
        await pilot.pause()

    try:  # every line shows: the fields, the error, what was saved, the totals, the buttons
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        event_file.close()


async def test_money_saved_by_mistake_is_taken_back_with_a_reason_in_race_control(
        tmp_path: Path):
    """Race control holds the file all day, so `slotrace charity revoke` cannot run: the
    dialog's Take back revokes through the same store function, with a reason, and the
    record stays listed, no longer counted."""
    from slotrace.tui.screens.charity_dialog import TakeBackMoneyDialog

    path = tmp_path / "event.slotrace"
    create_demo_event(path).close()
    with EventFile.open(path) as event_file:
        app = prepare_race_control(event_file, ScriptedDriver(), laps=1, author="Anna")
        app.charity = CharityDesk(event_file, clock=lambda: AT_NOON)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("m")
            await pilot.click("#take-back")
            assert _label(app, "#error") == "Nothing recorded on the day to take back"
            app.screen.query_one("#kind", Select).value = "bucket"
            for amount in ("83.40", "83,40"):  # the paddock bucket typed in twice
                await _type(pilot, "#amount", amount)
                await _type(pilot, "#who", "paddock bucket")
                await pilot.press("enter")
            await pilot.click("#take-back")
            dialog = app.screen
            assert isinstance(dialog, TakeBackMoneyDialog)
            assert dialog.query_one("#record", Select).value == 2  # the latest is offered
            await pilot.press("enter")  # no reason: refused, nothing revoked
            assert _label(app, "#take-back-error").startswith("Not taken back: revoking "
                                                              "record 2 needs a reason")
            await _type(pilot, "#reason", "counted twice")
            await pilot.press("enter")
            assert isinstance(app.screen, CharityDialog)
            assert _label(app, "#charity-saved") == (
                "Took back #2: counted twice (listed, no longer counted)")
            assert _label(app, "#charity-raised") == (
                "Raised on the day: 83.40 (auctions 0.00 · donations 0.00 · buckets 83.40)")
            await _counted(app)
        money = day_money(event_file)
        assert [(m.id, m.counted, m.revoked_reason, m.revoked_by) for m in money] == [
            (1, True, "", ""), (2, False, "counted twice", "Anna")]
