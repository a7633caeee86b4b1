"""Provides heat planning: heats of at most the car capacity, controller IDs and re-codes.

A digital control unit runs a few cars at once (Carrera: 6, addresses 1..6), so every leg is run
heat by heat. Each model's chip holds its controller address; re-programming ("re-coding") a car
takes a steward a minute, so the plan keeps every car on the address it already has whenever the
heat allows and reports which cars must be re-coded before each heat.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slotrace.rules.errors import RulesError
from slotrace.rules.model import Event, Heat, HeatSlot
from slotrace.rules.startorder import NotPlaced, StartList


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A car on the start list that the stewards left out (withdrawn, or a non-starter).

    Attributes:
        reason: shown where the car is missing ("withdrawn: gearbox (by clerk)").
        legs: the leg indexes (0-based) it does not start; None: the whole event.
    """

    entry_no: int
    reason: str
    legs: frozenset[int] | None = None

    def starts_in(self, leg: int) -> bool:
        return self.legs is not None and leg not in self.legs


@dataclass(frozen=True, slots=True)
class HeatPlan:
    """All heats of the event, leg by leg, with the coding work and a time estimate."""

    heats: tuple[Heat, ...]
    capacity: int
    first_codings: int  # cars coded before their first heat
    recodes: int  # address changes after that
    heat_minutes: float
    changeover_minutes: float
    unplanned: tuple[NotPlaced, ...] = ()  # entries not in any heat, each with the reason

    @property
    def total_minutes(self) -> float:
        """Whole day: every heat plus a changeover between consecutive heats."""
        n = len(self.heats)
        return n * self.heat_minutes + max(0, n - 1) * self.changeover_minutes

    def heats_of_leg(self, leg: int) -> tuple[Heat, ...]:
        return tuple(h for h in self.heats if h.leg == leg)


def split_evenly(entry_nos: Sequence[int], capacity: int) -> list[list[int]]:
    """Consecutive groups of at most ``capacity``, sizes differing by at most one."""
    if not 1 <= capacity <= 255:
        raise RulesError(f"car capacity must be 1..255 cars per heat, got {capacity}")
    count = math.ceil(len(entry_nos) / capacity) if entry_nos else 0
    groups, start = [], 0
    for i in range(count):
        size = len(entry_nos) // count + (1 if i < len(entry_nos) % count else 0)
        groups.append(list(entry_nos[start:start + size]))
        start += size
    return groups


def assign_addresses(
    group: Sequence[int], current: dict[int, int], capacity: int
) -> list[HeatSlot]:
    """Addresses 1..capacity for one heat, keeping every car's current address when possible.

    Cars whose address is free keep it (first come in start order wins a clash); the others get
    the lowest free address, preferring one no car in the heat will want later.
    """
    if len(group) > capacity:
        raise RulesError(f"heat of {len(group)} cars exceeds the capacity of {capacity}")
    used: dict[int, int] = {}
    for entry_no in group:
        address = current.get(entry_no)
        if address is not None and address <= capacity and address not in used:
            used[address] = entry_no
    keep = {entry_no: address for address, entry_no in used.items()}
    free = [a for a in range(1, capacity + 1) if a not in used]
    slots = []
    for entry_no in group:
        if entry_no in keep:
            slots.append(HeatSlot(entry_no=entry_no, address=keep[entry_no], recode=False))
        else:
            slots.append(HeatSlot(entry_no=entry_no, address=free.pop(0), recode=True))
    return sorted(slots, key=lambda s: s.address)


def plan_heats(start_list: StartList, event: Event, capacity: int | None = None, *,
               left_out: Iterable[LeftOut] = ()) -> HeatPlan:
    """Heats for every leg of ``event`` from the start list (same groups each leg, start order).

    ``capacity`` defaults to ``event.car_capacity``; pass the driver's ``Capabilities.max_cars``.
    ``left_out`` are the stewards' withdrawals and non-starters (``EventFile.left_out``): such
    a car is in no heat of the legs it does not start (the leg is regrouped without it) and is
    listed in ``unplanned`` with its reason.
    """
    capacity = capacity or event.car_capacity
    out = {x.entry_no: x for x in left_out}
    order = [slot.entry_no for slot in start_list.slots]
    legs = max(1, len(event.legs))
    current: dict[int, int] = {}
    heats: list[Heat] = []
    first = recodes = 0
    for leg in range(legs):
        starting = [n for n in order if n not in out or out[n].starts_in(leg)]
        for group in split_evenly(starting, capacity):
            slots = assign_addresses(group, current, capacity)
            for slot in slots:
                if slot.recode:
                    if slot.entry_no in current:
                        recodes += 1
                    else:
                        first += 1
                current[slot.entry_no] = slot.address
            heats.append(Heat(leg=leg, number=len(heats) + 1, slots=tuple(slots)))
    on_list = {slot.entry_no for slot in start_list.slots}
    stewards = tuple(NotPlaced(n, x.reason) for n, x in out.items() if n in on_list)
    return HeatPlan(tuple(heats), capacity, first, recodes, event.heat_minutes,
                    event.changeover_minutes, start_list.not_placed + stewards)
