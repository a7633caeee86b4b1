"""Provides `publish_site`: the results as a static web site, replaced atomically as a whole.

The site is plain HTML with inline CSS (no scripts, no external assets), ready to copy to any
web host or to open from a USB stick:

* ``index.html``: the overall classification, links to every class and every car;
* ``classes/<class>.html``: one page per class (the rules' class classification);
* ``cars/<entry_no>.html``: one page per car, its stage sheet (every trial it drove, asked,
  measured, scored) and its heats;
* ``results.html`` (the printable all-in-one page, ``slotrace results --format html``) and
  ``results.json`` (the same numbers as data).

Every page is built from one results report (`slotrace.store.results.build_results`), so they
always agree. The new site is written into a temporary folder next to the target and swapped
in only when complete: on Linux the two folders are exchanged in one step (``renameat2``
``RENAME_EXCHANGE``), so a web server in the folder always sees the whole old site or the
whole new one; elsewhere the old folder is renamed aside first, leaving an instant with no
folder but never a half-written one. A folder is only replaced if it is empty or a site this
module wrote (it holds `MARKER`), and never one that holds the event file.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from slotrace.errors import SlotraceError
from slotrace.store.eventfile import EventFile
from slotrace.store.export_html import STYLE, _ms, _pos, _stage_sheet, _table, to_html
from slotrace.store.report_model import report_data, row_data
from slotrace.store.results import build_results

MARKER = ".slotrace-site"
"""The file that marks a folder as a published site (which `publish_site` may replace)."""


class PublishError(SlotraceError):
    """The site cannot be published where it was asked for (the message says why)."""


@dataclass(frozen=True, slots=True)
class PublishedSite:
    """What `publish_site` wrote: the folder and the pages in it (relative paths)."""

    folder: Path
    pages: tuple[str, ...]
    journal_seq: int


def class_pages(codes: Iterable[str]) -> dict[str, str]:
    """Each class's page, relative to the site's root: a safe file name for any code
    (``GT+2000`` -> ``classes/GT_2000.html``), numbered if two codes would share one."""
    pages: dict[str, str] = {}
    for code in codes:
        stem = re.sub(r"[^A-Za-z0-9-]+", "_", code) or "_"
        name, n = f"classes/{stem}.html", 1
        while name in pages.values():
            n += 1
            name = f"classes/{stem}-{n}.html"
        pages[code] = name
    return pages


def car_page(entry_no: int) -> str:
    """The page of a car, relative to the site's root."""
    return f"cars/{entry_no}.html"


def _page(title: str, body: str, *, root: str, generated: str) -> str:
    nav = f"<p class='nav'><a href='{root}index.html'>Overall</a> · " \
          f"<a href='{root}results.html'>All results (printable)</a></p>"
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{STYLE}"
            " .nav a { margin-right: .4em; } td a { color: inherit; }</style></head>"
            f"<body>{nav}<h1>{escape(title)}</h1>{body}"
            f"<p class='note'>{escape(generated)}</p></body></html>\n")


def _linked_table(rows: list[dict[str, Any]], classes: Mapping[int, str],
                  class_page: Mapping[str, str], root: str) -> str:
    """A classification with each car linked to its page and its class to the class page."""
    head = "".join(f"<th>{h}</th>" for h in ("Pos", "Entry", "Class", "Score", "Trials",
                                              "Status"))
    body = []
    for r in rows:
        code = classes.get(r["entry_no"], "")
        klass = (f"<a href='{root}{class_page[code]}'>{escape(code)}</a>" if code else "")
        body.append(
            f"<tr><td>{escape(_pos(r))}</td>"
            f"<td><a href='{root}{car_page(r['entry_no'])}'>{escape(r['label'])}</a></td>"
            f"<td>{klass}</td><td>{escape(str(r['score']))}</td>"
            f"<td>{r['trials_driven']}</td><td>{escape(r['note'] or r['status'])}</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _car_heats(entry_no: int, heats: list[dict[str, Any]]) -> str:
    lines = [[h["name"], h["status"], s["position"], s["laps"], _ms(s["best_lap_ms"]),
              s["status"]]
             for h in heats for s in h["standings"] if s["entry_no"] == entry_no]
    if not lines:
        return "<p class='note'>No heat driven yet.</p>"
    return _table(["Heat", "Heat status", "Pos", "Laps", "Best lap", "Status"], lines)


def site_pages(event_file: EventFile, now: datetime | None = None) -> tuple[dict[str, str], int]:
    """Every page of the site (relative path -> HTML) and the journal row it is built to."""
    report = build_results(event_file, now=now)
    data = report_data(report)
    generated = (f"Results rebuilt from the race journal (up to entry {data['journal_seq']}) "
                 f"on {data['generated_at']}"
                 + (" · PROVISIONAL: only the trials driven so far count" if data["provisional"]
                    else ""))
    event = data["event"]
    legs = {leg["leg"]: leg["name"] for leg in data["legs"]}
    c = report.classification
    by_class = {code: [row_data(r) for r in rows] for code, rows in c.by_class.items()} if c \
        else {}
    class_of = {r["entry_no"]: code for code, rows in by_class.items() for r in rows}
    class_page = class_pages(by_class)
    pages: dict[str, str] = {}

    class_links = " · ".join(f"<a href='{class_page[code]}'>{escape(code)}</a>"
                             for code in by_class)
    charity = data["charity"]
    index = [f"<p>Classes: {class_links}</p>" if class_links else ""]
    if charity:
        index.append(f"<p><b>Raised for charity: {charity['total']:.2f}</b></p>")
    if data["overall"]:
        index.append("<h2>Overall classification</h2>"
                     + _linked_table(data["overall"], class_of, class_page, ""))
    else:
        index.append("<p class='note'>No classification yet (the event has no rules legs or "
                     "no car has started).</p>")
    if data["heats"]:
        index.append("<h2>Heats</h2>" + _table(
            ["Heat", "Status", "Cars"],
            [[h["name"], h["status"], len(h["standings"])] for h in data["heats"]]))
    pages["index.html"] = _page(event, "".join(index), root="", generated=generated)

    for code, rows in by_class.items():
        body = f"<h2>Class {escape(code)}</h2>" + _linked_table(rows, class_of, class_page,
                                                                 "../")
        pages[class_page[code]] = _page(f"{event} — class {code}", body, root="../",
                                        generated=generated)

    for row in data["overall"]:
        entry_no = row["entry_no"]
        code = class_of.get(entry_no, "")
        klass = (f"<p>Class <a href='../{class_page[code]}'>{escape(code)}</a></p>" if code
                 else "")
        body = (klass + "<h2>Stage sheet</h2>" + _stage_sheet(row, legs)
                + "<h2>Heats</h2>" + _car_heats(entry_no, data["heats"]))
        pages[car_page(entry_no)] = _page(f"{event} — {row['label']}", body, root="../",
                                          generated=generated)

    pages["results.html"] = to_html(data)
    pages["results.json"] = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    return pages, data["journal_seq"]


def _check_folder(folder: Path, event_path: Path) -> None:
    """Refuse a target that is not ours to replace (the message names it and says why)."""
    resolved = folder.resolve()
    event = event_path.resolve()
    if resolved == event or resolved in event.parents:
        raise PublishError(f"--publish {folder}: that folder holds the event file {event_path}; "
                           "publish into a folder of its own (e.g. results-site)")
    if resolved.exists() and not resolved.is_dir():
        raise PublishError(f"--publish {folder}: it is a file; give a folder for the site")
    if resolved.is_dir() and not (resolved / MARKER).exists() and any(resolved.iterdir()):
        raise PublishError(
            f"--publish {folder}: the folder is not empty and is not a site slotrace "
            f"published (no {MARKER} in it); give a new or empty folder, nothing was changed")
    if not resolved.parent.is_dir():
        raise PublishError(f"--publish {folder}: folder {folder.parent} does not exist")
    if not os.access(resolved.parent, os.W_OK):
        raise PublishError(f"--publish {folder}: folder {folder.parent} is not writable")


def _fsync_folder(path: Path) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _libc() -> Any:
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _sync_file_system(folder: Path) -> None:
    """Make everything written under ``folder`` durable: one ``syncfs`` of its file system
    (Linux) instead of an fsync per page (a hundred pages: ~1 s of fsyncs), else ``sync``."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        if _libc().syncfs(handle) == 0:
            return
    except (OSError, AttributeError):
        pass
    finally:
        os.close(handle)
    os.sync()


def _write_pages(root: Path, pages: Mapping[str, str]) -> None:
    for name, text in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    (root / MARKER).write_text("written by slotrace (store/publish.py); replaced as a whole "
                               "on every publish\n", "utf-8")
    _sync_file_system(root)  # before the swap: a crash never leaves empty pages in DIR


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2); False where the system cannot."""
    try:
        renameat2 = _libc().renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint)
    # non-zero (e.g. EINVAL: this file system cannot exchange): the caller falls back
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _swap_in(new: Path, target: Path) -> None:
    """Make ``new`` the folder at ``target``; the old site (if any) is removed after."""
    if not target.exists():
        os.rename(new, target)
    elif _exchange(new, target):
        shutil.rmtree(new)  # now the old site
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / "site")
        os.rename(new, target)
        shutil.rmtree(old)
    _fsync_folder(target.parent)


@contextlib.contextmanager
def _event_file(source: EventFile | str | os.PathLike[str]) -> Iterator[EventFile]:
    if isinstance(source, EventFile):
        yield source
        return
    with EventFile.open(source, read_only=True) as event_file:
        yield event_file


def publish_site(event_file: EventFile | str | os.PathLike[str], folder: str | os.PathLike[str],
                 *, now: datetime | None = None) -> PublishedSite:
    """Write the results site of ``event_file`` (an open file, or a path opened read-only)
    into ``folder``, replacing the previous site there in one step.

    ``now`` stamps the pages (default: the wall clock).

    Raises:
        PublishError: ``folder`` is refused (see the module docstring) or cannot be written.
    """
    target = Path(folder)
    with _event_file(event_file) as source:
        _check_folder(target, Path(source.path))
        pages, seq = site_pages(source, now)
    resolved = target.resolve()
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{resolved.name}.new-", dir=resolved.parent))
    except OSError as exc:
        raise PublishError(f"cannot publish to {target}: {exc.strerror}") from exc
    try:
        _write_pages(staging, pages)
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a web server must read it
        _swap_in(staging, resolved)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError(f"cannot publish to {target}: {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return PublishedSite(resolved, tuple(sorted(pages)), seq)
