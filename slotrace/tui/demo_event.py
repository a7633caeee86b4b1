"""Provides `create_demo_event`: a Mini Mille Miglia event file with the shipped sample entries.

``slotrace demo`` runs the shipped ``mille-miglia-demo`` template: the Mini Mille Miglia 2020
event (same track, classes, numbering, classification and rules code) with one short leg
sized for the simulator, four laps at 8 s with two precision trials, a passage control and
a time control, so a heat takes well under a minute and every trial shows a real deviation.
The full ``mille-miglia-2020`` template that organisers start from is left as it is.

The demo file is set up as an organiser would: the template's legs become stages,
every entry is scrutineered and the verdicts recorded (the sample has ten cars that are
rejected on purpose), so the heat plan holds only cars that passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from slotrace.rules.model import Entry
from slotrace.store import EventFile

DEMO_TEMPLATE = "mille-miglia-demo"
"""What ``slotrace demo`` runs: the short-leg template shipped beside the full one."""
FULL_TEMPLATE = "mille-miglia-2020"
"""The full four-leg template organisers start from (the default, as race-control tests use)."""
SAMPLE_ENTRIES = "sample-entries.csv"
DEMO_SCRUTINEER = "slotrace demo"


def create_demo_event(path: Path, entries: Sequence[Entry] | None = None, *,
                      template: str = FULL_TEMPLATE,
                      writer: str = "slotrace demo (race control)") -> EventFile:
    """Create ``path`` from ``template`` and the sample entries (or ``entries``), scrutineered
    and with the heat plan saved; return it open. ``slotrace demo`` passes `DEMO_TEMPLATE`.
    ``writer`` names the lock's holder: the demo is race control, so `slotrace charity add`
    from a second terminal points at race control's Money key.

    Raises the rules' file errors if the shipped data does not load (a packaging bug) and
    `EventFileExistsError` if ``path`` exists.
    """
    from slotrace.rules.files import load_template
    from slotrace.rules.scrutineer import scrutineer

    event = load_template(template)
    if entries is None:
        entries = sample_entries()
    event_file = EventFile.create(path, event, name=f"{event.name} (demo)", writer=writer)
    try:
        event_file.set_entries(entries)
        for number, leg in enumerate(event.legs, start=1):  # stage N = leg N, as `slotrace new`
            event_file.set_stage(number, leg.name, leg)
        for verdict in scrutineer(entries, event):
            if not verdict.findings:
                event_file.add_verdict(verdict.entry_no, "OK", "pass", "passed every check",
                                       DEMO_SCRUTINEER)
            for finding in verdict.findings:
                event_file.add_verdict(verdict.entry_no, finding.check.code,
                                       finding.severity.value, finding.reason, DEMO_SCRUTINEER)
        _save_heat_plan(event_file)
    except BaseException:
        event_file.close()
        raise
    return event_file


def sample_entries() -> list[Entry]:
    """The 82 sample entries shipped with the rules (10 fail scrutineering on purpose)."""
    from slotrace.rules.files import parse_entries_csv

    csv_file = resources.files("slotrace.rules") / "data" / SAMPLE_ENTRIES
    return parse_entries_csv(csv_file.read_text("utf-8"), f"shipped {SAMPLE_ENTRIES}")


def _save_heat_plan(event_file: EventFile) -> None:
    """Store the start list's race numbers (``startlist --save``) and then the rules' heat
    plan (``heats --save``), as an organiser does: every output names cars by number."""
    from slotrace.raceday import day_plan, saved_plan_specs

    plan = day_plan(event_file)
    if plan is None:
        return
    event_file.set_race_numbers(plan.numbers)
    plan = day_plan(event_file)
    if plan is not None:
        event_file.save_heat_plan(saved_plan_specs(plan, event_file))
