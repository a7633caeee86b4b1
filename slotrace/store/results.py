"""Provides the results report of an event file: every heat replayed, classified, totalled.

`build_report` turns a (read-only) `EventFile` into plain JSON data: per-heat standings and
lap times (journal replayed through the engine), the overall and side classifications and
charity totals (the rules' `classify` / `charity_totals`), and the stewards' log. The
exporters in `slotrace.store.export_formats` render that data as JSON, CSV or HTML, so all
three formats always carry the same numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slotrace import engine
from slotrace.store.eventfile import EventFile, HeatInfo
from slotrace.store.replay import replay_heat


def _entry_labels(event_file: EventFile) -> dict[int, str]:
    labels = {}
    for data in event_file.entries():
        number = data.get("race_number")
        who = data.get("entrant", "")
        car = data.get("car") or {}
        labels[data["entry_no"]] = (
            f"#{number:03d} " if isinstance(number, int) else f"entry {data['entry_no']} "
        ) + f"{who} ({car.get('marque', '')} {car.get('model', '')})".replace(" ( )", "")
    return labels


def _heat_report(event_file: EventFile, heat: HeatInfo, labels: dict[int, str]) -> tuple:
    state = replay_heat(event_file, heat.id)
    rows = []
    for s in engine.standings(state):
        entry_no = heat.cars.get(s.car)
        rows.append(
            {
                "position": s.position,
                "car": s.car,
                "entry_no": entry_no,
                "label": labels.get(entry_no, f"car {s.car}") if entry_no else f"car {s.car}",
                "laps": s.laps,
                "total_ms": s.total_ms,
                "best_lap_ms": s.best_lap_ms,
                "gap": str(s.gap) if s.gap is not None else "",
                "penalty_ms": s.penalty_ms,
                "status": s.status.value,
            }
        )
    lap_times = {
        str(car.car): [lap.lap_ms for lap in car.lap_list if lap.counted]
        for car in state.cars.values()
    }
    report = {
        "heat": heat.id,
        "name": heat.name,
        "stage": heat.stage,
        "status": str(heat.status),
        "standings": rows,
        "lap_times": lap_times,
    }
    return report, state


def _classification(event_file: EventFile, heats: list[tuple[HeatInfo, Any]]) -> dict:
    """Overall / side classifications and charity totals via the rules, when defined."""
    from slotrace.rules import classify, files, model, scoring

    definition = event_file.event_definition()
    entries = [model.Entry.model_validate(e) for e in event_file.entries()]
    if not definition or not entries:
        return {"overall": [], "side": {}, "charity": None}
    event = model.Event.model_validate(definition)
    laps: dict[int, int] = {}
    leg_runs: list[dict[int, Any]] = [{} for _ in event.legs]
    for heat, state in heats:
        for car, entry_no in heat.cars.items():
            if car in state.cars:
                laps[entry_no] = laps.get(entry_no, 0) + state.cars[car].laps
        if heat.plan is not None:
            plan = model.Heat.model_validate(heat.plan)
            if 0 <= plan.leg < len(leg_runs):
                leg_runs[plan.leg].update(scoring.runs_from_race_state(state, plan))
    charity = classify.charity_totals(entries, event, laps)
    charity_data = {
        "lines": [
            {
                "entry_no": c.entry_no,
                "label": c.label,
                "laps": c.laps,
                "entry_fee": c.entry_fee,
                "pledged": c.pledged,
            }
            for c in charity.lines
        ],
        "fees": charity.fees,
        "pledges": charity.pledges,
        "auctions": charity.auctions,
        "other_donations": charity.other_donations,
        "total": round(charity.total, 2),
    }
    if not any(leg_runs):
        return {"overall": [], "side": {}, "charity": charity_data}
    track = files.load_track(event.track)
    # classify the starters: the cars of the saved heat plan (in start order), else the cars
    # that ran; entries rejected at scrutineering never start and are not classified
    planned = [s["entry_no"] for p in event_file.planned_heats() for s in p.plan["slots"]]
    ran = [entry_no for heat, _ in heats for entry_no in heat.cars.values()]
    entry_nos = list(dict.fromkeys(planned or ran)) or [e.entry_no for e in entries]
    scores = scoring.score_event(event.legs, track, leg_runs, entry_nos, event.scale)
    result = classify.classify(entries, event, scores, start_order=entry_nos, laps=laps)

    def rows(results: Any) -> list[dict]:
        return [
            {
                "position": r.position,
                "entry_no": r.entry_no,
                "label": r.label,
                "score": r.score,
                "raw": r.raw,
                "coefficient": r.coefficient,
            }
            for r in results
        ]

    side = {f"class {k}": rows(v) for k, v in result.by_class.items()}
    side |= {f"category {k}": rows(v) for k, v in result.by_category.items()}
    side |= {f"period {k}": rows(v) for k, v in result.by_period.items()}
    side["Coppa delle Dame"] = rows(result.ladies)
    side["Coppa delle Nazioni"] = rows(result.nations)
    return {"overall": rows(result.overall), "side": side, "charity": charity_data}


def build_report(event_file: EventFile, stage: int | None = None) -> dict[str, Any]:
    """The whole results report as JSON data (heats of ``stage`` only, if given)."""
    labels = _entry_labels(event_file)
    all_heats = event_file.heats()
    chosen = [h for h in all_heats if stage is None or h.stage == stage]
    replayed = []
    heat_reports = []
    for heat in chosen:
        report, state = _heat_report(event_file, heat, labels)
        heat_reports.append(report)
        replayed.append((heat, state))
    return {
        "event": event_file.name,
        "stage": stage,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "journal_seq": event_file.last_seq(),
        "heats": heat_reports,
        **_classification(event_file, replayed),
        "stewards_log": [
            {
                "seq": r.seq,
                "heat": r.heat,
                "action": r.action,
                "car": r.car,
                "reason": r.reason,
                "author": r.author,
            }
            for r in event_file.stewards_log()
            if any(r.heat == h.id for h in chosen)
        ],
    }
