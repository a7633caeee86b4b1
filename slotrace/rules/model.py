"""Provides the Mini Mille Miglia event model: event, entries, model cars, track, legs, heats.

All models are frozen pydantic v2 models with ``extra="forbid"``: they are the shape of the
event template, track and entries files and of what the store keeps in the event file.
Times are seconds (float), distances metres, speeds km/h unless a field name says otherwise.
"""

from __future__ import annotations

import datetime as _dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    """Base for every rules model: immutable and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- enums


class RulesMode(StrEnum):
    """How hard scrutineering is: STRICT rejects E4/E5/E7/E8/E11 failures, OPEN only warns."""

    STRICT = "strict"
    OPEN = "open"


class Category(StrEnum):
    """Mille Miglia category of a car."""

    SPORT = "S"
    GRAN_TURISMO = "GT"
    TURISMO = "T"


class NumberPosition(StrEnum):
    """Where a race number is painted on the model."""

    LEFT = "left"
    RIGHT = "right"
    NOSE = "nose"
    TAIL = "tail"
    ROOF = "roof"


class BodyStyle(StrEnum):
    """Open cars need a windscreen, closed cars glazing (check E8)."""

    OPEN = "open"
    CLOSED = "closed"


class NumberingMode(StrEnum):
    """How start order and race numbers are made (reference §6.2)."""

    HISTORIC = "historic"  # 1949-1957: class ascending, lot, number = start time HHMM
    PRE_1949 = "pre-1949"  # numbers free (entry order), start by class smallest first
    PRESET_1927 = "1927"  # like PRE_1949 but the largest cars start first
    MODERN = "modern"  # modern regularity: oldest first, number = position


class ClassificationMode(StrEnum):
    """Penalty mode (age coefficient, lowest wins) or points mode (merit, highest wins)."""

    PENALTY = "penalty"
    POINTS = "points"


class MeritFormula(StrEnum):
    """Which merit coefficient points mode uses (reference §6.8)."""

    MM2016 = "mm-2016"
    MM2009 = "mm-2009"


class TrialKind(StrEnum):
    """The kinds of control a leg is made of."""

    SPEED = "SPEED"
    PC = "PC"
    PM = "PM"
    CO = "CO"
    CT = "CT"


# --------------------------------------------------------------------------- entries


class Pledge(Frozen):
    """A sponsor's pledge for one car: per lap (optionally capped) and/or a fixed sum."""

    sponsor: str = Field(min_length=1)
    per_lap: float = Field(default=0.0, ge=0)
    cap: float | None = Field(default=None, ge=0)
    fixed: float = Field(default=0.0, ge=0)


class ModelCar(Frozen):
    """The scale model as presented at scrutineering (reference §6.0)."""

    marque: str = Field(min_length=1)
    model: str = Field(min_length=1)
    replica_year: int = Field(description="the Mille Miglia edition the model represents")
    build_year: int = Field(description="year the real car was built")
    displacement_cc: int = Field(gt=0)
    supercharged: bool = False
    category: Category
    body_style: BodyStyle = BodyStyle.OPEN
    body_colour: str = Field(min_length=1)
    secondary_colours: tuple[str, ...] = ()
    number_positions: frozenset[NumberPosition] = frozenset()
    has_driver: bool = True
    has_glazing: bool = True
    has_interior: bool = True
    visible_mechanicals: bool = False
    modern_decals: bool = False
    scale: int = 32
    documented_livery_ref: str | None = None
    replicated_entry_ref: str | None = None


class Entry(Frozen):
    """One entry: crew, model car and charity money.

    ``entry_no`` is the stable identity (order of entry); ``race_number`` is what is painted on
    the car (registered in advance, or assigned by the start list when None).
    """

    entry_no: int = Field(ge=1)
    race_number: int | None = Field(default=None, ge=0)
    entrant: str = Field(min_length=1)
    nationality: str = Field(min_length=2, max_length=3, description="ISO 3166 alpha-2, e.g. IT")
    co_driver: str | None = None
    ladies_crew: bool = False
    team: str | None = None
    car: ModelCar
    entry_fee: float = Field(default=0.0, ge=0)
    pledges: tuple[Pledge, ...] = ()

    @property
    def label(self) -> str:
        """'#722 Moss / Jenkinson (Mercedes-Benz 300 SLR)' style label for reports."""
        number = f"#{format_race_number(self.race_number)}" if self.race_number is not None else (
            f"entry {self.entry_no}"
        )
        crew = self.entrant + (f" / {self.co_driver}" if self.co_driver else "")
        return f"{number} {crew} ({self.car.marque} {self.car.model})"


def format_race_number(number: int) -> str:
    """Race numbers as painted: at least three digits, so 6 is '006' (00:06) and 722 is '722'."""
    return f"{number:03d}"


# --------------------------------------------------------------------------- track


class Place(Frozen):
    """A named place on the lap; ``sensor`` is the sensor group (1..3) there, if any."""

    name: str = Field(min_length=1)
    distance_m: float = Field(ge=0, description="along the driving line from the start line")
    sensor: int | None = Field(default=None, ge=1, le=3)
    loop: str | None = Field(default=None, description="name of the optional loop it lies on")


class Track(Frozen):
    """A track layout: lap length, lanes, scale and named places with sensor groups."""

    name: str = Field(min_length=1)
    title: str = ""
    scale: int = Field(default=32, gt=0)
    lap_length_m: float = Field(gt=0, description="full lap including every loop")
    lane_lengths_m: tuple[float, ...] = ()
    loops: dict[str, float] = Field(default_factory=dict, description="loop name -> length (m)")
    places: tuple[Place, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _places_consistent(self) -> Track:
        names = [p.name for p in self.places]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"place names must be unique; repeated: {', '.join(dupes)}")
        sensors = [p.sensor for p in self.places if p.sensor is not None]
        if len(sensors) != len(set(sensors)):
            raise ValueError("each sensor group may sit at one place only")
        for place in self.places:
            if place.distance_m >= self.lap_length_m:
                raise ValueError(
                    f"place {place.name!r} at {place.distance_m} m lies beyond the lap "
                    f"length {self.lap_length_m} m (expected 0 <= distance_m < lap_length_m)"
                )
            if place.loop is not None and place.loop not in self.loops:
                raise ValueError(f"place {place.name!r} names unknown loop {place.loop!r}")
        return self

    def place(self, name: str) -> Place:
        """The place called ``name``; KeyError naming the known places otherwise."""
        for place in self.places:
            if place.name == name:
                return place
        known = ", ".join(p.name for p in self.places)
        raise KeyError(f"track {self.name!r} has no place {name!r} (known: {known})")


# --------------------------------------------------------------------------- trials


class Checkpoint(Frozen):
    """A detection point: the ``crossing``-th pass of ``place`` after the trial start."""

    place: str
    crossing: int = Field(default=1, ge=1)


class SpeedTrial(Frozen):
    """Historic speed stage: ``laps`` laps from the start place, timed (reference §6.3)."""

    kind: Literal[TrialKind.SPEED] = TrialKind.SPEED
    name: str
    start: str
    laps: int = Field(ge=1)
    min_average_kmh: float | None = Field(default=None, gt=0, description="1927-style time bar")
    class_min_average_kmh: dict[str, float] = Field(
        default_factory=dict, description="per-class time bars (§6.3): class code -> the "
        "minimum average in scale km/h; slower cars of that class are not classified")


class PrecisionTrial(Frozen):
    """PC: from ``start`` (its ``pass_no``-th crossing in the leg run) to ``end`` in ``target_s``.

    The end is the ``end_crossing``-th crossing of ``end`` after the start; with end == start
    and end_crossing == N that is N laps.
    """

    kind: Literal[TrialKind.PC] = TrialKind.PC
    name: str
    start: str
    end: str
    target_s: float = Field(gt=0)
    pass_no: int = Field(default=1, ge=1)
    end_crossing: int = Field(default=1, ge=1)
    max_penalty: int = Field(default=300, ge=0)


class AverageSpeedTrial(Frozen):
    """PM: keep ``target_kmh`` (real-world, converted by scale) past secret checkpoints."""

    kind: Literal[TrialKind.PM] = TrialKind.PM
    name: str
    start: str
    target_kmh: float = Field(gt=0, le=50)
    checkpoints: tuple[Checkpoint, ...] = Field(min_length=1)
    pass_no: int = Field(default=1, ge=1)
    hundredths: bool = Field(default=False, description="1 pt per 1/100 s instead of per s")
    max_penalty: int = Field(default=300, ge=0)


class TimeControl(Frozen):
    """CO: reach ``place`` (its ``crossing``-th pass since the leg start) at ``allotted_s``."""

    kind: Literal[TrialKind.CO] = TrialKind.CO
    name: str
    place: str
    crossing: int = Field(default=1, ge=1)
    allotted_s: float = Field(gt=0)
    unit_s: float = Field(default=10.0, gt=0, description="the virtual 'minute'")
    penalty_per_unit: int = Field(default=100, ge=0)
    penalise_early: bool = True
    penalise_late: bool = True
    max_late_s: float | None = Field(default=None, gt=0)
    over_max_late_penalty: int = Field(default=1000, ge=0)


class PassageControl(Frozen):
    """CT: the places that must be crossed, in this order, during the leg."""

    kind: Literal[TrialKind.CT] = TrialKind.CT
    name: str
    places: tuple[str, ...] = Field(min_length=1)
    penalty_per_miss: int = Field(default=300, ge=0)


Trial = Annotated[
    SpeedTrial | PrecisionTrial | AverageSpeedTrial | TimeControl | PassageControl,
    Field(discriminator="kind"),
]


def trial_target(trial: object) -> str:
    """What a trial asks of a crew, as every screen, board and stage sheet shows it:
    '25.00 s', '60 km/h', 'due at 50.00 s', 'stamps Bologna, Firenze', '5 laps flat out'."""
    if isinstance(trial, PrecisionTrial):
        return f"{trial.target_s:.2f} s"
    if isinstance(trial, AverageSpeedTrial):
        return f"{trial.target_kmh:g} km/h"
    if isinstance(trial, TimeControl):
        return f"due at {trial.allotted_s:.2f} s"
    if isinstance(trial, PassageControl):
        return "stamps " + ", ".join(trial.places)
    if isinstance(trial, SpeedTrial):
        return f"{trial.laps} laps flat out"
    return ""


class Leg(Frozen):
    """A stage of the event ('Brescia -> Cervia-Milano Marittima'): one run per car."""

    name: str = Field(min_length=1)
    start_place: str = Field(description="place whose first crossing starts each car's leg")
    laps: int = Field(ge=1, description="laps each car runs in this leg")
    trials: tuple[Trial, ...] = Field(min_length=1)


# --------------------------------------------------------------------------- configuration


class NumberingConfig(Frozen):
    """Start-order and numbering settings (reference §6.2)."""

    mode: NumberingMode = NumberingMode.HISTORIC
    first_start: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    small_interval_s: int = Field(default=30, gt=0)
    big_interval_s: int = Field(default=60, gt=0)
    small_block_max_cc: int = Field(default=1100, description="classes up to this use small gaps")
    seed: int = 1955
    pinned: dict[int, int] = Field(
        default_factory=dict, description="entry_no -> race number the organiser fixed"
    )
    virtual_clock_factor: float = Field(
        default=60.0, gt=0, description="virtual seconds per real second (60: a minute a second)"
    )
    front_marques: tuple[str, ...] = Field(
        default=("OM",), description="modern mode: these marques start first (Brescia's OMs)"
    )


class CoefficientTable(Frozen):
    """Coefficient configuration; defaults are the reference's ILLUSTRATIVE values [P]."""

    illustrative: bool = True
    periods: tuple[tuple[int, int, float], ...] = (
        (1927, 1929, 0.35), (1930, 1933, 0.30), (1934, 1938, 0.25), (1940, 1940, 0.20),
        (1947, 1949, 0.15), (1950, 1953, 0.10), (1954, 1957, 0.05),
    )
    classes: tuple[tuple[int | None, float], ...] = ((750, 0.05), (1100, 0.10), (None, 0.15))
    categories: dict[Category, float] = Field(
        default_factory=lambda: {Category.SPORT: 0.20, Category.GRAN_TURISMO: 0.10,
                                 Category.TURISMO: 0.0}
    )
    winner_bonus: float = 0.05
    chassis_bonus: float = 0.05
    chassis_ran_bonus_2009: float = Field(default=0.10, description="MM-2009 bonus")


class TrophyConfig(Frozen):
    """A trophy over a named subset of trials (§6.9), e.g. the Raticosa PCs."""

    name: str = Field(min_length=1)
    trials: tuple[str, ...] = Field(min_length=1, description="trial names (PC/PM)")


class ClassificationConfig(Frozen):
    """How the overall classification is computed (reference §6.8-6.9)."""

    mode: ClassificationMode = ClassificationMode.PENALTY
    points_first: int = 420
    points_step: int = 25
    coefficients: CoefficientTable = CoefficientTable()
    merit_formula: MeritFormula = MeritFormula.MM2016
    exclude_over_max_late_on_final_leg: bool = Field(
        default=True, description="§6.6: beyond a CO's maximum lateness on the final leg "
        "(or a single-leg event) excludes the car instead of the fixed penalty")
    tie_breaks: tuple[str, ...] = (
        "zero_trials", "within_5_hundredths", "older_build_year", "first_trial", "race_number",
    )
    host_nation: str = "IT"
    trophies: tuple[TrophyConfig, ...] = ()


class Auction(Frozen):
    """An auctioned prize, e.g. race number #1 (reference §6.10)."""

    item: str
    amount: float = Field(ge=0)
    winner: str | None = None


class Event(Frozen):
    """A whole event: identity, rules, legs and charity settings."""

    name: str = Field(min_length=1)
    date: _dt.date | None = None
    venue: str = ""
    charity: str = ""
    track: str = Field(min_length=1, description="track name or path")
    scale: int = 32
    allowed_scales: frozenset[int] = frozenset({32})
    rules_mode: RulesMode = RulesMode.STRICT
    car_capacity: int = Field(default=6, ge=1, le=255)
    heat_minutes: float = Field(default=6.0, gt=0)
    changeover_minutes: float = Field(default=3.0, ge=0)
    numbering: NumberingConfig = NumberingConfig()
    classification: ClassificationConfig = ClassificationConfig()
    legs: tuple[Leg, ...] = ()
    auctions: tuple[Auction, ...] = ()
    other_donations: float = Field(default=0.0, ge=0)
    count_rejected_fees: bool = Field(
        default=True, description="§6.10: the entry fees of cars rejected at scrutineering "
        "count in the charity total (they were paid); false leaves them out")


# --------------------------------------------------------------------------- heats


class HeatSlot(Frozen):
    """One car in a heat: which entry runs on which controller address, and whether to re-code."""

    entry_no: int
    address: int = Field(ge=1, le=255)  # the driver API's CAR_LIMIT; a driver's max_cars
    recode: bool = Field(description="the car's ID must be re-programmed before this heat")


class Heat(Frozen):
    """A group of at most ``car_capacity`` cars that run a leg together."""

    leg: int = Field(ge=0, description="index into Event.legs")
    number: int = Field(ge=1, description="heat number within the whole event, 1-based")
    slots: tuple[HeatSlot, ...] = Field(min_length=1)

    def address_of(self, entry_no: int) -> int:
        """Controller address of ``entry_no`` in this heat."""
        for slot in self.slots:
            if slot.entry_no == entry_no:
                return slot.address
        raise KeyError(f"entry {entry_no} is not in heat {self.number}")

    def entry_at(self, address: int) -> int | None:
        """Entry running on controller ``address``, or None."""
        for slot in self.slots:
            if slot.address == address:
                return slot.entry_no
        return None
