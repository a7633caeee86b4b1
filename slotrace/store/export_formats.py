"""Provides the JSON, CSV and HTML renderings of a results report (`build_report` data).

CSV is one table in "long" form: every row names its ``section`` (heat, overall, side,
charity, stewards) and ``group`` (which heat or side classification), so one file opens in a
spreadsheet and `parse_csv` reads it back. HTML is one printable page with inline CSS and an
inline-SVG lap-time chart per heat: no external assets, no scripts.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

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
    "detail",
)
_INT_COLUMNS = ("position", "entry_no", "car", "laps", "total_ms", "best_lap_ms")
_FLOAT_COLUMNS = ("score", "amount")
CAR_COLOURS = ("#c0392b", "#2471a3", "#229954", "#d68910", "#7d3c98", "#17a589", "#555", "#000")


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
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
                    "detail": s["status"],
                }
            )
    for r in report["overall"]:
        rows.append(
            {
                "section": "overall",
                "group": "overall",
                "position": r["position"],
                "entry_no": r["entry_no"],
                "label": r["label"],
                "score": r["score"],
            }
        )
    for name, results in report["side"].items():
        for r in results:
            rows.append(
                {
                    "section": "side",
                    "group": name,
                    "position": r["position"],
                    "entry_no": r["entry_no"],
                    "label": r["label"],
                    "score": r["raw"],
                }
            )
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
                    "detail": f"entry fee {line['entry_fee']}",
                }
            )
        for key in ("fees", "pledges", "auctions", "other_donations", "total"):
            rows.append(
                {"section": "charity", "group": "totals", "label": key, "amount": charity[key]}
            )
    for r in report["stewards_log"]:
        rows.append(
            {
                "section": "stewards",
                "group": f"heat {r['heat']}",
                "position": r["seq"],
                "car": r["car"],
                "label": r["action"],
                "detail": f"{r['reason']} ({r['author']})",
            }
        )
    return rows


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _csv_rows(report):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a CSV written by `to_csv`, with numbers as numbers (empty cells as None)."""
    rows = []
    for raw in csv.DictReader(io.StringIO(text)):
        row: dict[str, Any] = dict(raw)
        for key in _INT_COLUMNS:
            row[key] = int(raw[key]) if raw[key] else None
        for key in _FLOAT_COLUMNS:
            row[key] = float(raw[key]) if raw[key] else None
        rows.append(row)
    return rows


def _ms(value: int | None) -> str:
    if value is None:
        return ""
    minutes, ms = divmod(value, 60_000)
    return f"{minutes}:{ms / 1000:06.3f}" if minutes else f"{ms / 1000:.3f}"


def lap_chart_svg(lap_times: dict[str, list[int]], width: int = 640, height: int = 220) -> str:
    """Inline SVG: lap time (y) per lap (x), one line per car."""
    series = {car: laps for car, laps in lap_times.items() if laps}
    if not series:
        return "<p class='note'>No counted laps.</p>"
    low = min(min(v) for v in series.values())
    high = max(max(v) for v in series.values())
    most = max(len(v) for v in series.values())
    left, bottom, span = 60, height - 25, max(high - low, 1)

    def x(i: int) -> float:
        return left + (width - left - 10) * (i / max(most - 1, 1))

    def y(ms: int) -> float:
        return 10 + (bottom - 10) * (1 - (ms - low) / span)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}' role='img' aria-label='lap times'>",
        f"<line x1='{left}' y1='{bottom}' x2='{width - 10}' y2='{bottom}' stroke='#999'/>",
        f"<line x1='{left}' y1='10' x2='{left}' y2='{bottom}' stroke='#999'/>",
        f"<text x='{left - 4}' y='14' text-anchor='end' font-size='10'>{_ms(high)}</text>",
        f"<text x='{left - 4}' y='{bottom}' text-anchor='end' font-size='10'>{_ms(low)}</text>",
        f"<text x='{width - 10}' y='{height - 8}' text-anchor='end' font-size='10'>lap {most}"
        "</text>",
    ]
    for n, (car, laps) in enumerate(sorted(series.items(), key=lambda kv: int(kv[0]))):
        colour = CAR_COLOURS[n % len(CAR_COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(ms):.1f}" for i, ms in enumerate(laps))
        parts.append(
            f"<polyline fill='none' stroke='{colour}' stroke-width='1.5' "
            f"points='{points}'><title>car {escape(car)}</title></polyline>"
        )
        parts.append(
            f"<text x='{left + 8 + 55 * n}' y='{height - 8}' font-size='10' "
            f"fill='{colour}'>car {escape(car)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in r) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font: 11pt/1.35 Georgia, serif; margin: 1.5cm; color: #111; }
h1 { font-size: 18pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 18pt 0 4pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; }
th, td { border-bottom: 1px solid #ccc; padding: 2pt 6pt; text-align: left; }
td:nth-child(n+3) { font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: 9pt; } section { break-inside: avoid; }
@media print { body { margin: 0; } }
"""


def to_html(report: dict[str, Any]) -> str:
    title = escape(report["event"]) + (f" — stage {report['stage']}" if report["stage"] else "")
    out = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>",
        f"<p class='note'>Results rebuilt from the race journal (up to entry "
        f"{report['journal_seq']}) on {escape(report['generated_at'])}.</p>",
    ]
    if report["overall"]:
        out.append(
            "<section><h2>Overall classification</h2>"
            + _table(
                ["Pos", "Entry", "Score", "Raw", "Coefficient"],
                [
                    [r["position"], r["label"], r["score"], r["raw"], r["coefficient"]]
                    for r in report["overall"]
                ],
            )
            + "</section>"
        )
        for name, results in report["side"].items():
            if results:
                out.append(
                    f"<section><h2>{escape(name)}</h2>"
                    + _table(
                        ["Pos", "Entry", "Score"],
                        [[r["position"], r["label"], r["raw"]] for r in results],
                    )
                    + "</section>"
                )
    for heat in report["heats"]:
        out.append(
            f"<section><h2>Heat {heat['heat']}: {escape(heat['name'])} "
            f"({escape(heat['status'])})</h2>"
        )
        out.append(
            _table(
                ["Pos", "Car", "Entry", "Laps", "Time", "Best lap", "Gap", "Penalty", "Status"],
                [
                    [
                        s["position"],
                        s["car"],
                        s["label"],
                        s["laps"],
                        _ms(s["total_ms"]),
                        _ms(s["best_lap_ms"]),
                        s["gap"],
                        _ms(s["penalty_ms"] or None),
                        s["status"],
                    ]
                    for s in heat["standings"]
                ],
            )
        )
        out.append(lap_chart_svg(heat["lap_times"]) + "</section>")
    charity = report.get("charity")
    if charity:
        out.append(
            "<section><h2>Charity</h2>"
            + _table(
                ["Entry", "Laps", "Entry fee", "Pledged"],
                [
                    [c["label"], c["laps"], f"{c['entry_fee']:.2f}", f"{c['pledged']:.2f}"]
                    for c in charity["lines"]
                ],
            )
            + _table(
                ["Fees", "Pledges", "Auctions", "Other", "Total raised"],
                [
                    [
                        f"{charity[k]:.2f}"
                        for k in ("fees", "pledges", "auctions", "other_donations", "total")
                    ]
                ],
            )
            + "</section>"
        )
    out.append(
        "<section><h2>Stewards' log</h2>"
        + (
            _table(
                ["#", "Heat", "Decision", "Car", "Reason", "By"],
                [
                    [r["seq"], r["heat"], r["action"], r["car"], r["reason"], r["author"]]
                    for r in report["stewards_log"]
                ],
            )
            if report["stewards_log"]
            else "<p class='note'>No race-control decisions.</p>"
        )
        + "</section>"
    )
    out.append("</body></html>\n")
    return "".join(out)
