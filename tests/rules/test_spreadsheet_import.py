"""Entries saved by a spreadsheet import as they are: separators, headings, decimal commas, BOM."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slotrace.rules.entries_csv import load_entries_csv, read_entries_csv
from slotrace.rules.errors import EntriesFileError
from slotrace.rules.scrutineer import scrutineer
from slotrace.rules.spreadsheet import Delimiter, parse_number

EXCEL_FILE = Path(__file__).parent / "data" / "excel-semicolon-entries.csv"
"""Hand-written to match Excel's 'CSV UTF-8' in a German locale: BOM, CRLF, ';', decimal commas,
thousands points as displayed, WAHR/FALSCH, a quoted cell holding ';', an empty last row."""

ROW = ["Alice Lane", "GB", "Alfa Romeo", "8C 2300", "1933", "1933", "2336", "S", "green"]


def problems_of(text: str) -> list[str]:
    with pytest.raises(EntriesFileError) as caught:
        read_entries_csv(text, "x.csv")
    return [str(p) for p in caught.value.problems]


def test_excel_semicolon_file_with_capitalised_headings_and_decimal_commas(event):
    read = load_entries_csv(EXCEL_FILE)
    assert read.delimiter is Delimiter.SEMICOLON and read.encoding == "UTF-8"
    first, second, third, fourth = read.entries
    assert (first.entrant, first.nationality, first.team) == (
        "Anke Müller", "IT", "Scuderia Castello; Brescia")
    assert (first.car.displacement_cc, first.car.supercharged, first.entry_fee) == (1999, True, 25)
    assert first.pledges[0].sponsor == "Familie Weiß" and first.pledges[0].per_lap == 0.5
    assert (third.car.marque, third.car.category.value, third.entry_fee) == (
        "Alfa Romeo", "S", 25.5)
    assert (fourth.race_number, fourth.car.supercharged, fourth.car.displacement_cc) == (
        1207, False, 3495)
    assert second.race_number is None and [e.entry_no for e in read.entries] == [1, 2, 3, 4]
    # optional columns missing: stated once each, and no car is rejected for them (E7)
    warnings = [str(w) for w in read.warnings]
    assert ("row 1 column 'number_positions': not in the file; every car: left;right (the "
            "minimum check E7 needs; the sheet does not say)") in warnings
    assert "row 1 column 'scale': not in the file; every car: 1:32" in warnings
    assert all(v.passed for v in scrutineer(read.entries, event)), scrutineer(read.entries, event)


def test_tab_file_as_libreoffice_saves_it_and_an_excel_sep_line():
    heads = "Driver name\tNation\tMake\tModel\tYear\tBuilt\tcc\tCat\tColour\tNumbers"
    tab = read_entries_csv(heads + "\n" + "\t".join([*ROW, "left right nose"]) + "\n", "t.csv")
    assert tab.delimiter is Delimiter.TAB and tab.entries[0].car.replica_year == 1933
    assert {p.value for p in tab.entries[0].car.number_positions} == {"left", "right", "nose"}
    sep = read_entries_csv("sep=;\n" + heads.replace("\t", ";") + "\n" + ";".join(
        [*ROW, '"left;right"']) + "\n", "s.csv")
    assert sep.delimiter is Delimiter.SEMICOLON
    assert sep.entries[0].car.number_positions == frozenset({"left", "right"})
    for heading in ("#", "Race #", "No.", "Start number"):
        numbered = read_entries_csv(f"{heads},{heading}\n".replace("\t", ",") + ",".join(
            [*ROW, '"left,right"', "722"]), "n.csv")
        assert numbered.entries[0].race_number == 722, heading


def test_a_file_that_reads_as_one_column_says_so():
    text = "|".join(["entrant", "nationality", "marque"]) + "\n" + "|".join(ROW[:3])
    assert problems_of(text) == [
        "row 1: the file reads as one column (it seems separated by '|'); slotrace reads fields "
        "separated by commas, semicolons or tabs: in the spreadsheet use Save as > CSV"]


HEADINGS = "Entrant,Nationality,Marque,Model,Replica Year,Build Year,CC,Category,Body Colour"


def test_misspelt_marque_names_the_nearest_and_model_is_hinted_at_scrutineering(event):
    assert problems_of(HEADINGS + "\n" + ",".join(
        ["A", "IT", "Ferarri", "166 MM", "1949", "1949", "1995", "S", "red"])) == [
        "row 2 column 'Marque': 'Ferarri' is not a marque in the Mille Miglia register "
        "(did you mean 'Ferrari'?)"]
    read = read_entries_csv(HEADINGS + "\nA,IT,ferrari,166MM,1949,1949,1995,S,red\n", "x.csv")
    verdict = scrutineer(read.entries, event)[0]
    assert [f.reason for f in verdict.findings if f.check.code == "E2"] == [
        "Ferrari 166MM is not in the Mille Miglia register (did you mean Ferrari 166 MM?)"]


def test_cell_errors_name_the_column_as_the_file_heads_it():
    text = HEADINGS.replace(",", ";") + ";Entry fee\n" + ";".join(
        ["A", "IT", "Alfa Romeo", "8C 2300", "1933", "1933", "2336,5", "S", "red", "25 euro"])
    assert problems_of(text) == [
        "row 2 column 'CC': '2336,5' is not a whole number (in this file ',' is the decimal comma)",
        "row 2 column 'Entry fee': '25 euro' is not a number",
    ]


def test_a_header_row_repeated_further_down_is_one_problem_not_one_per_column():
    """Two exports pasted one under the other: the second header row is named once, with what
    to do, not read as an entry whose every cell is wrong."""
    row = ";".join(ROW)
    text = HEADINGS.replace(",", ";") + "\n" + row + "\n" + HEADINGS.upper().replace(",", ";")
    text += "\n" + row.replace("Alice Lane", "Bob Lane") + "\n"
    assert problems_of(text) == [
        "row 3: repeats the header row (row 1): delete it (two exports pasted together?)"]


def test_unrelated_columns_are_ignored_with_a_warning_and_two_meanings_of_one_are_refused():
    read = read_entries_csv(HEADINGS + ",E-mail,\n" + ",".join([*ROW, "a@b.c", ""]), "x.csv")
    assert "row 1 column 'E-mail': not a slotrace column; ignored" in map(str, read.warnings)
    assert problems_of(HEADINGS + ",Driver\n" + ",".join([*ROW, "B"])) == [
        "row 1 column 'Driver': means entrant, like column 'Entrant'; keep one of them"]
    assert problems_of(HEADINGS + "\n" + ",".join([*ROW, "stray"])) == [
        "row 2: value 'stray' in column 10, which has no heading"]


def test_windows_1252_file_reads_with_a_warning(tmp_path):
    path = tmp_path / "ansi.csv"
    path.write_bytes((HEADINGS + "\nJörg Müller,DE,Mercedes-Benz,300 SLR,1955,1955,2982,S,silver"
                      "\n").encode("cp1252"))
    read = load_entries_csv(path)
    assert read.entries[0].entrant == "Jörg Müller" and read.encoding == "Windows-1252"
    assert str(read.warnings[0]).startswith("ansi.csv: not UTF-8; read as Windows-1252")


@pytest.mark.parametrize(("text", "whole", "decimal_comma", "expected"), [
    ("25,00", False, True, 25.0), ("1.995", True, True, 1995), ("1,995", True, False, 1995),
    ("2,5", False, False, 2.5), ("1.234,50", False, True, 1234.5), ("1,234.50", False, False,
                                                                    1234.5),
    ("1995,0", True, True, 1995), ("€ 25", False, False, 25.0), ("2 336 cc", True, True, 2336),
    ("1'995", True, False, 1995),
])
def test_numbers_as_spreadsheets_write_them(text, whole, decimal_comma, expected):
    assert parse_number(text, whole=whole, decimal_comma=decimal_comma) == expected


@pytest.mark.parametrize("text", ["1995,5", "12-3", "", "x", "1.2.3,4,5"])
def test_not_whole_numbers(text):
    with pytest.raises(ValueError):
        parse_number(text, whole=True, decimal_comma=True)


def test_cli_imports_the_excel_file_with_notes_and_imports_nothing_on_error(tmp_path, capsys):
    from slotrace.cli import main
    from slotrace.store import EventFile

    event = tmp_path / "e.slotrace"
    assert main(["new", str(event)]) == 0
    assert main(["entries", "import", str(event), str(EXCEL_FILE)]) == 0
    out = capsys.readouterr().out
    assert "note: row 1 column 'number_positions': not in the file" in out
    assert "imported 4 entries" in out and "(semicolon-separated, UTF-8)" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADINGS.replace(",", ";") + "\nA;IT;Ferarri;166 MM;1949;1949;1995,5;S;red\n",
                   encoding="utf-8")
    assert main(["entries", "import", str(event), str(bad)]) != 0
    err = capsys.readouterr().err
    assert f"{bad}: 2 problems, nothing imported" in err and "did you mean 'Ferrari'?" in err
    with EventFile.open(event, read_only=True) as event_file:
        assert len(event_file.entries()) == 4


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(HEADINGS + ";\t\n\",.-0123456789 x\ufeff")),
               max_size=300))
def test_arbitrary_text_raises_only_the_entries_error(text):
    try:
        read_entries_csv(text, "fuzz.csv")
    except EntriesFileError as exc:
        assert all(p.where for p in exc.problems)
