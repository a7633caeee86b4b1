"""Provides `BoardFeed`: the spectator board's read-only view of an event file, kept up to date.

Textual-free: it follows the journal through a read-only connection, folds each heat's
inputs with the engine and hands the board plain rows: the current heat's live order and
the overall classification. The overall classification is the rules' (the store's results
report, the same numbers `slotrace results` prints), recomputed whenever a heat starts or
finishes; an event file without legs (no rules scoring) ranks cars by their fastest lap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slotrace.engine import RaceState, SessionConfig, apply, initial_state, standings
from slotrace.rules.live import HeatRegularity, heat_regularity, signed_hundredths
from slotrace.rules.standings import position_text
from slotrace.store import EventFile, HeatInfo, HeatStatus
from slotrace.tui import format as fmt
from slotrace.tui.roster import Roster, entry_label, roster_for_heat


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of the board (``position`` None: not ranked, ``status`` says why)."""

    position: int | None
    number: str
    driver: str
    car: str
    entry_class: str
    laps: int
    best: str
    last: str
    gap: str
    trial: str = ""
    """Regularity leg only: the trial in progress, its target, the running deviation (1/100 s,
    signed), the points of the trials completed this heat and the last completed result."""
    target: str = ""
    deviation: str = ""
    points: str = ""
    result: str = ""
    fresh: bool = False
    status: str = ""
    """The last result was completed less than `FLASH_SECONDS` ago (the board flashes it)."""


def _status_word(result: dict[str, Any]) -> str:
    """What an unranked classification row shows instead of a position."""
    return position_text(None, str(result.get("status", "")))


FLASH_SECONDS = 4.0
"""How long the board highlights a trial result just completed."""


def entry_class_code(data: dict[str, Any], register: Any) -> str:
    """The entry's class in the rules' register (e.g. ``S1100``), '' when it has none."""
    car = data.get("car") or {}
    try:
        from slotrace.rules.model import Category

        found = register.class_for(int(car["replica_year"]), Category(car["category"]),
                                   bool(car.get("supercharged", False)),
                                   int(car["displacement_cc"]))
    except (KeyError, ValueError, TypeError):
        return ""
    return found.code if found is not None else ""


class BoardFeed:
    """Follows ``event_file`` (opened read-only) and keeps every heat's race state.

    Call `poll` regularly; it costs one tiny query when nothing changed.
    """

    def __init__(self, event_file: EventFile, *, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        from slotrace.rules.register import load_register

        self.event_file = event_file
        self.title = event_file.name
        self._clock = clock
        register = load_register()
        self._entries = [
            {**e, "class_code": entry_class_code(e, register)} for e in event_file.entries()
        ]
        self._definition = event_file.event_definition()
        self._regularity: dict[int, HeatRegularity | None] = {}
        self._results_seen: dict[tuple[int, int], tuple[int, float]] = {}
        self._heats: dict[int, HeatInfo] = {}
        self._states: dict[int, RaceState] = {}
        self._rosters: dict[int, Roster] = {}
        from slotrace.raceday import day_plan

        plan = day_plan(event_file)
        self._numbers: dict[int, int] = plan.numbers if plan is not None else {}
        self._follower = event_file.follow()
        self._heat_marks: tuple[tuple[int, str], ...] | None = None
        self._classified: list[BoardRow] = []
        self.charity_total: float | None = None
        """The event's charity total from the results report (None without rules)."""
        self.rows_seen = 0
        """Journal rows folded so far (a page can tell it is up to date)."""
        self.poll()
        self._reclassify_if_heats_changed()

    def poll(self) -> bool:
        """Fold journal rows committed since the last poll; True if anything changed."""
        rows = self._follower.poll()
        if not rows:
            return False
        self.rows_seen += len(rows)
        for row in rows:
            state = self._state_for(row.heat)
            self._states[row.heat], _ = apply(state, row.item())
        self._reclassify_if_heats_changed()
        return True

    @property
    def overall_caption(self) -> str:
        if self._classified:
            return "Overall classification (penalty points, lower is better)"
        return "Overall: fastest lap of every car"

    def _reclassify_if_heats_changed(self) -> None:
        marks = tuple((h.id, str(h.status)) for h in self.event_file.heats())
        if marks == self._heat_marks:
            return
        self._heat_marks = marks
        self._classified = self._rules_classification()

    def _rules_classification(self) -> list[BoardRow]:
        """The results report's overall classification as board rows (empty without rules)."""
        from slotrace.store.results import build_report

        if not self.event_file.event_definition().get("legs"):
            return []
        report = build_report(self.event_file)
        charity = report.get("charity") or {}
        self.charity_total = charity.get("total")
        numbers = self._numbers
        laps = {line["entry_no"]: line["laps"] for line in (report.get("charity") or {}).get(
            "lines", ())}
        by_entry_no = {e.get("entry_no"): e for e in self._entries}
        rows = []
        for result in report.get("overall", ()):
            entry_no = result["entry_no"]
            data = dict(by_entry_no.get(entry_no, {}))
            if entry_no in numbers:
                data["race_number"] = numbers[entry_no]
            entry = entry_label(data, 0)
            rows.append(
                BoardRow(
                    position=result["position"],
                    status=_status_word(result),
                    number=entry.number,
                    driver=entry.driver,
                    car=entry.car,
                    entry_class=entry.entry_class,
                    laps=laps.get(entry_no, 0),
                    best=f"{result['score']:g}",
                    last="",
                    gap="",
                )
            )
        return rows

    def _state_for(self, heat_id: int) -> RaceState:
        if heat_id not in self._states:
            heat = self.event_file.heat(heat_id)
            self._heats[heat_id] = heat
            self._rosters[heat_id] = roster_for_heat(self._entries, heat.cars, self._numbers)
            self._states[heat_id] = initial_state(SessionConfig.model_validate(heat.config))
        return self._states[heat_id]

    def current_heat(self) -> HeatInfo | None:
        """The heat being run (or the last one that produced anything)."""
        running = [h for h in self._heats.values() if h.status is HeatStatus.RUNNING]
        candidates = running or list(self._heats.values())
        if not candidates:
            return None
        latest = max(candidates, key=lambda h: h.id)
        # Re-read the status: the heat may have finished since we first saw it.
        self._heats[latest.id] = self.event_file.heat(latest.id)
        return self._heats[latest.id]

    def state_of(self, heat_id: int) -> RaceState | None:
        return self._states.get(heat_id)

    def classes(self) -> list[str]:
        """The classes of the entries (the rules' register classes, e.g. ``S1100``)."""
        return sorted({str(e.get("class_code", "")) for e in self._entries} - {""})

    def check_class(self, entry_class: str | None) -> None:
        """Raise ValueError naming the known classes when ``entry_class`` is not one of them."""
        known = self.classes()
        if entry_class is not None and entry_class not in known:
            listed = ", ".join(known) or "none (the entries have no class)"
            raise ValueError(f"unknown class {entry_class!r}; the classes of this event: {listed}")

    def regularity_of(self, heat: HeatInfo) -> HeatRegularity | None:
        """The heat's live-regularity context (None: sprint leg or no rules: the lap view)."""
        if heat.id not in self._regularity:
            self._regularity[heat.id] = heat_regularity(self._definition, heat.plan,
                                                        self.event_file.track)
        return self._regularity[heat.id]

    def live_rows(self, entry_class: str | None = None) -> list[BoardRow]:
        """The current heat's order, optionally only one class."""
        heat = self.current_heat()
        if heat is None:
            return []
        roster = self._rosters[heat.id]
        state = self._states[heat.id]
        regularity = self.regularity_of(heat)
        live = regularity.by_address(state) if regularity is not None else {}
        order = standings(state)
        if live:
            order = sorted(order, key=lambda s: live[s.car].rank if s.car in live else 99)
        rows = []
        now = self._clock()
        for standing in order:
            entry = roster[standing.car]
            if entry_class and entry.entry_class != entry_class:
                continue
            regular = live.get(standing.car)
            extra: dict[str, Any] = {}
            if regular is not None:
                result = regular.last_result
                done = len(regular.completed)
                key = (heat.id, standing.car)
                seen = self._results_seen.get(key)
                if seen is None or seen[0] != done:
                    self._results_seen[key] = seen = (done, now if seen is not None else -1e9)
                dev = signed_hundredths(result.deviation_cs) if result else ""
                extra = {
                    "trial": regular.trial or "",
                    "target": regular.target if regular.trial else "",
                    "deviation": signed_hundredths(regular.deviation_cs),
                    "points": str(regular.points),
                    "result": (f"{result.trial}: {result.penalty} pts"
                               + (f" ({dev})" if dev else "")) if result else "",
                    "fresh": result is not None and now - seen[1] < FLASH_SECONDS,
                }
            rows.append(
                BoardRow(
                    position=regular.rank if regular is not None else standing.position,
                    number=entry.number,
                    driver=entry.driver,
                    car=entry.car,
                    entry_class=entry.entry_class,
                    laps=standing.laps,
                    best=fmt.lap_time(standing.best_lap_ms),
                    last=fmt.lap_time(standing.last_lap_ms),
                    gap=fmt.gap(getattr(standing, "gap", None)),
                    **extra,
                )
            )
        return rows

    def overall_rows(self, entry_class: str | None = None) -> list[BoardRow]:
        """The rules' overall classification; without rules, cars ranked by fastest lap."""
        if self._classified:
            return [r for r in self._classified if not entry_class or r.entry_class == entry_class]
        return self._fastest_lap_rows(entry_class)

    def _fastest_lap_rows(self, entry_class: str | None) -> list[BoardRow]:
        """Every entry that has run, ranked by its best lap over all heats."""
        best: dict[str, tuple[int, Any, int]] = {}
        for heat_id, state in self._states.items():
            roster = self._rosters[heat_id]
            for standing in standings(state):
                if standing.best_lap_ms is None:
                    continue
                entry = roster[standing.car]
                known = best.get(entry.number)
                laps = standing.laps + (known[2] if known else 0)
                if known is None or standing.best_lap_ms < known[0]:
                    best[entry.number] = (standing.best_lap_ms, entry, laps)
                else:
                    best[entry.number] = (known[0], known[1], laps)
        ranked = sorted(best.values(), key=lambda item: item[0])
        leader = ranked[0][0] if ranked else 0
        rows = []
        for position, (best_ms, entry, laps) in enumerate(ranked, start=1):
            if entry_class and entry.entry_class != entry_class:
                continue
            rows.append(
                BoardRow(
                    position=position,
                    number=entry.number,
                    driver=entry.driver,
                    car=entry.car,
                    entry_class=entry.entry_class,
                    laps=laps,
                    best=fmt.lap_time(best_ms),
                    last="",
                    gap="" if position == 1 else f"+{fmt.lap_time(best_ms - leader)}",
                )
            )
        return rows
