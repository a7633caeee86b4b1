"""Scrutineering: every check E1-E11 fails on a purpose-built entry and passes on a clean one."""

from __future__ import annotations

import pytest
from conftest import make_entry

from slotrace.rules.errors import NotEligibleError
from slotrace.rules.model import RulesMode
from slotrace.rules.scrutineer import (
    Check,
    Severity,
    check_entry,
    require_passed,
    scrutineer,
    summarise,
)


def codes(verdict):
    return [f.check for f in verdict.findings]


def test_clean_entry_passes_every_check(event, register):
    verdict = check_entry(make_entry(race_number=150), event, register)
    assert verdict.findings == ()
    assert verdict.passed and verdict.status == "PASSED"
    assert verdict.class_code == "D"  # 1927-1935 letter classes: 2,336 cc is up to 3000 cc


@pytest.mark.parametrize(
    ("overrides", "check", "reason"),
    [
        (dict(scale=43), Check.E1, "1:43 model; this event accepts 1:32"),
        (dict(marque="Bentley", model="3 Litre", replica_year=1927, build_year=1923,
              supercharged=False, body_colour="green"), Check.E2,
         "Bentley 3 Litre never ran the Mille Miglia (special-list only)"),
        (dict(model="Tipo 33 Stradale"), Check.E2, "Alfa Romeo Tipo 33 Stradale is not in"),
        (dict(build_year=1958), Check.E3, "1958 car: built after the last speed race"),
        (dict(marque="Lancia", model="D24", replica_year=1950, build_year=1954,
              displacement_cc=3284, supercharged=False), Check.E4,
         "Lancia D24 did not run in 1950 (ran 1954)"),
        (dict(body_colour="green"), Check.E5, "entrant from Italy in green without documentation"),
        (dict(number_positions={"left", "nose"}), Check.E7, "number missing on right flank"),
        (dict(body_style="closed", has_glazing=False), Check.E8, "closed car without glazing"),
        (dict(has_driver=False), Check.E8, "no driver figure"),
        (dict(replica_year=1938, build_year=1938, displacement_cc=6000, model="8C 2900 B"),
         Check.E10, "no 1938 class for a 6,000 cc supercharged Sport car"),
        (dict(modern_decals=True), Check.E11, "modern sponsor decal"),
    ],
)
def test_each_check_fails_on_purpose_built_entry(event, register, overrides, check, reason):
    verdict = check_entry(make_entry(**overrides), event, register)
    assert check in codes(verdict)
    finding = next(f for f in verdict.findings if f.check is check)
    assert reason in finding.reason
    assert not verdict.passed  # strict mode rejects every one of these


def test_785_is_not_a_valid_start_time(event, register):
    entry = make_entry(race_number=785, marque="Ferrari", model="500 Mondial", replica_year=1954,
                       build_year=1954, displacement_cc=1985, supercharged=False)
    verdict = check_entry(entry, event, register)
    assert [str(f) for f in verdict.findings] == [
        "E6 reject: #785 is not a valid start time: minute 85"]


def test_pre_1949_numbers_need_not_be_times(event, register):
    assert check_entry(make_entry(race_number=785), event, register).findings == ()


def test_pre_1927_build_needs_an_early_model(event, register):
    early = make_entry(marque="OM", model="665 Superba", replica_year=1927, build_year=1925,
                       displacement_cc=1999, supercharged=False)
    assert check_entry(early, event, register).findings == ()
    late_model = make_entry(build_year=1925)  # 8C 2300 first ran 1932
    assert Check.E3 in codes(check_entry(late_model, event, register))


def test_documented_livery_overrides_colour(event, register):
    entry = make_entry(nationality="IT", body_colour="light blue",
                       documented_livery_ref="1950 Marzotto 195 S light blue")
    assert check_entry(entry, event, register).findings == ()


def test_colour_follows_entrant_not_make(event, register):
    british_ferrari = make_entry(nationality="GB", body_colour="green")
    assert check_entry(british_ferrari, event, register).findings == ()


@pytest.mark.parametrize(("nationality", "colour"), [
    ("AU", "green"),  # Australia: green with a gold stripe (NZ Classic Car 2016)
    ("ES", "red"), ("ES", "yellow"),  # Spain: red and yellow, which is the body not settled
    ("NZ", "green"), ("ZA", "gold"), ("AR", "light blue"), ("MX", "gold"), ("PT", "red"),
    ("SE", "blue"), ("AT", "white"), ("HU", "green"), ("IE", "green"), ("MC", "white"),
    ("CZ", "white"),  # a Czech entrant takes Czechoslovakia's colour (colour-aliases.csv)
    ("uk", "british racing green"),
])
def test_modern_entrant_nations_pass_e5_in_strict_mode(event, register, nationality, colour):
    entry = make_entry(nationality=nationality, body_colour=colour)
    verdict = check_entry(entry, event, register)
    assert event.rules_mode is RulesMode.STRICT
    assert verdict.findings == () and verdict.status == "PASSED"


@pytest.mark.parametrize(("nationality", "colour", "allowed"), [
    ("ES", "green", "Spain in green without documentation (1932 colour: red or yellow)"),
    ("AU", "red", "Australia in red without documentation (1932 colour: green)"),
    ("SK", "red", "Czechoslovakia in red without documentation (1932 colour: white)"),
])
def test_wrong_colour_of_a_modern_nation_is_rejected_in_strict_mode(event, register, nationality,
                                                                     colour, allowed):
    verdict = check_entry(make_entry(nationality=nationality, body_colour=colour), event, register)
    assert [str(f) for f in verdict.findings] == [f"E5 reject: entrant from {allowed}"]


def test_german_colour_follows_the_period(event, register):
    """White until 1933, silver (or white) from 1934 (reference: Germany rows)."""
    white_1932 = make_entry(nationality="DE", body_colour="white")
    silver_1932 = make_entry(nationality="DE", body_colour="silver")
    silver_1938 = make_entry(nationality="DE", body_colour="silver", replica_year=1938,
                             build_year=1938, model="8C 2900 B", displacement_cc=2905)
    assert check_entry(white_1932, event, register).findings == ()
    assert [f.check for f in check_entry(silver_1932, event, register).findings] == [Check.E5]
    assert Check.E5 not in codes(check_entry(silver_1938, event, register))


@pytest.mark.parametrize(("nationality", "why"), [
    ("NO", "no national racing colour for Norway in 1932 (no scheme is on record)"),
    ("JP", "no national racing colour for Japan in 1932 (none had been assigned)"),
    ("IN", "no national racing colour for IN in 1932 (the colours table has no row for it)"),
    ("DK", "no national racing colour for Denmark in 1932 (the period scheme names no body colour;"
           " scheme: danish flag (red with white cross) as a lengthwise stripe on the bonnet)"),
])
def test_nation_without_a_colour_passes_strict_e5_with_a_warning(event, register, nationality, why):
    """The documented rule (data/colours.csv): body colour not checked, an E5 warning says so."""
    verdict = check_entry(make_entry(nationality=nationality, body_colour="purple"), event,
                          register)
    assert [str(f) for f in verdict.findings] == [f"E5 warning: {why}: body colour purple "
                                                  "not checked"]
    assert verdict.passed and verdict.status == "PASSED WITH WARNINGS"


def test_every_colour_row_names_its_source(register):
    assert all(c.source for c in register.colours)
    nations = {c.nationality for c in register.colours}
    # the nations of the Mille Miglia register's marques and the modern ones asked for
    assert {"IT", "DE", "GB", "FR", "US", "AU", "ES", "NZ", "ZA", "JP", "CA", "AR", "BR", "AT",
            "CH", "BE", "NL", "SE", "PT", "MX", "IE"} <= nations
    assert len(nations) >= 37


def test_open_mode_turns_strict_only_checks_into_warnings(event, register):
    open_event = event.model_copy(update={"rules_mode": RulesMode.OPEN})
    verdict = check_entry(make_entry(body_colour="green", modern_decals=True), open_event,
                          register)
    assert {f.severity for f in verdict.findings} == {Severity.WARNING}
    assert verdict.passed and verdict.status == "PASSED WITH WARNINGS"
    assert not check_entry(make_entry(scale=24), open_event, register).passed  # E1 always


def test_duplicate_race_number_rejects_the_later_entry(event, register):
    verdicts = scrutineer([make_entry(1, 722), make_entry(2, 722)], event, register)
    assert verdicts[0].passed
    assert [str(f) for f in verdicts[1].findings] == ["E9 reject: #722 already taken by entry 1"]


def test_sample_entries_fail_exactly_where_documented(sample_entries, event, register):
    verdicts = scrutineer(sample_entries, event, register)
    failing = {v.entry_no: [f.check.code for f in v.findings] for v in verdicts if v.findings}
    assert failing == {11: ["E2"], 21: ["E4"], 31: ["E6"], 41: ["E1"], 51: ["E5"], 61: ["E7"],
                       71: ["E8"], 76: ["E11"], 80: ["E3"], 81: ["E10"]}
    summary = summarise(verdicts)
    assert (summary.entries, summary.passed, summary.rejected) == (82, 72, 10)


def test_rejected_cars_cannot_be_put_on_the_grid(event, register):
    verdicts = scrutineer([make_entry(1), make_entry(2, scale=43)], event, register)
    require_passed(verdicts, [1])
    with pytest.raises(NotEligibleError, match=r"did not pass scrutineering .*1:43"):
        require_passed(verdicts, [1, 2])
    with pytest.raises(NotEligibleError, match="entry 3 has not been scrutineered"):
        require_passed(verdicts, [3])
