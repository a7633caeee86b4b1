"""`slotrace new --rules-mode open`: a club night without copying a template by hand."""

from __future__ import annotations

from importlib import resources

from slotrace.cli import main


def test_open_mode_event_warns_where_strict_rejects(tmp_path, capsys):
    sample = resources.files("slotrace.rules") / "data" / "sample-entries.csv"
    csv_path = tmp_path / "entries.csv"
    csv_path.write_text(sample.read_text("utf-8"), encoding="utf-8")
    results = {}
    for mode in ("strict", "open"):
        event = tmp_path / f"{mode}.slotrace"
        assert main(["new", str(event), "--rules-mode", mode]) == 0
        assert main(["entries", "import", str(event), str(csv_path)]) == 0
        capsys.readouterr()
        main(["scrutineer", str(event)])
        results[mode] = capsys.readouterr().out
    assert "(open mode)" in results["open"]
    assert "82 entries: 72 passed, 0 passed with warnings, 10 rejected" in results["strict"]
    assert "82 entries: 72 passed, 6 passed with warnings, 4 rejected" in results["open"]
