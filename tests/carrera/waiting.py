"""Provides `until`: await a condition with a bound, for tests that drive real sockets and ptys.

The loop yields to the event loop between checks (the session or server under test runs
meanwhile); it never decides anything by elapsed time, it only fails after ``timeout``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest


async def until(
    condition: Callable[[], object], timeout: float = 5.0, what: str = "the condition"
) -> None:
    """Wait until ``condition()`` is true; fail the test naming ``what`` after ``timeout`` s."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.002)
    except TimeoutError:
        pytest.fail(f"timed out after {timeout} s waiting for {what}")
