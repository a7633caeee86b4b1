"""Provides the classification coefficients (§6.8): Italian age, MM-2016 and MM-2009 merit."""

from __future__ import annotations

from slotrace.rules.model import Category, CoefficientTable, Entry, MeritFormula
from slotrace.rules.register import Register

CATEGORY_2009 = {Category.SPORT: 0.0, Category.GRAN_TURISMO: 0.10, Category.TURISMO: 0.20}
"""MM-2009 ``c_category``: subtracted from the class value (S 0, GT 0.10, T 0.20)."""


def age_coefficient(build_year: int) -> float:
    """Italian age coefficient: 1 + (year mod 100)/100, so 1927 -> 1.27, 1957 -> 1.57."""
    return (100 + build_year % 100) / 100


def period_label(year: int, table: CoefficientTable) -> str:
    """The coefficient period a year falls in ('1927-1929'), or 'other'."""
    for first, last, _ in table.periods:
        if first <= year <= last:
            return f"{first}-{last}" if first != last else str(first)
    return "other"


def merit_coefficient(entry: Entry, table: CoefficientTable, register: Register,
                      formula: MeritFormula = MeritFormula.MM2016) -> float:
    """Merit coefficient (points x C, higher wins).

    MM-2016: ``1 + period + class + category + winner + chassis``.
    MM-2009: ``1 + (period + (class - c_category) + bonus)`` with c_category 0 / 0.10 / 0.20
    for S / GT / T and bonus 0.10 for a replica of a chassis that really ran.
    """
    registered = register.find(entry.car.marque, entry.car.model)
    first_year = (registered.first_mm_year if registered and registered.first_mm_year
                  else entry.car.replica_year)
    period = next((v for lo, hi, v in table.periods if lo <= first_year <= hi), 0.0)
    klass = next(v for limit, v in table.classes
                 if limit is None or entry.car.displacement_cc <= limit)
    if formula is MeritFormula.MM2009:
        bonus = table.chassis_ran_bonus_2009 if entry.car.replicated_entry_ref else 0.0
        return round(1 + (period + (klass - CATEGORY_2009[entry.car.category]) + bonus), 4)
    category = table.categories.get(entry.car.category, 0.0)
    winner = table.winner_bonus if registered and registered.winner else 0.0
    chassis = table.chassis_bonus if entry.car.replicated_entry_ref else 0.0
    return round(1 + period + klass + category + winner + chassis, 4)
