"""``slotrace demo`` runs its own short regularity leg: a heat well under a minute at the
simulated crews' pace, scored by the same rules code with real deviations (not the caps),
while the full template organisers start from is unchanged."""

from __future__ import annotations

from pathlib import Path

from slotrace.raceday import opening_simulator_options
from slotrace.rules.files import load_template
from slotrace.rules.legs import regularity_lap_s
from slotrace.rules.model import PrecisionTrial
from slotrace.tui.demo_event import DEMO_TEMPLATE, FULL_TEMPLATE, create_demo_event
from tests.raceday.dry_run import first_heat_rows


def test_the_demo_leg_is_short_and_the_full_template_is_unchanged() -> None:
    demo, full = load_template(DEMO_TEMPLATE), load_template(FULL_TEMPLATE)
    assert len(demo.legs) == 1 and demo.legs[0].laps == 4
    assert regularity_lap_s(demo.legs[0]) == 8.0
    assert [leg.laps for leg in full.legs] == [5, 5, 6, 4]
    assert regularity_lap_s(full.legs[0]) == 25.0
    # a real Mille Miglia-shaped event: same track, classes and classification as the full one
    assert (demo.track, demo.classification, demo.numbering) == (
        full.track, full.classification, full.numbering)


def test_a_demo_heat_on_the_simulator_scores_real_deviations(tmp_path: Path) -> None:
    path = tmp_path / "demo.slotrace"
    with create_demo_event(path, template=DEMO_TEMPLATE) as event_file:
        crews = opening_simulator_options(event_file)["cars"].split(",")
        assert {crew.split(":")[1] for crew in crews} == {"8.00"}
    heat, rows = first_heat_rows(path, timeout_s=60)
    # every car drove the distance in well under a minute of simulated (device) time
    assert all(row["laps"] == 4 and row["total_ms"] < 45_000 for row in heat["standings"])
    pcs = {t.name: t.max_penalty for t in load_template(DEMO_TEMPLATE).legs[0].trials
           if isinstance(t, PrecisionTrial)}
    assert len(rows) == 6
    deviations = []
    for row in rows:
        scored = {t["trial"]: t for t in row["trials"]}
        for name, cap in pcs.items():
            assert scored[name]["deviation_cs"] is not None
            assert scored[name]["penalty"] < cap, f"{row['label']}: {name} at the cap"
            deviations.append(scored[name]["deviation_cs"])
        assert scored["CT Mantova valley"]["measured"] == "all stamps"
    assert any(deviations) and len(set(deviations)) > 2  # crews differ, nobody is capped
    scores = [row["score"] for row in rows]  # in classification order
    assert len(set(scores)) > 1 and scores == sorted(scores)
