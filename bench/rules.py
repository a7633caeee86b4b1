"""Benchmark: scrutineering, start order, heat planning and classification for 1,000 entries
and 100 trials each (target: well under 1 s in total on one core).

Run: .venv/bin/python bench/rules.py
Peer figure: the issue's budget is "well under 1 s" for the four steps together.
"""

from __future__ import annotations

import random
import time
from importlib import resources

from slotrace.rules.classify import classify
from slotrace.rules.files import load_template, load_track, parse_entries_csv
from slotrace.rules.heats import plan_heats
from slotrace.rules.model import TrialKind
from slotrace.rules.scoring import TrialScore
from slotrace.rules.scrutineer import scrutineer
from slotrace.rules.startorder import make_start_list

N_ENTRIES, N_TRIALS = 1000, 100


def main() -> None:
    track = load_track("mini-mille-miglia")
    event = load_template("mille-miglia-2020", track)
    text = (resources.files("slotrace.rules") / "data" / "sample-entries.csv").read_text()
    sample = parse_entries_csv(text, "sample")
    entries = [
        e.model_copy(update={"entry_no": i + 1, "race_number": None})
        for i, e in enumerate(sample[j % len(sample)] for j in range(N_ENTRIES))
    ]
    rng = random.Random(1)
    kinds = [TrialKind.PC] * 80 + [TrialKind.PM] * 8 + [TrialKind.CO] * 8 + [TrialKind.CT] * 4

    timings = {}
    t = time.perf_counter()
    verdicts = scrutineer(entries, event)
    timings["scrutineering"] = time.perf_counter() - t

    t = time.perf_counter()
    start = make_start_list(entries, event, verdicts)
    timings["start order"] = time.perf_counter() - t

    t = time.perf_counter()
    plan = plan_heats(start, event)
    timings["heat planning"] = time.perf_counter() - t

    scores = {
        s.entry_no: tuple(
            TrialScore(f"T{k}", kind, rng.randint(0, 300), None, rng.random(), False, "")
            for k, kind in enumerate(kinds)
        )
        for s in start.slots
    }
    t = time.perf_counter()
    result = classify(entries, event, scores, [s.entry_no for s in start.slots])
    timings["classification"] = time.perf_counter() - t

    print(
        f"{N_ENTRIES} entries ({len(start.slots)} passed), {N_TRIALS} trials each, "
        f"{len(plan.heats)} heats, {len(result.overall)} classified"
    )
    for name, seconds in timings.items():
        print(f"  {name:<15} {seconds * 1000:8.1f} ms")
    print(f"  {'total':<15} {sum(timings.values()) * 1000:8.1f} ms   (target: well under 1000 ms)")


if __name__ == "__main__":
    main()
