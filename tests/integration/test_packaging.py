"""Packaging: every package is listed in pyproject.toml and shipped tracks load when installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _listed() -> tuple[set[str], dict[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    return set(config["packages"]), config["package-dir"]


def test_every_python_package_in_the_tree_is_listed_for_the_wheel() -> None:
    packages, package_dir = _listed()
    found = set()
    for base in (ROOT / "slotrace", ROOT / "drivers" / "slotrace_carrera"):
        for init in base.rglob("*.py"):
            if "__pycache__" not in init.parts:
                rel = init.parent.relative_to(base.parent)
                found.add(".".join(rel.parts))
    assert found - packages == set(), "add these to [tool.setuptools] packages"
    assert package_dir["slotrace.tracks"] == "tracks"
    assert {p.name for p in (ROOT / "tracks").glob("*.toml")} >= {"mini-mille-miglia.toml"}


@pytest.mark.slow
def test_a_non_editable_install_loads_the_shipped_tracks(tmp_path: Path) -> None:
    """``pip install . --target`` (PyPI reachable for the build backend) then load a track."""
    source, target = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("slotrace", "drivers", "tracks"):  # a copy: building writes build/ dirs
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", str(source), "--no-deps", "--target",
         str(target), "-q"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    if build.returncode != 0:
        pytest.skip(f"cannot build the package here: {build.stderr[-300:]}")
    code = ("from slotrace.rules import files; t = files.load_track('mini-mille-miglia'); "
            "print(t.name, files.shipped_tracks())")
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run([sys.executable, "-I", "-c", code.replace("from", "import sys; "
                          f"sys.path.insert(0, {str(target)!r}); from", 1)],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    name, where = run.stdout.split(maxsplit=1)
    assert name == "mini-mille-miglia" and str(target) in where
