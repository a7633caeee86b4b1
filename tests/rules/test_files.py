"""Loading the shipped data and the organiser's files: every problem named, nothing half-loaded."""

from __future__ import annotations

import pytest

from slotrace.cli import main
from slotrace.rules.errors import DataFileError, EntriesFileError, TemplateFileError, TrackFileError
from slotrace.rules.files import load_track, parse_entries_csv, parse_template, parse_track
from slotrace.rules.register import parse_register

HEADER = ("entrant,nationality,marque,model,replica_year,build_year,displacement_cc,category,"
          "body_colour,race_number")


def test_register_has_the_field_and_the_negative_cases(register):
    assert len(register.marques) >= 68
    assert register.find("lancia", "d24").years == frozenset({1954})
    assert register.find("Bentley", "3 Litre").special_list
    assert register.class_for(1938, "S", True, 6000) is None


def test_broken_register_line_fails_loudly():
    good = "marque,model,country,years,overall_wins,class_wins,special_list,verified\n"
    classes = "from_year,to_year,category,supercharged,max_cc,code,label\n1927,1957,*,any,,X,x\n"
    colours = "nationality,nation,from_year,to_year,body,secondary,numbers,status,source\n"
    with pytest.raises(DataFileError, match=r"register.csv line 2 column years: '1927-19x' is not"):
        parse_register(good + "OM,665,IT,1927-19x,,,no,V\n", classes,
                       colours + "IT,I,1,2,r,,,V,a book")
    model = good + "OM,665,IT,1927,,,no,V\n"
    with pytest.raises(DataFileError, match=r"colours.csv line 2 column body: '\(unknown\)' is "
                                            r"not colours or one of \(none assigned\)"):
        parse_register(model, classes, colours + "NO,Norway,,1970,(unknown),,,U,a blog")
    with pytest.raises(DataFileError, match=r"colours.csv line 2 column source: '' is not a "
                                            "non-empty text"):
        parse_register(model, classes, colours + "NO,Norway,,1970,white,,,U,")
    with pytest.raises(DataFileError, match=r"colour-aliases.csv line 2 column uses: 'XX' is not "
                                            "a nationality of colours.csv"):
        parse_register(model, classes, colours + "IT,Italy,,,red,,,V,a book",
                       colour_aliases_csv="nationality,uses,reason\nSM,XX,San Marino\n")


def test_sample_entries_import(sample_entries):
    assert len(sample_entries) >= 80
    moss = sample_entries[0]
    assert (moss.race_number, moss.car.marque, moss.car.model) == (722, "Mercedes-Benz", "300 SLR")


def test_bad_entries_csv_lists_every_problem_by_row_and_column():
    text = "\n".join([
        HEADER + ",colur",
        "A,IT,Alfa Romeo,8C 2300,1932,1932,23x6,S,red,7,",
        "B,IT,Alfa Romeo,8C 2300,1932,1932,2336,S,red,7,",
        "C,IT,Bentlee,8C 2300,1932,1932,2336,Q,red,8,",
        "D,IT,Ferrari,166 MM,1949,nineteen,1995,S,red,9,",
    ])
    with pytest.raises(EntriesFileError) as caught:
        parse_entries_csv(text, "bad.csv")
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "row 1 column 'colur': unknown column (did you mean body_colour?)",
        "row 2 column 'displacement_cc': '23x6' is not a whole number",
        "row 3 column 'race_number': race number 7 already used on row 2",
        "row 4 column 'marque': 'Bentlee' is not a marque in the Mille Miglia register "
        "(did you mean 'Bentley'?)",
        "row 4 column 'category': Input should be 'S', 'GT' or 'T' (got 'Q')",
        "row 5 column 'build_year': 'nineteen' is not a whole number",
    ]
    assert str(caught.value).startswith("bad.csv: 6 problems, nothing imported:")


def test_missing_required_column():
    with pytest.raises(EntriesFileError, match="row 1 column 'body_colour': required column "
                       r"missing \(headed e.g. body_colour, body_color, colour, color\)"):
        parse_entries_csv(HEADER.replace(",body_colour", ""), "x.csv")


def test_broken_track_names_field_and_expected_form():
    text = 'name = "t"\nlap_length_m = "thirty"\n[[places]]\nname = "start"\ndistance_m = 0\n' \
           'sensor = 4\n'
    with pytest.raises(TrackFileError) as caught:
        parse_track(text, "t.toml")
    wheres = [p.where for p in caught.value.problems]
    assert wheres == ["field lap_length_m", "field places.0.sensor"]
    assert "less than or equal to 3" in str(caught.value)
    with pytest.raises(TrackFileError, match=r"known tracks: .*mini-mille-miglia"):
        load_track("no-such-track")


def test_template_places_must_exist_on_track(track):
    text = ('name = "x"\ntrack = "mini-mille-miglia"\n[[legs]]\nname = "L"\n'
            'start_place = "Brescia start line"\nlaps = 2\n[[legs.trials]]\nkind = "PC"\n'
            'name = "PC"\nstart = "castle gate"\nend = "village square"\ntarget_s = "soon"\n')
    with pytest.raises(TemplateFileError, match=r"field legs.0.trials.0.PC.target_s"):
        parse_template(text, "x.toml", track)
    with pytest.raises(TemplateFileError, match="'village square' has no sensor group"):
        parse_template(text.replace('"soon"', "5.0"), "x.toml", track)


def test_cli_scrutineer_startlist_heats_from_csv(capsys, tmp_path):
    from importlib import resources
    csv_path = tmp_path / "entries.csv"
    csv_path.write_text((resources.files("slotrace.rules") / "data" / "sample-entries.csv")
                        .read_text("utf-8"))
    assert main(["scrutineer", str(csv_path)]) == 3  # some rejected on purpose
    out = capsys.readouterr().out
    assert "REJECTED              #785" in out and "minute 85" in out
    assert "82 entries: 72 passed, 0 passed with warnings, 10 rejected" in out
    assert main(["startlist", str(csv_path)]) == 0
    out = capsys.readouterr().out
    assert " 722  07:22:00" in out and "  1  2100  21:00:00" in out
    assert main(["heats", str(csv_path), "--capacity", "6"]) == 0
    assert "48 heats of up to 6 cars" in capsys.readouterr().out
