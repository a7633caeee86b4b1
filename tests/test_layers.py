"""The pure layers of DESIGN.md stay pure: importing them pulls in no UI, hardware or storage.

import-linter checks the static import graph (`lint-imports` in CI); this test checks what
actually lands in ``sys.modules`` at run time, in a fresh interpreter per module, which also
catches imports done indirectly through third-party packages.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import slotrace.drivers_api
import slotrace.engine
import slotrace.rules

FORBIDDEN_IN_PURE = ("textual", "serial", "serial_asyncio_fast", "bleak", "sqlite3", "_sqlite3")


def _modules_of(package) -> list[str]:
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
        names.append(info.name)
    return names


PURE_MODULES = [
    *_modules_of(slotrace.drivers_api),
    *_modules_of(slotrace.engine),
    *_modules_of(slotrace.rules),
    "slotrace_carrera.protocol",
    "slotrace_carrera.simulator",
]


def _loaded_after_import(module: str, then: str = "") -> list[str]:
    code = "\n".join(
        [
            "import importlib, json, sys",
            f"m = importlib.import_module({module!r})",
            then,
            "print(json.dumps(sorted(sys.modules)))",
        ]
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 0, f"importing {module} failed:\n{out.stderr}"
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_io_or_ui(module: str) -> None:
    loaded = _loaded_after_import(module)
    offenders = sorted(
        name
        for name in loaded
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_PURE)
    )
    assert offenders == [], f"{module} pulls in {offenders}"


def test_core_does_not_import_builtin_driver_by_name() -> None:
    """The CLI finds drivers through entry points; building it must not import the driver."""
    loaded = _loaded_after_import("slotrace.cli", then="m.build_parser()")
    assert not [n for n in loaded if n.startswith("slotrace_carrera")]
