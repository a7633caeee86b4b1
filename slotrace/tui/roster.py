"""Provides `Roster`: who is on which controller in the current heat (names for the screens)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One car in the heat as the leaderboard names it.

    Attributes:
        controller: controller / car-ID number on the control unit (1..8).
        number: the entry's start number as painted on the model ("23").
        car: the model ("Alfa Romeo 8C 2900B").
        driver: who drives it.
        entry_class: the entry's class for the board's class filter: the register class
            (``S1100``) when the entry data carries ``class_code``, else its category.
    """

    controller: int
    number: str
    car: str
    driver: str
    entry_class: str = ""


class Roster:
    """Controller number → entry for one heat; unknown controllers get a plain label."""

    def __init__(self, entries: Iterable[RosterEntry] = ()) -> None:
        self._by_controller: Mapping[int, RosterEntry] = {e.controller: e for e in entries}

    def __getitem__(self, controller: int) -> RosterEntry:
        found = self._by_controller.get(controller)
        if found is not None:
            return found
        return RosterEntry(controller, str(controller), f"controller {controller}", "")

    def __len__(self) -> int:
        return len(self._by_controller)

    def controllers(self) -> list[int]:
        return sorted(self._by_controller)

    def classes(self) -> list[str]:
        return sorted({e.entry_class for e in self._by_controller.values() if e.entry_class})


def _race_number_text(number: object) -> str:
    return f"{number:03d}" if isinstance(number, int) else str(number or "?")


def entry_label(data: dict[str, object], controller: int) -> RosterEntry:
    """A roster entry from an event file's entry (the rules' ``Entry`` as JSON data)."""
    car = data.get("car")
    car_data = car if isinstance(car, dict) else {}
    model = " ".join(str(car_data[k]) for k in ("marque", "model") if car_data.get(k))
    crew = str(data.get("entrant", ""))
    if data.get("co_driver"):
        crew += f" / {data['co_driver']}"
    return RosterEntry(
        controller=controller,
        number=_race_number_text(data.get("race_number", data.get("number"))),
        car=model,
        driver=crew,
        entry_class=str(data["class_code"] if "class_code" in data
                        else car_data.get("category", "")),
    )


def roster_for_heat(
    entries: Iterable[dict[str, object]],
    cars: Mapping[int, int],
    numbers: Mapping[int, int] | None = None,
) -> Roster:
    """The roster of a heat from the event file: ``cars`` maps controller → entry_no.

    ``numbers`` (entry_no → race number from the start list) wins over a number stored
    with the entry, so the screens show the number painted on the car for this event.
    """
    by_entry_no = {e.get("entry_no"): e for e in entries}
    labelled = []
    for controller, entry_no in sorted(cars.items()):
        data = by_entry_no.get(entry_no, {"race_number": f"entry {entry_no}"})
        if numbers and entry_no in numbers:
            data = {**data, "race_number": numbers[entry_no]}
        labelled.append(entry_label(data, int(controller)))
    return Roster(labelled)
