"""A dry run of the full template drives each leg's ideal run: one heat of leg 1 on the
simulator scores every crew near 0 on its PM and CO (they drove one constant lap time
before, 300 points on the CO and ~40 on the PM for everyone), with each crew's own scatter."""

from __future__ import annotations

from pathlib import Path

from slotrace.rules.files import load_template
from slotrace.rules.model import AverageSpeedTrial, PrecisionTrial, TimeControl
from slotrace.tui.demo_event import FULL_TEMPLATE, create_demo_event
from tests.raceday.dry_run import first_heat_rows


def test_a_heat_of_the_full_templates_first_leg_scores_no_pm_or_co_at_its_cap(
        tmp_path: Path) -> None:
    path = tmp_path / "full.slotrace"
    create_demo_event(path, template=FULL_TEMPLATE).close()
    _heat, rows = first_heat_rows(path, timeout_s=120)
    leg = load_template(FULL_TEMPLATE).legs[0]
    caps = {t.name: t.max_penalty if isinstance(t, PrecisionTrial | AverageSpeedTrial)
            else t.penalty_per_unit for t in leg.trials
            if isinstance(t, PrecisionTrial | AverageSpeedTrial | TimeControl)}
    assert len(rows) == 6
    pcs = []
    for row in rows:
        scored = {t["trial"]: t for t in row["trials"]}
        for name, cap in caps.items():
            trial = scored[name]
            assert trial["penalty"] < cap, f"{row['label']}: {name} {trial['detail']}"
            if trial["kind"] == "PM":  # whole seconds off its two checkpoints
                assert trial["penalty"] <= 3, f"{row['label']}: {name} {trial['detail']}"
            if trial["kind"] == "PC":
                pcs.append(trial["penalty"])
    # a CO's "cap" here is one unit (100 points): every crew was on time
    assert len(set(pcs)) > 2  # the crews' own consistency shows: they differ
