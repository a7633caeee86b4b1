"""Charity on the day (§6.10): money recorded with who and when, revoked with a reason, pledges on
the laps the classification counts, the template's choice on rejected entries' fees, and the
charity, venue and date on every output. Every expected sum below is worked out by hand.

The event: three entries, the shipped 2020 template dated 16 May 2026.
  entry 1 (GB, green): fee 20.00, pledge 2.00/lap capped at 7.00, plus 5.00 fixed
  entry 2 (AU, green): fee 25.00, pledge 1.50/lap, no cap
  entry 3 (a 1:43 model, rejected at E1): fee 30.00, pledge 10.00/lap + 10.00 fixed
One heat: car 1 (entry 1) crosses the line 5 times = 4 laps; car 2 (entry 2) 4 times = 3 laps,
and the steward credits it one lap it did not get (AddLap) = 4 laps the classification counts.
  pledges: entry 1 min(7.00, 2.00 x 4) + 5.00 = 12.00; entry 2 1.50 x 4 = 6.00; entry 3 none
  (it never started) -> 18.00
  fees: 20 + 25 + 30 = 75.00 (default: a rejected entry's paid fee counts); 45.00 when the
  template says count_rejected_fees = false
On the day: auction 150.00 (race number #1), bucket 83.40, donation 50.00 (revoked: counted
twice), donation 12,50 typed with a decimal comma = 12.50.
  total = 75.00 + 18.00 + 150.00 + 83.40 + 12.50 = 338.90
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from slotrace.cli import main
from slotrace.drivers_api import CarPassed, ModeFlags, StartLight, StatusReport
from slotrace.engine import AddLap, SessionConfig, SessionKind
from slotrace.rules.model import Heat, HeatSlot
from slotrace.store import EventFile
from slotrace.store.charity import CharityRecordError, add_money, day_money, revoke_money
from slotrace.store.export_formats import parse_csv
from slotrace.store.results import build_report

CAR = {"marque": "Alfa Romeo", "model": "8C 2300", "replica_year": 1932, "build_year": 1932,
       "displacement_cc": 2336, "supercharged": True, "category": "S", "body_colour": "green",
       "number_positions": ["left", "right", "nose"]}
ENTRIES = [
    {"entry_no": 1, "race_number": 101, "entrant": "Tom Hale", "nationality": "GB", "car": CAR,
     "entry_fee": 20.0, "pledges": [{"sponsor": "Bakery", "per_lap": 2.0, "cap": 7.0,
                                     "fixed": 5.0}]},
    {"entry_no": 2, "race_number": 102, "entrant": "Kylie Dunn", "nationality": "AU", "car": CAR,
     "entry_fee": 25.0, "pledges": [{"sponsor": "Surf shop", "per_lap": 1.5}]},
    {"entry_no": 3, "race_number": 103, "entrant": "Rita Lenz", "nationality": "IT",
     "car": {**CAR, "body_colour": "red", "scale": 43}, "entry_fee": 30.0,
     "pledges": [{"sponsor": "Garage", "per_lap": 10.0, "fixed": 10.0}]},
]


def clock(hour: int, minute: int):
    return lambda: datetime(2026, 5, 16, hour, minute, tzinfo=UTC)


def make_event(folder: Path, count_rejected_fees: bool = True) -> Path:
    shipped = (resources.files("slotrace.rules") / "templates" / "mille-miglia-2020.toml"
               ).read_text("utf-8")
    assert "count_rejected_fees = true\n" in shipped  # the shipped default
    template = folder / "charity-day.toml"
    template.write_text(shipped.replace(
        'name = "Mini Mille Miglia 2020"\n', 'name = "Charity Day"\ndate = 2026-05-16\n').replace(
        "count_rejected_fees = true", f"count_rejected_fees = {str(count_rejected_fees).lower()}"),
        "utf-8")
    path = folder / "charity.slotrace"
    assert main(["new", str(path), "--template", str(template)]) == 0
    stream = [StatusReport((15,) * 8, StartLight.READY, ModeFlags.NONE),
              StatusReport((15,) * 8, StartLight.GO, ModeFlags.NONE),
              StatusReport((15,) * 8, StartLight.OFF, ModeFlags.NONE)]
    stream += [CarPassed(1, 1, 1000 + 25_000 * i) for i in range(5)]  # 4 laps
    stream += [CarPassed(2, 1, 1500 + 26_000 * i) for i in range(4)]  # 3 laps
    stream.sort(key=lambda c: getattr(c, "device_ms", -1))
    stream.append(AddLap(car=2, reason="lap missed by the sensor", author="chief steward"))
    with EventFile.open(path) as ef:
        ef.set_entries(ENTRIES)
        slots = (HeatSlot(entry_no=1, address=1, recode=False),
                 HeatSlot(entry_no=2, address=2, recode=False))
        recorder = ef.start_heat("Brescia heat", SessionConfig(kind=SessionKind.RACE_LAPS,
                                                               laps=10),
                                 stage=1, plan=Heat(leg=0, number=1, slots=slots))
        recorder.append_many(stream)
    return path


def record_the_day(path: Path) -> None:
    with EventFile.open(path) as ef:
        add_money(ef, "auction", "150", who="M. Rossi", note="race number #1", author="Anna",
                  clock=clock(10, 5))
        add_money(ef, "bucket", 83.40, who="paddock bucket", author="Anna", clock=clock(12, 0))
        add_money(ef, "donation", "50", who="Bar Sport", author="Anna", clock=clock(12, 30))
        revoke_money(ef, 3, reason="counted twice", author="treasurer", clock=clock(13, 0))
        add_money(ef, "donation", "12,50", who="a spectator", author="Anna", clock=clock(14, 0))


@pytest.fixture
def event(tmp_path: Path) -> Path:
    path = make_event(tmp_path)
    record_the_day(path)
    return path


def _export(path: Path, fmt: str, out: Path) -> str:
    assert main(["results", str(path), "--format", fmt, "-o", str(out)]) == 0
    return out.read_text("utf-8")


def test_the_day_is_recorded_with_who_and_when_and_a_revoke_keeps_the_record(event: Path):
    with EventFile.open(event, read_only=True) as ef:
        money = day_money(ef)
    assert [(m.id, m.kind.value, m.amount, m.who, m.author, m.recorded_at, m.counted)
            for m in money] == [
        (1, "auction", 150.0, "M. Rossi", "Anna", "2026-05-16T10:05:00+00:00", True),
        (2, "bucket", 83.4, "paddock bucket", "Anna", "2026-05-16T12:00:00+00:00", True),
        (3, "donation", 50.0, "Bar Sport", "Anna", "2026-05-16T12:30:00+00:00", False),
        (5, "donation", 12.5, "a spectator", "Anna", "2026-05-16T14:00:00+00:00", True),
    ]  # record 4 is the revocation of 3
    assert (money[2].revoked_reason, money[2].revoked_by, money[2].revoked_at) == (
        "counted twice", "treasurer", "2026-05-16T13:00:00+00:00")


def test_totals_count_pledges_on_the_classified_laps_and_rejected_fees(event: Path):
    with EventFile.open(event, read_only=True) as ef:
        report = build_report(ef)
    charity = report["charity"]
    lines = {line["entry_no"]: line for line in charity["lines"]}
    assert (lines[1]["laps"], lines[1]["pledged"]) == (4, 12.0)
    assert (lines[2]["laps"], lines[2]["pledged"]) == (4, 6.0)  # 3 driven + 1 added by steward
    assert (lines[3]["laps"], lines[3]["pledged"]) == (0, 0.0)
    assert lines[3]["note"] == "rejected at scrutineering: fee counted"
    assert (charity["fees"], charity["pledges"], charity["auctions"], charity["buckets"],
            charity["donations"]) == (75.0, 18.0, 150.0, 83.4, 12.5)
    assert charity["total"] == 338.9


def test_template_can_leave_rejected_entries_fees_out(tmp_path: Path):
    path = make_event(tmp_path, count_rejected_fees=False)
    with EventFile.open(path, read_only=True) as ef:
        charity = build_report(ef)["charity"]
    assert (charity["fees"], charity["fees_not_counted"]) == (45.0, 30.0)
    assert charity["total"] == 45.0 + 18.0  # nothing recorded on the day in this file
    [rejected] = [line for line in charity["lines"] if not line["fee_counted"]]
    assert rejected["entry_no"] == 3


def test_charity_venue_and_date_on_every_output(event: Path, tmp_path: Path):
    named = ("Alzheimer's Research", "Castello delle Forme", "2026-05-16")
    report = json.loads(_export(event, "json", tmp_path / "r.json"))
    assert (report["charity_name"], report["venue"], report["date"]) == named
    assert report["charity"]["total"] == 338.9
    rows = parse_csv(_export(event, "csv", tmp_path / "r.csv"))
    event_rows = {r["label"]: r["detail"] for r in rows if r["section"] == "event"}
    assert (event_rows["charity_name"], event_rows["venue"], event_rows["date"]) == named
    day = [r for r in rows if r["group"] == "on the day"]
    assert [(r["position"], r["trial"], r["amount"], r["status"]) for r in day] == [
        (1, "auction", 150.0, ""), (2, "bucket", 83.4, ""), (3, "donation", 50.0, "revoked"),
        (5, "donation", 12.5, "")]
    assert "counted twice" in day[2]["detail"]
    totals = {r["label"]: r["amount"] for r in rows if r["group"] == "totals"}
    assert totals["total"] == 338.9
    html = _export(event, "html", tmp_path / "r.html")
    assert "In aid of Alzheimer&#x27;s Research · Castello delle Forme · 2026-05-16" in html
    assert "Charity: Alzheimer&#x27;s Research" in html and "338.90" in html
    assert "revoked by treasurer: counted twice" in html
    text = _export(event, "text", tmp_path / "r.txt")
    assert text.splitlines()[1] == ("In aid of Alzheimer's Research · Castello delle Forme · "
                                    "2026-05-16")
    assert "Raised for Alzheimer's Research: 338.90" in text


def test_cli_add_revoke_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = make_event(tmp_path)
    assert main(["charity", str(path), "add", "--auction", "150", "--who", "M. Rossi",
                 "--note", "race number #1"]) == 0
    assert main(["charity", str(path), "add", "--bucket", "83.40", "--who", "paddock bucket",
                 "--by", "Anna"]) == 0
    out = capsys.readouterr().out
    assert "recorded #1: auction 150.00 from M. Rossi" in out
    assert "recorded #2: bucket 83.40 from paddock bucket" in out and "by Anna" in out
    assert main(["charity", str(path), "revoke", "2", "--reason", "bucket counted twice"]) == 0
    assert "revoked #2 (bucket counted twice; record #3, by organiser)" in capsys.readouterr().out
    assert main(["charity", str(path), "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[:3] == [
        "Charity Day",
        "In aid of Alzheimer's Research · Castello delle Forme · 2026-05-16",
        "Raised for Alzheimer's Research: 243.00",  # fees 75 + pledges 18 + auction 150
    ]
    assert any(line.startswith("  #2 bucket") and "REVOKED" in line for line in listing)


def test_refusals_name_the_problem_and_record_nothing(event: Path, capsys):
    with EventFile.open(event) as ef:
        for kind, amount, who, match in (
            ("donation", "-5", "x", "amount '-5' must be more than 0"),
            ("donation", "ten", "x", "amount 'ten' is not a number like 150 or 12.50"),
            ("donation", "1.005", "x", "more than 2 decimals"),
            ("bucket", "5", " ", "a bucket needs --who"),
            ("raffle", "5", "x", "kind 'raffle' is not one of auction, donation, bucket"),
        ):
            with pytest.raises(CharityRecordError, match=match):
                add_money(ef, kind, amount, who=who, author="Anna")
        with pytest.raises(CharityRecordError, match="no charity record 9 to revoke"):
            revoke_money(ef, 9, reason="typo", author="Anna")
        with pytest.raises(CharityRecordError, match="record 3 was already revoked "
                                                     r"\(counted twice, by treasurer\)"):
            revoke_money(ef, 3, reason="again", author="Anna")
        with pytest.raises(CharityRecordError, match="needs a reason"):
            revoke_money(ef, 1, reason=" ", author="Anna")
        assert len(day_money(ef)) == 4
    assert main(["charity", str(event), "revoke", "9", "--reason", "typo"]) == 1
    assert "slotrace charity: error:" in capsys.readouterr().err
