"""Provides `PAGE_HTML`: the phone-friendly board page (no forms, no buttons: it only listens)."""

PAGE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>slotrace board</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#111;color:#eee}
header{padding:.6em .8em;background:#222}
h1{font-size:1.2em;margin:0}
h2{font-size:1em;margin:.8em .8em .3em}
#status{font-size:.85em;color:#aaa}
#charity{font-weight:bold;color:#8f8}
nav a{color:#9cf;margin-right:.6em;font-size:.9em}
table{width:100%;border-collapse:collapse;font-size:.95em}
th,td{padding:.3em .4em;text-align:left;border-bottom:1px solid #333}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.fresh td.result{background:#fd0;color:#000;font-weight:bold}
.num{color:#fd0;font-weight:bold}
</style></head><body>
<header><h1 id="event">slotrace board</h1>
<div id="status">connecting...</div><div id="charity"></div>
<nav id="classes"></nav></header>
<h2 id="heat"></h2><table id="live"></table>
<h2 id="overall-caption"></h2><table id="overall"></table>
<script>
"use strict";
const params = new URLSearchParams(location.search);
const klass = params.get("class");
const query = klass ? "?class=" + encodeURIComponent(klass) : "";
function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
}
function header(table, names) {
  const tr = document.createElement("tr");
  for (const name of names) { const th = document.createElement("th"); th.textContent = name;
    tr.appendChild(th); }
  table.appendChild(tr);
}
function pos(r) { return r.position == null ? r.status : r.position; }
function render(data) {
  const title = data.event + (data.class ? " · class " + data.class : "");
  document.getElementById("event").textContent = title;
  document.getElementById("status").textContent = (data.heat || "no heat yet") +
    (data.phase ? " · " + data.phase : "");
  document.getElementById("charity").textContent = data.charity_total == null ? "" :
    "Raised for charity: " + data.charity_total.toFixed(2);
  const nav = document.getElementById("classes");
  nav.replaceChildren();
  for (const c of [null, ...data.classes]) {
    const a = document.createElement("a");
    a.href = c ? "?class=" + encodeURIComponent(c) : "?";
    a.textContent = c || "all";
    nav.appendChild(a);
  }
  document.getElementById("heat").textContent = data.heat ? data.heat + ": live" : "";
  const live = document.getElementById("live");
  live.replaceChildren();
  const regular = data.live.some(r => r.trial || r.points);
  header(live, regular
    ? ["Pos", "No.", "Driver", "Class", "Laps", "Trial", "Dev 1/100", "Pts", "Last trial"]
    : ["Pos", "No.", "Driver", "Class", "Laps", "Last", "Best", "Gap"]);
  for (const r of data.live) {
    const tr = document.createElement("tr");
    tr.dataset.number = r.number;
    if (r.fresh) tr.className = "fresh";
    cell(tr, pos(r), "n"); cell(tr, r.number, "num"); cell(tr, r.driver); cell(tr, r.entry_class);
    if (regular) { cell(tr, r.laps, "n laps"); cell(tr, r.trial); cell(tr, r.deviation, "n");
      cell(tr, r.points, "n"); cell(tr, r.result, "result"); }
    else { cell(tr, r.laps, "n laps"); cell(tr, r.last, "n"); cell(tr, r.best, "n");
      cell(tr, r.gap, "n"); }
    live.appendChild(tr);
  }
  document.getElementById("overall-caption").textContent = data.overall_caption;
  const overall = document.getElementById("overall");
  overall.replaceChildren();
  header(overall, ["Pos", "No.", "Driver", "Car", "Class", "Score"]);
  for (const r of data.overall) {
    const tr = document.createElement("tr");
    cell(tr, pos(r), "n"); cell(tr, r.number, "num"); cell(tr, r.driver); cell(tr, r.car);
    cell(tr, r.entry_class); cell(tr, r.best, "n");
    overall.appendChild(tr);
  }
  document.body.dataset.journalRows = data.journal_rows;
}
const source = new EventSource("events" + query);
source.onmessage = (e) => render(JSON.parse(e.data));
source.onerror = () => { document.getElementById("status").textContent = "reconnecting..."; };
</script></body></html>
"""
