"""The static results site (`publish_site`): its pages, that every link lands on a page, and
that a new publication replaces the old site as a whole (never half of one)."""

from __future__ import annotations

import html
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

import slotrace.store.publish as publish
from slotrace.store import EventFile
from slotrace.store.publish import MARKER, PublishError, publish_site
from slotrace.tui.demo_event import create_demo_event

NOW = datetime(2026, 5, 14, 18, 0, tzinfo=UTC)


def slotrace(*args: str | Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "slotrace", *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == expect, f"{args}: exit {done.returncode}\n{done.stderr}"
    return done


def run_next_heat(event: Path) -> None:
    slotrace("run", event, "--next", "--device", "sim", "--speedup", "100", "--laps", "2",
             "--timeout", "120")


@pytest.fixture(scope="module")
def event(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo event after its first heat (six cars, two laps, simulator)."""
    path = tmp_path_factory.mktemp("event") / "demo.slotrace"
    create_demo_event(path).close()
    run_next_heat(path)
    return path


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: Path) -> Links:
    links = Links()
    links.feed(page.read_text("utf-8"))
    return links


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_site_has_an_overall_page_a_page_per_class_and_per_car(event: Path,
                                                                     tmp_path: Path) -> None:
    site = tmp_path / "site"
    published = publish_site(event, site, now=NOW)
    with EventFile.open(event, read_only=True) as ef:
        heat = ef.heats()[0]
        winners = list(heat.cars.values())
    index = parse(site / "index.html")
    assert "Overall classification" in index.text
    cars = {h for h in index.hrefs if h.startswith("cars/")}
    classes = {h for h in index.hrefs if h.startswith("classes/")}
    assert {f"cars/{n}.html" for n in winners} <= cars  # every car that drove, and the rest
    assert len(classes) >= 2 and all((site / c).is_file() for c in classes)
    sheet = parse(site / f"cars/{winners[0]}.html")
    body = " ".join(sheet.text)
    assert "Stage sheet" in body and "PC 1" in body and heat.name in body
    assert {"index.html", "results.html", "results.json"} <= set(published.pages)


def test_every_link_of_every_page_lands_on_a_page(event: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish_site(event, site, now=NOW)
    pages = [p for p in site.rglob("*.html")]
    assert len(pages) > 10
    for page in pages:
        for href in parse(page).hrefs:
            assert "://" not in href, f"{page}: {href} leaves the site"
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.is_file() and site.resolve() in target.parents, f"{page}: {href}"
    # a class page links back to the cars of that class
    klass = next(iter(sorted((site / "classes").glob("*.html"))))
    assert any(h.startswith("../cars/") for h in parse(klass).hrefs)


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "rename-aside"])
def test_a_second_publish_replaces_the_site_as_a_whole(event: Path, tmp_path: Path,
                                                       monkeypatch, exchange: bool) -> None:
    if not exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    site = tmp_path / "site"
    publish_site(event, site, now=NOW)
    (site / "cars" / "stale.html").write_text("left from an old site", "utf-8")
    old = snapshot(site)
    seen_while_writing: list[dict[str, bytes]] = []
    write_pages = publish._write_pages

    def write_and_look(root: Path, pages: dict[str, str]) -> None:
        write_pages(root, pages)
        seen_while_writing.append(snapshot(site))  # the new one complete, not swapped in yet

    monkeypatch.setattr(publish, "_write_pages", write_and_look)
    later = datetime(2026, 5, 14, 19, 0, tzinfo=UTC)
    publish_site(event, site, now=later)
    assert seen_while_writing == [old]  # the old site stayed whole until the new one was done
    new = snapshot(site)
    assert "cars/stale.html" not in new  # replaced, not merged
    assert b"2026-05-14T19:00:00" in new["index.html"]
    assert set(new) == set(old) - {"cars/stale.html"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temporary folder left


def test_a_publication_that_fails_half_way_leaves_the_old_site(event: Path, tmp_path: Path,
                                                               monkeypatch) -> None:
    site = tmp_path / "site"
    publish_site(event, site, now=NOW)
    old = snapshot(site)

    def fail_half_way(root: Path, pages: dict[str, str]) -> None:
        (root / "index.html").write_text("half", "utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "_write_pages", fail_half_way)
    with pytest.raises(PublishError, match=r"cannot publish to .*No space left on device"):
        publish_site(event, site, now=NOW)
    assert snapshot(site) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_folder_that_is_not_a_site_is_never_replaced(event: Path, tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="holds the event file"):
        publish_site(event, event.parent)
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "car.jpg").write_bytes(b"not a site")
    with pytest.raises(PublishError, match=rf"not empty and is not a site .*no {MARKER}"):
        publish_site(event, mine)
    assert [p.name for p in mine.iterdir()] == ["car.jpg"]
    empty = tmp_path / "empty"
    empty.mkdir()
    publish_site(event, empty, now=NOW)
    assert (empty / "index.html").is_file() and (empty / MARKER).is_file()


def test_board_publish_needs_web_and_refuses_a_bad_folder_before_serving(
        event: Path, tmp_path: Path) -> None:
    done = slotrace("board", event, "--publish", tmp_path / "site", expect=1)
    assert "--publish goes with --web" in done.stderr
    done = slotrace("board", event, "--web", "127.0.0.1:1", "--publish", event.parent, expect=1)
    assert "holds the event file" in done.stderr and "web board:" not in done.stdout


def test_run_publishes_before_the_first_heat_and_after_each_heat(tmp_path: Path) -> None:
    path = tmp_path / "demo.slotrace"
    create_demo_event(path).close()
    site = tmp_path / "site"
    out = slotrace("run", path, "--next", "--device", "sim", "--speedup", "100", "--laps", "2",
                   "--timeout", "120", "--publish", site).stdout
    assert out.count(f"published the results site in {site}") == 2  # before, and after
    index = (site / "index.html").read_text("utf-8")
    with EventFile.open(path, read_only=True) as ef:
        [heat] = ef.heats()
    assert html.escape(heat.name) in index  # the finished heat is on the published site


def test_run_refuses_a_folder_it_may_not_publish_into_before_any_heat(tmp_path: Path) -> None:
    path = tmp_path / "demo.slotrace"
    create_demo_event(path).close()
    stranger = tmp_path / "photos"
    stranger.mkdir()
    (stranger / "holiday.jpg").write_bytes(b"\xff\xd8")
    done = slotrace("run", path, "--next", "--device", "sim", "--speedup", "100",
                    "--publish", stranger, expect=1)
    assert "photos" in done.stderr
    assert (stranger / "holiday.jpg").read_bytes() == b"\xff\xd8"
    with EventFile.open(path, read_only=True) as ef:
        assert ef.heats() == []  # nothing ran
