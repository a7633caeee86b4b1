"""Provides the rules layer's errors: bad shipped data, bad entries, track and template files."""

from __future__ import annotations

from dataclasses import dataclass

from slotrace.errors import SlotraceError


class RulesError(SlotraceError):
    """Base of every error raised by `slotrace.rules`."""


class DataFileError(RulesError):
    """A data file shipped with slotrace (register, class or colour table) is broken.

    This is slotrace's fault (or whoever edited the package data), never the organiser's.
    """


@dataclass(frozen=True)
class Problem:
    """One problem in a user file: where (row/column or field) and what was expected."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class InputFileError(RulesError):
    """A file the organiser gave us is wrong; lists every problem found, nothing was loaded."""

    def __init__(self, source: str, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{source}: {count} {noun}, nothing imported:\n{lines}")


class EntriesFileError(InputFileError):
    """The entries CSV has problems (unknown columns, bad numbers, duplicates, unknown cars)."""


class TrackFileError(InputFileError):
    """A track TOML file is missing a field or has one in the wrong form."""


class TemplateFileError(InputFileError):
    """An event template TOML file is missing a field or has one in the wrong form."""


class NotEligibleError(RulesError):
    """A car that did not pass scrutineering was put on the grid."""
