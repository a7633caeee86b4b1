"""Provides the results report of an event file: every heat replayed, classified, totalled.

`build_results` turns a (read-only) `EventFile` into a typed `ResultsReport`: per-heat
standings and lap times (journal replayed through the engine), the rules' provisional
classification (`slotrace.rules.classify.classify_standings`: only legs driven count, the heat
on track is provisional, stewards' decisions applied) with side tables and charity, and the
stewards' log read from the replayed heats (the engine's automatic decisions included).
`build_report` is the same as JSON data; the exporters in `slotrace.store.export_formats`
render it as JSON, CSV or HTML, so all three formats always carry the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slotrace import engine
from slotrace.engine.control import (
    AddLap,
    Disqualify,
    PaceCar,
    RemoveLap,
    Revoke,
    TimePenalty,
    YellowFlag,
)
from slotrace.engine.decisions import ENGINE_AUTHOR
from slotrace.rules import classify, model, scoring
from slotrace.rules.scrutineer import apply_overrides, recorded_overrides, scrutineer
from slotrace.rules.standings import DrivenLeg, Sanction, SanctionKind
from slotrace.store.charity import day_money
from slotrace.store.decisions import EntryAction, EntryDecision, HeatAction, HeatDecision
from slotrace.store.eventfile import EventFile, HeatInfo, HeatStatus
from slotrace.store.replay import replay_heat
from slotrace.store.report_model import (
    EventInfo,
    HeatReport,
    HeatStanding,
    ResultsReport,
    StewardsEntry,
    report_data,
)


def _entry_labels(entries: Sequence[model.Entry]) -> dict[int, str]:
    return {e.entry_no: e.label for e in entries}


def _leg_of(heat: HeatInfo) -> int | None:
    return None if heat.plan is None else int(heat.plan.get("leg", 0))


def _heat_report(heat: HeatInfo, state: Any, labels: Mapping[int, str],
                 entries: Mapping[int, model.Entry], excluded: str = "") -> HeatReport:
    rows = []
    for s in engine.standings(state):
        entry_no = heat.cars.get(s.car)
        if entry_no is None and not s.laps:
            continue  # a controller no entry drives (the control unit reports all of them)
        entry = entries.get(entry_no) if entry_no is not None else None
        crew = entry.entrant + (f" / {entry.co_driver}" if entry.co_driver else "") if entry else ""
        rows.append(HeatStanding(
            position=s.position, car=s.car, entry_no=entry_no,
            label=labels.get(entry_no, f"car {s.car}") if entry_no else f"car {s.car}",
            laps=s.laps, total_ms=s.total_ms, best_lap_ms=s.best_lap_ms,
            gap=str(s.gap) if s.gap is not None else "", penalty_ms=s.penalty_ms,
            status=s.status.value, race_number=entry.race_number if entry else None,
            number=(f"#{model.format_race_number(entry.race_number)}"
                    if entry and entry.race_number is not None else ""),
            name=f"{crew} ({entry.car.marque} {entry.car.model})" if entry else "",
        ))
    lap_times = {
        str(car.car): [lap.lap_ms for lap in car.lap_list if lap.counted]
        for car in state.cars.values()
    }
    car_labels = {str(car): _short_label(entries.get(entry_no), entry_no)
                  for car, entry_no in heat.cars.items()}
    return HeatReport(heat.id, heat.name, heat.stage, _leg_of(heat), str(heat.status),
                      heat.status is HeatStatus.RUNNING, tuple(rows), lap_times, car_labels,
                      excluded)


def _short_label(entry: model.Entry | None, entry_no: int) -> str:
    """'#722 Moss' for a chart legend (the entry number when it has no race number)."""
    if entry is None:
        return f"entry {entry_no}"
    number = (f"#{model.format_race_number(entry.race_number)}"
              if entry.race_number is not None else f"entry {entry_no}")
    return f"{number} {entry.entrant}"


def _describe(command: Any, log: Sequence[Any], heat: HeatInfo, names: Mapping[int, str]) -> str:
    """What a decision did, in organiser words (a revoke says what it revoked)."""
    if isinstance(command, TimePenalty):
        return f"+{command.ms / 1000:.2f} s"
    if isinstance(command, (YellowFlag, PaceCar)):
        return f"{'yellow flag' if isinstance(command, YellowFlag) else 'pace car'} " + (
            "out" if command.on else "in")
    if isinstance(command, Revoke):
        if not 1 <= command.decision <= len(log):
            return f"revokes #{command.decision} (no such decision)"
        target = log[command.decision - 1].command
        whom = getattr(target, "car", None)
        who = f" for {names.get(heat.cars.get(whom, -1), f'car {whom}')}" if whom else ""
        return (f"revokes #{command.decision}: {type(target).__name__}{who} "
                f"{_describe(target, log, heat, names)}").rstrip()
    if isinstance(command, (AddLap, RemoveLap)):
        return "+1 lap" if isinstance(command, AddLap) else "-1 lap"
    if hasattr(command, "laps"):
        return f"-{command.laps} lap(s)"
    return ""  # the decision's name says it all (StartSequence, Warning, ...)


def _stewards(heat: HeatInfo, state: Any, entries: Mapping[int, model.Entry],
              labels: Mapping[int, str]) -> list[StewardsEntry]:
    out = []
    log = state.stewards_log
    for decision in log:
        command = decision.command
        car = getattr(command, "car", None)
        entry_no = heat.cars.get(car) if car is not None else None
        entry = entries.get(entry_no) if entry_no is not None else None
        out.append(StewardsEntry(
            ref=f"heat {heat.id} #{decision.number}", heat=heat.id, number=decision.number,
            decision=type(command).__name__, detail=_describe(command, log, heat, labels),
            car=car, race_number=entry.race_number if entry else None,
            name=labels.get(entry_no, f"car {car}") if entry_no else (
                f"car {car}" if car is not None else ""),
            reason=command.reason, author=command.author,
            automatic=command.author == ENGINE_AUTHOR, revoked=decision.revoked,
        ))
    return out


def _excluded_reason(heat: HeatInfo, decisions: Sequence[HeatDecision]) -> str:
    """Why a heat is left out of the classification ('' if it counts): a void heat (the
    stewards' reason) or an aborted one; both run again."""
    if heat.status is not HeatStatus.ABORTED:
        return ""
    void = [d for d in decisions if d.heat == heat.id and d.action is HeatAction.VOID]
    if void:
        d = void[-1]
        return f"void ({d.reason}; by {d.author}, heat decision #{d.id})"
    return "aborted"


def _heat_decision_entries(heat: HeatInfo, decisions: Sequence[HeatDecision]
                           ) -> list[StewardsEntry]:
    what = {HeatAction.VOID: "does not count in the classification; it runs again",
            HeatAction.REOPEN: "reopened to be corrected"}
    return [StewardsEntry(
        ref=f"heat decision #{d.id}", heat=heat.id, number=d.id, decision=f"{d.action} heat",
        detail=f"heat {heat.id} {heat.name}: {what[d.action]}", car=None, race_number=None,
        name="", reason=d.reason, author=d.author, automatic=False, revoked=False,
        at=d.decided_at) for d in decisions if d.heat == heat.id]


def _car_text(car: Mapping[str, Any]) -> str:
    return " ".join(str(car[k]) for k in ("marque", "model", "replica_year") if car.get(k))


def _entry_decision_entries(decisions: Sequence[EntryDecision],
                            entries: Mapping[int, model.Entry], labels: Mapping[int, str],
                            leg_names: Sequence[str]) -> list[StewardsEntry]:
    out = []
    for d in decisions:
        if d.action is EntryAction.DNS:
            detail = ("does not start the event" if d.leg is None else
                      f"does not start leg {d.leg + 1}" + (
                          f" ({leg_names[d.leg]})" if 0 <= d.leg < len(leg_names) else ""))
        elif d.action is EntryAction.CAR_SWAP:
            detail = (f"car swap: {_car_text(d.detail.get('old_car') or {})} -> "
                      f"{_car_text(d.detail.get('new_car') or {})}")
        elif d.action is EntryAction.WITHDRAW:
            detail = "withdrawn from the event"
        else:
            detail = "reinstated"
        entry = entries.get(d.entry_no)
        out.append(StewardsEntry(
            ref=f"entry decision #{d.id}", heat=None, number=d.id,
            decision=str(d.action).replace("_", " "), detail=detail, car=None,
            race_number=entry.race_number if entry else None,
            name=labels.get(d.entry_no, f"entry {d.entry_no}"), reason=d.reason,
            author=d.author, automatic=False, revoked=False, at=d.decided_at))
    return out


def _sanctions(heat: HeatInfo, state: Any) -> list[Sanction]:
    """The heat's standing decisions that change the classification (revoked ones do not)."""
    out = []
    for decision in state.stewards_log:
        command = decision.command
        if decision.revoked or not isinstance(command, (TimePenalty, Disqualify)):
            continue
        entry_no = heat.cars.get(command.car)
        if entry_no is None:
            continue
        ref = f"heat {heat.id} #{decision.number}"
        if isinstance(command, TimePenalty):
            out.append(Sanction(entry_no, SanctionKind.TIME_PENALTY, command.reason, ref,
                                _leg_of(heat), points=round(command.ms / 10)))
        else:
            out.append(Sanction(entry_no, SanctionKind.DISQUALIFICATION, command.reason, ref,
                                _leg_of(heat)))
    return out


def _classification(event_file: EventFile, entries: list[model.Entry],
                    heats: list[tuple[HeatInfo, Any]], sanctions: list[Sanction]
                    ) -> tuple[classify.Classification | None, tuple[str, ...]]:
    event = event_file.event_model()
    if event is None or not event.legs or not entries:
        return None, ()
    laps: dict[int, int] = {}  # the laps the classification counts (pledges per lap)
    driven: dict[int, list[DrivenLeg]] = {}
    track = None
    for heat, state in heats:
        for car, entry_no in heat.cars.items():
            if car in state.cars:  # steward corrections (AddLap, RemoveLap, LapPenalty) count
                laps[entry_no] = laps.get(entry_no, 0) + state.cars[car].scored_laps
        if heat.plan is None:
            continue
        plan = model.Heat.model_validate(heat.plan)
        if not 0 <= plan.leg < len(event.legs):
            continue
        track = track or event_file.track()  # the copy stored in the file
        leg = event.legs[plan.leg]
        for entry_no, run in scoring.runs_from_race_state(state, plan).items():
            scores = scoring.score_run(run, track, leg, event.scale)
            driven.setdefault(entry_no, []).append(
                DrivenLeg(plan.leg, scores, heat.status is HeatStatus.RUNNING, heat.id))
    # the starters: the cars of the saved heat plan (in start order), else the cars that ran;
    # entries rejected at scrutineering never start and are not classified
    planned = [s["entry_no"] for p in event_file.planned_heats() for s in p.plan["slots"]]
    ran = [entry_no for heat, _ in heats for entry_no in heat.cars.values()]
    order = list(dict.fromkeys(planned + ran)) or [e.entry_no for e in entries]
    by_no = {e.entry_no: e for e in entries}
    starters = [by_no[n] for n in order if n in by_no]
    unplanned = tuple(f"entry {n}: ran but is not in the entry list" for n in order
                      if n not in by_no)
    # the charity counts every entry's fee: a car that never started still paid it; a car
    # rejected at scrutineering (the chief scrutineer's override wins) only if the event says so
    verdicts = apply_overrides(scrutineer(entries, event),
                               recorded_overrides(event_file.verdicts()))
    rejected = [v.entry_no for v in verdicts if not v.passed]
    result = classify.classify_standings(starters, event, driven, sanctions,
                                         start_order=order, laps=laps, fee_payers=entries,
                                         rejected=rejected, day_money=day_money(event_file))
    return result, unplanned


def _event_info(event_file: EventFile, heats: Sequence[HeatInfo]) -> EventInfo:
    """Charity, venue and date; the date is the template's, else the day the first heat ran."""
    event = event_file.event_model()
    date = (event.date.isoformat() if event and event.date else
            min(h.started_at for h in heats)[:10] if heats else "")
    return EventInfo(charity=event.charity if event else "",
                     venue=event.venue if event else "", date=date)


def build_results(event_file: EventFile, stage: int | None = None,
                  now: datetime | None = None) -> ResultsReport:
    """The whole results report (heats of ``stage`` only, and classified on those, if
    given). ``now`` stamps it (default: the wall clock)."""
    entries = event_file.entry_models()
    by_no = {e.entry_no: e for e in entries}
    labels = _entry_labels(entries)
    replayed = [(heat, replay_heat(event_file, heat.id)) for heat in event_file.heats()]
    chosen = [(h, s) for h, s in replayed if stage is None or h.stage == stage]
    heat_decisions = event_file.heat_decisions()
    excluded = {h.id: _excluded_reason(h, heat_decisions) for h, _ in chosen}
    counted = [(h, s) for h, s in chosen if not excluded[h.id]]  # void heats do not count
    sanctions = [x for heat, state in counted for x in _sanctions(heat, state)]
    classification, unplanned = _classification(event_file, entries, counted, sanctions)
    event = event_file.event_model()
    leg_names = [leg.name for leg in event.legs] if event else []
    stewards = [x for h, s in chosen
                for x in _stewards(h, s, by_no, labels) + _heat_decision_entries(
                    h, heat_decisions)]
    stewards += _entry_decision_entries(event_file.entry_decisions(), by_no, labels, leg_names)
    return ResultsReport(
        event=event_file.name,
        info=_event_info(event_file, [h for h, _ in replayed]),
        stage=stage,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        journal_seq=event_file.last_seq(),
        heats=tuple(_heat_report(h, s, labels, by_no, excluded[h.id]) for h, s in chosen),
        classification=classification,
        stewards_log=tuple(stewards),
        unplanned=unplanned,
        excluded_heats=tuple(f"heat {h.id} {h.name}: {excluded[h.id]}; not counted in the "
                             "classification" for h, _ in chosen if excluded[h.id]),
    )


def build_report(event_file: EventFile, stage: int | None = None) -> dict[str, Any]:
    """`build_results` as JSON data (the shape of ``slotrace results --format json``)."""
    return report_data(build_results(event_file, stage))
