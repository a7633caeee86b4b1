"""Provides start order and race numbering (reference §6.2): historic, pre-1949, 1927, modern."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from slotrace.rules.errors import RulesError
from slotrace.rules.model import Category, Entry, Event, NumberingMode
from slotrace.rules.register import Register, load_register, normalise
from slotrace.rules.scrutineer import Verdict, needs_start_time_number

DAY_S = 24 * 3600
CATEGORY_RANK = {Category.TURISMO: 0, Category.GRAN_TURISMO: 1, Category.SPORT: 2}
NO_LIMIT_CC = 10**9


@dataclass(frozen=True, slots=True)
class StartSlot:
    """One car's place in the start list.

    Attributes:
        position: 1-based start position.
        start_s: virtual seconds after the first start (the event's virtual race clock).
        real_offset_s: real seconds after the first release (start_s / virtual_clock_factor).
        clock: the virtual time of day, 'HH:MM:SS'.
    """

    position: int
    entry_no: int
    race_number: int
    start_s: float
    real_offset_s: float
    clock: str
    class_code: str | None
    pinned: bool


@dataclass(frozen=True, slots=True)
class NotPlaced:
    """An entry left off the start list, and why (no entry is ever dropped silently)."""

    entry_no: int
    reason: str


@dataclass(frozen=True, slots=True)
class StartList:
    mode: NumberingMode
    slots: tuple[StartSlot, ...]
    excluded: tuple[int, ...]  # entries not started because they did not pass scrutineering
    not_placed: tuple[NotPlaced, ...] = ()  # every excluded entry with its reason

    def number_of(self, entry_no: int) -> int:
        for slot in self.slots:
            if slot.entry_no == entry_no:
                return slot.race_number
        raise KeyError(f"entry {entry_no} is not on the start list")


def time_to_number(seconds_of_day: float) -> int:
    """Start time -> race number: 21:00 -> 2100, 07:22 -> 722, 00:06 -> 6 (shown '006')."""
    minutes = int(seconds_of_day // 60) % (24 * 60)
    return 100 * (minutes // 60) + minutes % 60


def number_to_time(number: int) -> int:
    """Race number -> seconds of the day: 722 -> 07:22:00. ValueError if not HHMM."""
    hour, minute = divmod(number, 100)
    if hour > 23 or minute > 59:
        raise ValueError(f"#{number:03d} is not a start time")
    return hour * 3600 + minute * 60


def _clock(seconds_of_day: float) -> str:
    s = int(seconds_of_day) % DAY_S
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def make_start_list(
    entries: Iterable[Entry],
    event: Event,
    verdicts: Iterable[Verdict],
    register: Register | None = None,
) -> StartList:
    """Start list of the entries that passed scrutineering, with race numbers.

    Entries' own race numbers and the organiser's ``numbering.pinned`` numbers are kept
    (historic mode: the car starts at the time its number says); the rest are numbered by the
    mode's rules. Deterministic for a given ``numbering.seed``.
    """
    register = register or load_register()
    config = event.numbering
    verdicts = list(verdicts)
    passed = {v.entry_no: v for v in verdicts if v.passed}
    all_entries = sorted(entries, key=lambda e: e.entry_no)
    starters = [e for e in all_entries if e.entry_no in passed]
    excluded = tuple(e.entry_no for e in all_entries if e.entry_no not in passed)
    not_placed = tuple(NotPlaced(n, _rejection(n, verdicts)) for n in excluded)
    pins = _pins(starters, config.pinned)
    lot = _draw_lots(starters, config.seed)
    h, m = map(int, config.first_start.split(":"))
    t0 = h * 3600 + m * 60

    def class_key(entry: Entry) -> tuple[int, int]:
        bin_ = register.class_for(entry.car.replica_year, entry.car.category,
                                  entry.car.supercharged, entry.car.displacement_cc)
        limit = bin_.max_cc if bin_ and bin_.max_cc is not None else NO_LIMIT_CC
        return (limit if bin_ else entry.car.displacement_cc, CATEGORY_RANK[entry.car.category])

    if config.mode is NumberingMode.HISTORIC:
        placed = _historic(starters, pins, lot, class_key, t0, config)
        earliest = min((p[2] for p in placed), default=0.0)
        if earliest < 0:  # a pinned time before the first start: the evening before
            t0 += earliest
            placed = [(n, number, start_s - earliest) for n, number, start_s in placed]
    elif config.mode in (NumberingMode.PRE_1949, NumberingMode.PRESET_1927):
        biggest_first = config.mode is NumberingMode.PRESET_1927
        order = sorted(starters, key=lambda e: (class_key(e), lot[e.entry_no]),
                       reverse=biggest_first)
        numbers = _free_numbers(sorted(starters, key=lambda e: e.entry_no), pins)
        placed = [(e.entry_no, numbers[e.entry_no], i * config.big_interval_s)
                  for i, e in enumerate(order)]
    else:
        front = {normalise(m) for m in config.front_marques}
        order = sorted(starters, key=lambda e: (normalise(e.car.marque) not in front,
                                                e.car.build_year, e.entry_no))
        numbers = _free_numbers(order, pins)
        placed = sorted(((e.entry_no, numbers[e.entry_no], (numbers[e.entry_no] - 1) * 60.0)
                         for e in order), key=lambda p: p[1])

    placed.sort(key=lambda p: (p[2], p[1]))
    slots = tuple(
        StartSlot(
            position=i, entry_no=entry_no, race_number=number, start_s=start_s,
            real_offset_s=start_s / config.virtual_clock_factor, clock=_clock(t0 + start_s),
            class_code=passed[entry_no].class_code, pinned=entry_no in pins,
        )
        for i, (entry_no, number, start_s) in enumerate(placed, 1)
    )
    return StartList(config.mode, slots, excluded, not_placed)


def _rejection(entry_no: int, verdicts: Iterable[Verdict]) -> str:
    verdict = next((v for v in verdicts if v.entry_no == entry_no), None)
    if verdict is None:
        return "not scrutineered"
    return f"did not pass scrutineering ({verdict.rejection or 'rejected'})"


def _pins(starters: list[Entry], pinned: Mapping[int, int]) -> dict[int, int]:
    pins = {e.entry_no: e.race_number for e in starters if e.race_number is not None}
    pins.update({k: v for k, v in pinned.items() if k in {e.entry_no for e in starters}})
    holders: dict[int, int] = {}
    for entry_no, number in sorted(pins.items()):
        if number in holders:
            raise RulesError(f"race number #{number:03d} is pinned to both entry "
                             f"{holders[number]} and entry {entry_no}")
        holders[number] = entry_no
    return pins


def _draw_lots(starters: list[Entry], seed: int) -> dict[int, int]:
    """A seeded draw (1957 practice): same seed and entries, same lots."""
    nos = sorted(e.entry_no for e in starters)
    random.Random(seed).shuffle(nos)
    return {entry_no: i for i, entry_no in enumerate(nos)}


def _free_numbers(order: list[Entry], pins: Mapping[int, int]) -> dict[int, int]:
    taken = set(pins.values())
    numbers = dict(pins)
    candidate = 1
    for entry in order:
        if entry.entry_no in numbers:
            continue
        while candidate in taken:
            candidate += 1
        numbers[entry.entry_no] = candidate
        taken.add(candidate)
    return numbers


def _pinned_offset(number: int, t0: int) -> float:
    """Virtual seconds from the first start to a pinned start time: a time up to 12 h before
    the first start is the evening before (negative), later ones run on through the night."""
    offset = number_to_time(number) - t0
    if -DAY_S // 2 < offset < 0:
        return float(offset)
    return float(offset % DAY_S)


def _historic(starters, pins, lot, class_key, t0, config):
    """Historic numbering (§6.2): start-time pins keep their time; pre-1949 replicas keep
    their period number and are placed by class like the rest."""
    placed: list[tuple[int, int, float]] = []
    taken: set[int] = set(pins.values())
    by_no = {e.entry_no: e for e in starters}
    period = {n for n, number in pins.items()
              if not needs_start_time_number(by_no[n].car.replica_year, NumberingMode.HISTORIC)}
    for entry_no, number in pins.items():
        if entry_no in period:
            continue
        try:
            placed.append((entry_no, number, _pinned_offset(number, t0)))
        except ValueError:
            raise RulesError(f"entry {entry_no}: pinned {number:03d} is not a start time "
                             "(HHMM); historic numbering needs start-time numbers for "
                             "replicas of 1949 and later") from None
    order = sorted((e for e in starters if e.entry_no not in pins or e.entry_no in period),
                   key=lambda e: (class_key(e), lot[e.entry_no]))
    t = 0.0
    for entry in order:
        if entry.entry_no in period:  # period number: its place in the class order, no minute
            placed.append((entry.entry_no, pins[entry.entry_no], t))
        else:
            number = time_to_number(t0 + t)
            while number in taken:  # same minute as a car before it, or a pinned number
                t = (t // 60 + 1) * 60
                if t >= DAY_S:
                    raise RulesError(f"{len(starters)} cars do not fit a 24-hour start-time "
                                     "clock")
                number = time_to_number(t0 + t)
            placed.append((entry.entry_no, number, t))
            taken.add(number)
        small = class_key(entry)[0] <= config.small_block_max_cc
        t += config.small_interval_s if small else config.big_interval_s
    return placed


def with_numbers(entries: Iterable[Entry], start_list: StartList) -> list[Entry]:
    """The entries with the race numbers the start list gave them (others unchanged)."""
    numbers = {slot.entry_no: slot.race_number for slot in start_list.slots}
    return [e.model_copy(update={"race_number": numbers[e.entry_no]})
            if e.entry_no in numbers else e for e in entries]
