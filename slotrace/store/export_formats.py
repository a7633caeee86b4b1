"""Provides the JSON, CSV and HTML renderings of a results report (`build_report` data).

CSV is one table in "long" form: every row names its ``section`` (event (name, charity, venue,
date), heat, excluded (heats not counted, and why), overall, leg, trial (the stage sheet
lines), side, team, speed, trophy, charity, stewards) and ``group`` (which heat, leg, trial or
side table), so one file opens in a spreadsheet and `parse_csv` reads it
back. The HTML page lives in `slotrace.store.export_html`.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from slotrace.rules.standings import position_text, score_text
from slotrace.store.report_model import ResultsReport, info_line, report_data

CSV_COLUMNS = (
    "section",
    "group",
    "position",
    "entry_no",
    "car",
    "label",
    "laps",
    "total_ms",
    "best_lap_ms",
    "score",
    "amount",
    "status",
    "trial",
    "target",
    "measured",
    "deviation_cs",
    "points",
    "coefficient",
    "detail",
)
_INT_COLUMNS = ("position", "entry_no", "car", "laps", "total_ms", "best_lap_ms", "deviation_cs",
                "points")
_FLOAT_COLUMNS = ("score", "amount", "coefficient")

Report = dict[str, Any] | ResultsReport


def _data(report: Report) -> dict[str, Any]:
    return report_data(report) if isinstance(report, ResultsReport) else report


def to_json(report: Report) -> str:
    return json.dumps(_data(report), indent=2, ensure_ascii=False) + "\n"


def _sanction_text(row: dict[str, Any]) -> str:
    parts = [row.get("note", "")] + [
        f"{s['kind']} {s['points']} ({s['ref']}: {s['reason']})" for s in row.get("sanctions", ())
        if s["kind"] in ("time penalty", "other penalty", "exclusion from a trial")
    ]
    return "; ".join(p for p in parts if p)


def _standing_rows(section: str, group: str, rows: list[dict[str, Any]], raw: bool = False
                   ) -> list[dict[str, Any]]:
    return [
        {
            "section": section,
            "group": group,
            "position": r["position"],
            "entry_no": r["entry_no"],
            "label": r["label"],
            "score": r["raw"] if raw else r["score"],
            "status": r.get("status", ""),
            "points": r.get("points"),
            "coefficient": r.get("coefficient"),
            "detail": _sanction_text(r),
        }
        for r in rows
    ]


def _event_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The event's identity first: name, charity, venue and date (every output names them)."""
    return [{"section": "event", "group": "event", "label": key, "detail": report.get(key) or ""}
            for key in ("event", "charity_name", "venue", "date")]


def _csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _event_rows(report)
    for heat in report["heats"]:
        for s in heat["standings"]:
            rows.append(
                {
                    "section": "heat",
                    "group": f"{heat['heat']}: {heat['name']}",
                    "position": s["position"],
                    "entry_no": s["entry_no"],
                    "car": s["car"],
                    "label": s["label"],
                    "laps": s["laps"],
                    "total_ms": s["total_ms"],
                    "best_lap_ms": s["best_lap_ms"],
                    "status": "not counted" if heat.get("excluded") else (
                        "provisional" if heat.get("in_progress") else ""),
                    "detail": "; ".join(x for x in (s["status"], heat.get("excluded", "")) if x),
                }
            )
    rows += [{"section": "excluded", "group": "heats", "label": line}
             for line in report.get("excluded_heats", ())]
    rows += _standing_rows("overall", "overall", report["overall"])
    for leg in report.get("legs", ()):
        rows += _standing_rows("leg", leg["name"], leg["rows"])
    for r in report["overall"]:
        for t in r.get("trials", ()):
            rows.append(
                {
                    "section": "trial",
                    "group": t["trial"],
                    "entry_no": r["entry_no"],
                    "label": r["label"],
                    "score": t["penalty"],
                    "status": "counted" if t["counted"] else "not yet decided",
                    "trial": t["kind"],
                    "target": t["target"],
                    "measured": t["measured"],
                    "deviation_cs": t["deviation_cs"],
                    "points": t["points"],
                    "coefficient": t["coefficient"],
                    "detail": f"leg {t['leg'] + 1}: {t['detail']}",
                }
            )
    for name, results in report["side"].items():
        rows += _standing_rows("side", name, results, raw=True)
    for team in report.get("teams", ()):
        rows.append({"section": "team", "group": "teams", "position": team["position"],
                     "label": team["team"], "score": team["score"],
                     "detail": "entries " + ", ".join(map(str, team["entry_nos"]))})
    for name, results in report.get("speed", {}).items():
        for r in results:
            rows.append({"section": "speed", "group": name, "position": r["position"],
                         "entry_no": r["entry_no"], "label": r["label"],
                         "score": r["elapsed_s"], "detail": r["detail"]})
    for trophy in report.get("trophies", ()):
        rows += _standing_rows("trophy", trophy["name"], trophy["rows"])
    charity = report.get("charity")
    if charity:
        for line in charity["lines"]:
            rows.append(
                {
                    "section": "charity",
                    "group": "pledges",
                    "entry_no": line["entry_no"],
                    "label": line["label"],
                    "laps": line["laps"],
                    "amount": line["pledged"],
                    "detail": "; ".join(x for x in (
                        f"entry fee {line['entry_fee']}"
                        + ("" if line.get("fee_counted", True) else " (not counted)"),
                        line.get("note", "")) if x),
                }
            )
        for money in charity.get("day", ()):
            rows.append(
                {
                    "section": "charity",
                    "group": "on the day",
                    "position": money["id"],
                    "label": money["who"],
                    "amount": money["amount"],
                    "status": "revoked" if not money["counted"] else "",
                    "trial": money["kind"],
                    "detail": _money_detail(money),
                }
            )
        for key in ("fees", "fees_not_counted", "pledges", "auctions", "donations", "buckets",
                    "other_donations", "total"):
            rows.append(
                {"section": "charity", "group": "totals", "label": key, "amount": charity[key]}
            )
    for r in report["stewards_log"]:
        rows.append(
            {
                "section": "stewards",
                "group": r["ref"],
                "position": r["number"],
                "car": r["car"],
                "label": r["name"],
                "status": "revoked" if r["revoked"] else "",
                "trial": r["decision"],
                "detail": "; ".join(x for x in (
                    r["detail"], r["reason"], f"by {r['author']}" if r["author"] else "",
                    r.get("at", "")) if x),
            }
        )
    return rows


def _money_detail(money: dict[str, Any]) -> str:
    parts = [money["note"], f"recorded {money['recorded_at']} by {money['author']}"]
    if not money["counted"]:
        parts.append(f"revoked {money['revoked_at']} by {money['revoked_by']}: "
                     f"{money['revoked_reason']}")
    return "; ".join(p for p in parts if p)


def charity_text_lines(report: Report) -> list[str]:
    """The charity totals and every record of money raised on the day, as text lines."""
    charity = _data(report).get("charity")
    if not charity:
        return ["No charity totals: the event has no rules or no entries yet."]
    name = f" for {charity['name']}" if charity.get("name") else ""
    lines = [f"Raised{name}: {charity['total']:,.2f}",
             f"  entry fees {charity['fees']:,.2f} · pledges {charity['pledges']:,.2f} · "
             f"auctions {charity['auctions']:,.2f} · donations {charity['donations']:,.2f} · "
             f"buckets {charity['buckets']:,.2f} · other {charity['other_donations']:,.2f}"]
    if charity.get("fees_not_counted"):
        lines.append(f"  fees of rejected entries not counted: "
                     f"{charity['fees_not_counted']:,.2f}")
    if not charity.get("day"):
        lines.append("  nothing recorded on the day yet")
    for money in charity.get("day", ()):
        mark = "" if money["counted"] else "  REVOKED"
        lines.append(f"  #{money['id']} {money['kind']:<8} {money['amount']:>10,.2f}  "
                     f"{money['who']}{mark}  ({_money_detail(money)})")
    return lines


def to_text(report: Report) -> str:
    """A plain-text summary: the event, charity, venue and date, the overall classification,
    the charity totals and the money raised on the day."""
    report = _data(report)
    lines = [report["event"] + (f" (stage {report['stage']})" if report.get("stage") else ""),
             info_line(report), ""]
    if report.get("provisional"):
        lines += ["PROVISIONAL: only the trials driven so far count.", ""]
    if report.get("excluded_heats"):
        lines += ["Not counted: " + line for line in report["excluded_heats"]] + [""]
    if report["overall"]:
        lines.append("Overall classification")
        width = max(len(r["label"]) for r in report["overall"])
        for r in report["overall"]:
            pos = position_text(r["position"], r["status"])
            score = score_text(r["score"], r["status"])
            lines.append(f"{pos:>4}  {r['label']:<{width}}  {score:>10}  {r['status']}")
        lines.append("")
    lines += charity_text_lines(report)
    return "\n".join(lines).rstrip() + "\n"


def to_csv(report: Report) -> str:
    """The report as CSV opening with a UTF-8 byte-order mark, so Excel shows 'Müller' right."""
    report = _data(report)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _csv_rows(report):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a CSV written by `to_csv`, with numbers as numbers (empty cells as None)."""
    rows = []
    for raw in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))):
        row: dict[str, Any] = dict(raw)
        for key in _INT_COLUMNS:
            row[key] = int(raw[key]) if raw[key] else None
        for key in _FLOAT_COLUMNS:
            row[key] = float(raw[key]) if raw[key] else None
        rows.append(row)
    return rows


from slotrace.store.export_html import to_html  # noqa: E402  (re-exported for the CLI)

__all__ = ["CSV_COLUMNS", "charity_text_lines", "info_line", "parse_csv", "to_csv", "to_html",
           "to_json", "to_text"]
