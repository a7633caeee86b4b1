"""Provides the printable HTML results page: classifications, a stage sheet per car, heats.

One page with inline CSS and an inline-SVG lap-time chart per heat: no external assets, no
scripts. Reads the JSON data of a `ResultsReport` (`report_data`).
"""

from __future__ import annotations

from html import escape
from typing import Any

from slotrace.rules.standings import coefficient_text, position_text, score_text
from slotrace.store.report_model import ResultsReport, info_line, report_data

CAR_COLOURS = ("#c0392b", "#2471a3", "#229954", "#d68910", "#7d3c98", "#17a589", "#555", "#000")


def _ms(value: int | None) -> str:
    if value is None:
        return ""
    minutes, ms = divmod(value, 60_000)
    return f"{minutes}:{ms / 1000:06.3f}" if minutes else f"{ms / 1000:.3f}"


def lap_chart_svg(lap_times: dict[str, list[int]], width: int = 640, height: int = 220,
                  labels: dict[str, str] | None = None) -> str:
    """Inline SVG: lap time (y) per lap (x), one line per car, and a legend naming each car
    by ``labels`` (controller -> '#722 Moss'; the controller number when not given)."""
    labels = labels or {}
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
        f"<figure class='chart'><svg xmlns='http://www.w3.org/2000/svg' "
        f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img' "
        "aria-label='lap times'>",
        f"<line x1='{left}' y1='{bottom}' x2='{width - 10}' y2='{bottom}' stroke='#999'/>",
        f"<line x1='{left}' y1='10' x2='{left}' y2='{bottom}' stroke='#999'/>",
        f"<text x='{left - 4}' y='14' text-anchor='end' font-size='10'>{_ms(high)}</text>",
        f"<text x='{left - 4}' y='{bottom}' text-anchor='end' font-size='10'>{_ms(low)}</text>",
        f"<text x='{left}' y='{height - 8}' font-size='10'>lap 1</text>",
        f"<text x='{width - 10}' y='{height - 8}' text-anchor='end' font-size='10'>lap {most}"
        "</text>",
    ]
    legend = []
    for n, (car, laps) in enumerate(sorted(series.items(), key=lambda kv: int(kv[0]))):
        colour = CAR_COLOURS[n % len(CAR_COLOURS)]
        name = escape(labels.get(car, f"car {car}"))
        points = " ".join(f"{x(i):.1f},{y(ms):.1f}" for i, ms in enumerate(laps))
        parts.append(
            f"<polyline fill='none' stroke='{colour}' stroke-width='1.5' "
            f"points='{points}'><title>{name}</title></polyline>"
        )
        legend.append(f"<span style='color:{colour}'>&#9632;</span> {name}")
    parts.append("</svg><figcaption class='legend'>" + " &#160; ".join(legend)
                 + "</figcaption></figure>")
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
.info { margin: 0 0 6pt; font-style: italic; }
.note { color: #555; font-size: 9pt; } section { break-inside: avoid; }
.provisional { background: #fff3cd; padding: 4pt 8pt; font-weight: bold; }
h3 { font-size: 11pt; margin: 10pt 0 2pt; } .sheet table { font-size: 9.5pt; }
.chart { margin: 4pt 0; } .legend { font-size: 9pt; }
@media print { body { margin: 0; } }
"""


def _pos(row: dict[str, Any]) -> str:
    return position_text(row["position"], row["status"])


def _standings_table(rows: list[dict[str, Any]], raw: bool = False) -> str:
    return _table(
        ["Pos", "Entry", "Score", "Raw", "Coeff.", "Trials", "Other pen.", "Status"],
        [
            [_pos(r), r["label"], score_text(r["raw"] if raw else r["score"], r["status"]),
             score_text(r["raw"], r["status"]), coefficient_text(r["coefficient"]),
             r["trials_driven"], r["other_penalty"] or "", r["note"] or r["status"]]
            for r in rows
        ],
    )


def _stage_sheet(row: dict[str, Any], legs: dict[int, str]) -> str:
    """A car's stage sheet: every trial it drove, what was asked, measured and scored."""
    lines = row["trials"]
    title = f"{_pos(row)}. {row['label']}" if row["position"] else row["label"]
    body = (
        _table(
            ["Leg", "Trial", "Kind", "Target", "Measured", "Dev. (1/100 s)", "Penalty", "Points",
             "Coeff.", ""],
            [
                [legs.get(t["leg"], t["leg"] + 1), t["trial"], t["kind"], t["target"],
                 t["measured"], t["deviation_cs"], t["penalty"], t["points"],
                 coefficient_text(t["coefficient"]),
                 "" if t["counted"] else "not yet decided"]
                for t in lines
            ],
        )
        if lines else "<p class='note'>Not started: no trial driven yet.</p>"
    )
    decisions = "".join(
        f"<li>{escape(s['kind'])} {s['points'] or ''} — {escape(s['reason'])} "
        f"<span class='note'>(stewards' log {escape(s['ref'])})</span></li>"
        for s in row["sanctions"]
    )
    total = (f"<p>Regularity {row['regularity_penalty']}, controls {row['control_penalty']}, "
             f"other {row['other_penalty']}, points {row['points']}, coefficient "
             f"{coefficient_text(row['coefficient'])}: "
             f"<b>score {score_text(row['score'], row['status'])}</b> "
             f"({escape(row['status'])})</p>")
    return (f"<section class='sheet'><h3>{escape(title)}</h3>{body}"
            + (f"<ul>{decisions}</ul>" if decisions else "") + total + "</section>")


def heat_title(heat: dict[str, Any]) -> str:
    """'Heat 3 (leg 1: Brescia)': the heat's own name when it already says 'Heat ...', else
    'Heat <id>: <name>'; a heat not counted or still on track says so."""
    name = heat["name"]
    title = name if name.casefold().startswith("heat") else f"Heat {heat['heat']}: {name}"
    if heat.get("excluded"):
        return f"{title} — not counted: {heat['excluded']}"
    return f"{title} (on track, provisional)" if heat.get("in_progress") else title


def _heat_section(heat: dict[str, Any]) -> str:
    rows = [
        [s["position"], s.get("number", ""),
         s.get("name") or s["label"], s["laps"], _ms(s["total_ms"]), _ms(s["best_lap_ms"]),
         s["gap"], _ms(s["penalty_ms"] or None), s["status"], s["car"]]
        for s in heat["standings"]
    ]
    table = _table(["Pos", "No.", "Entry", "Laps", "Time", "Best lap", "Gap", "Penalty",
                    "Status", "Controller"], rows)
    return (f"<section><h2>{escape(heat_title(heat))}</h2>{table}"
            + lap_chart_svg(heat["lap_times"], labels=heat.get("car_labels") or {})
            + "</section>")


def _charity_section(charity: dict[str, Any]) -> str:
    name = f": {escape(charity['name'])}" if charity.get("name") else ""
    day = charity.get("day", ())
    day_table = _table(
        ["#", "Kind", "Amount", "Who", "Note", "Recorded", ""],
        [[m["id"], m["kind"], f"{m['amount']:.2f}", m["who"], m["note"],
          f"{m['recorded_at']} by {m['author']}",
          "" if m["counted"] else f"revoked by {m['revoked_by']}: {m['revoked_reason']}"]
         for m in day]) if day else "<p class='note'>Nothing recorded on the day yet.</p>"
    return (
        f"<section><h2>Charity{name}</h2>"
        + _table(
            ["Entry", "Laps", "Entry fee", "Pledged", ""],
            [[c["label"], c["laps"], f"{c['entry_fee']:.2f}", f"{c['pledged']:.2f}",
              c.get("note", "")] for c in charity["lines"]],
        )
        + "<h3>Raised on the day</h3>" + day_table
        + _table(
            ["Fees", "Pledges", "Auctions", "Donations", "Buckets", "Other", "Total raised"],
            [[f"{charity[k]:.2f}" for k in ("fees", "pledges", "auctions", "donations",
                                             "buckets", "other_donations", "total")]],
        )
        + "</section>"
    )


def to_html(report: dict[str, Any] | ResultsReport) -> str:
    if isinstance(report, ResultsReport):
        report = report_data(report)
    title = escape(report["event"]) + (f" — stage {report['stage']}" if report["stage"] else "")
    provisional = report.get("provisional")
    out = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>",
        f"<p class='info'>{escape(info_line(report))}</p>",
        f"<p class='note'>Results rebuilt from the race journal (up to entry "
        f"{report['journal_seq']}) on {escape(report['generated_at'])}.</p>",
    ]
    if provisional:
        out.append("<p class='provisional'>PROVISIONAL: only the trials driven so far count; "
                   "cars that have not started are listed below.</p>")
    if report.get("excluded_heats"):
        out.append("<section><h2>Heats not counted</h2><ul>" + "".join(
            f"<li>{escape(line)}</li>" for line in report["excluded_heats"]) + "</ul></section>")
    legs = {leg["leg"]: leg["name"] for leg in report.get("legs", ())}
    if report["overall"]:
        out.append("<section><h2>Overall classification</h2>"
                   + _standings_table(report["overall"]) + "</section>")
        for leg in report.get("legs", ()):
            if any(r["trials_driven"] for r in leg["rows"]):
                mark = " (provisional)" if leg["provisional"] else ""
                out.append(f"<section><h2>Leg {leg['leg'] + 1}: {escape(leg['name'])}{mark}</h2>"
                           + _standings_table(leg["rows"]) + "</section>")
        for name, results in report["side"].items():
            if results:
                out.append(
                    f"<section><h2>{escape(name)}</h2>"
                    + _table(["Pos", "Entry", "Score"],
                             [[_pos(r), r["label"], r["raw"]] for r in results])
                    + "</section>"
                )
    if report.get("teams"):
        out.append("<section><h2>Team prize (best three)</h2>" + _table(
            ["Pos", "Team", "Score", "Entries"],
            [[t["position"], t["team"], t["score"], ", ".join(map(str, t["entry_nos"]))]
             for t in report["teams"]]) + "</section>")
    for name, results in report.get("speed", {}).items():
        out.append(f"<section><h2>Speed: {escape(name)}</h2>" + _table(
            ["Pos", "Entry", "Time (s)", "Scale km/h", "Detail"],
            [[r["position"] or "NC", r["label"], r["elapsed_s"],
              "" if r["avg_scale_kmh"] is None else f"{r['avg_scale_kmh']:.1f}", r["detail"]]
             for r in results]) + "</section>")
    for trophy in report.get("trophies", ()):
        out.append(f"<section><h2>Trophy: {escape(trophy['name'])}</h2>"
                   f"<p class='note'>{escape(', '.join(trophy['trials']))}</p>"
                   + _standings_table(trophy["rows"]) + "</section>")
    if report["overall"]:
        out.append("<h2>Stage sheets</h2>")
        out.extend(_stage_sheet(r, legs) for r in report["overall"])
    for heat in report["heats"]:
        out.append(_heat_section(heat))
    charity = report.get("charity")
    if charity:
        out.append(_charity_section(charity))
    out.append(
        "<section><h2>Stewards' log</h2>"
        + (
            _table(
                ["Ref", "Decision", "What", "Car", "Reason", "By", ""],
                [
                    [r["ref"], r["decision"], r["detail"], r["name"], r["reason"],
                     r["author"] + (" (automatic)" if r["automatic"] else "")
                     + (f", {r['at']}" if r.get("at") else ""),
                     "revoked" if r["revoked"] else ""]
                    for r in report["stewards_log"]
                ],
            )
            if report["stewards_log"]
            else "<p class='note'>No stewards' decisions.</p>"
        )
        + "</section>"
    )
    out.append("</body></html>\n")
    return "".join(out)
