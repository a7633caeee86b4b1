"""Provides what a spreadsheet-saved CSV needs: decoding, delimiter sniffing, numbers, flags.

Excel and LibreOffice save "CSV" in the locale's habits: a UTF-8 byte-order mark or Windows-1252,
semicolons where the decimal separator is a comma (``25,00``), an Excel ``sep=;`` first line,
``WAHR``/``FALSCH`` for booleans, trailing empty columns. These helpers turn all of that into
plain values; they never guess silently between two readings that give different numbers.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from enum import Enum

UTF8_BOM = "\ufeff"


class Delimiter(Enum):
    """The field separators a spreadsheet writes, by name for messages."""

    COMMA = ","
    SEMICOLON = ";"
    TAB = "\t"

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Decoded:
    """A file's text and the encoding it was read with (named for a warning when not UTF-8)."""

    text: str
    encoding: str


def decode(data: bytes) -> Decoded:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Excel's plain "CSV" format on Windows is Windows-1252; its "Unicode text" is UTF-16.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(data.decode("utf-16"), "UTF-16")
    try:
        return Decoded(data.decode("utf-8-sig"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("cp1252"), "Windows-1252")
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), "Latin-1")


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the table starts and how its fields are separated."""

    delimiter: Delimiter
    header_line: int
    """1-based line number of the header row in the file."""
    declared: bool
    """True when an Excel ``sep=`` line named the delimiter."""


def sniff(lines: list[str]) -> Layout:
    """The delimiter of the table whose header is the first line not starting with '#'.

    An Excel ``sep=X`` line before the header decides; otherwise the separator that splits the
    header into the most fields wins (comma on a tie), quotes respected.
    """
    index = 0
    while index < len(lines) and lines[index].startswith("#"):
        index += 1
    declared = None
    if index < len(lines) and lines[index].strip().casefold().startswith("sep="):
        mark = lines[index].strip()[4:5] or ","
        declared = {d.value: d for d in Delimiter}.get(mark)
        index += 1
    header = lines[index] if index < len(lines) else ""
    if declared is not None:
        return Layout(declared, index + 1, True)
    best = Delimiter.COMMA
    best_count = 0
    for delimiter in Delimiter:
        count = len(next(csv.reader([header], delimiter=delimiter.value), []))
        if count > best_count:
            best, best_count = delimiter, count
    return Layout(best, index + 1, False)


def header_key(text: str) -> str:
    """'Driver name' -> 'driver_name', 'Displacement (cc)' -> 'displacement_cc', ' CC ' -> 'cc'."""
    return re.sub(r"[^0-9a-z]+", "_", text.strip().casefold()).strip("_")


_SPACES = re.compile(r"[\s\u00a0\u202f']")
_UNITS = re.compile(r"(?i)(€|£|\$|eur|chf|gbp|usd|ccm|cm3|cm³|cc)")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_GROUPED_POINT = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_number(value: str, *, whole: bool, decimal_comma: bool) -> int | float:
    """A number as a spreadsheet writes it; ValueError when it is not one.

    ``decimal_comma`` (a semicolon or tab file) reads ``25,00`` as 25.0 and ``1.995`` as 1995;
    otherwise ``1,995`` is 1995 and ``2,5`` still 2.5. Both marks in one number: the last is the
    decimal mark. Spaces, apostrophes (1'995), currency signs and cc units are ignored. With
    ``whole``, ``1995,0`` is 1995 but ``1995,5`` is an error.
    """
    text = _UNITS.sub("", _SPACES.sub("", value))
    if not text or text.count("-") > (1 if text.startswith("-") else 0):
        raise ValueError(value)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in text:
        grouped = _GROUPED_COMMA.match(text.lstrip("-")) and not decimal_comma
        text = text.replace(",", "") if grouped else text.replace(",", ".")
    elif "." in text and decimal_comma and _GROUPED_POINT.match(text.lstrip("-")):
        text = text.replace(".", "")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
        raise ValueError(value)
    number = float(text)
    if whole:
        if not number.is_integer():
            raise ValueError(value)
        return int(number)
    return number


TRUE_WORDS = frozenset({
    "yes", "y", "true", "1", "x", "✓", "✔", "ja", "j", "wahr", "oui", "vrai", "si", "sì", "sí",
    "vero", "verdadero",
})
FALSE_WORDS = frozenset({
    "no", "n", "false", "0", "", "-", "nein", "falsch", "non", "faux", "falso",
})


def parse_flag(value: str) -> bool | None:
    """yes/no as spreadsheets and people write it (TRUE, WAHR, x, ja, oui...); None if not."""
    word = value.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
