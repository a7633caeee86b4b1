"""Provides `SerialTransport`: the Carrera PC-Unit cable (or any pyserial URL) as a `Transport`.

The link itself is the driver API's shared `SerialLink` (pyserial-asyncio-fast in the
caller's event loop, opened exclusively, organiser-friendly errors, the cheap
``read_before`` / push reads the poll loop uses); this module adds only what is Carrera's:
19200 baud 8N1, serial framing, and the words for the cable and the programs that may hold
the port.
"""

from __future__ import annotations

from slotrace.drivers_api.support import SerialLink, explain_serial_error
from slotrace_carrera.transport import Framing, Transport

BAUDRATE = 19200
"""The Control Unit's line speed (8N1, no flow control)."""

CABLE = "PC-Unit cable"
OTHER_PROGRAMS = "RaceApp, SmartRace, a terminal"


def explain_open_error(url: str, exc: BaseException) -> str:
    """A one-line explanation of why ``url`` could not be opened, with what to check."""
    return explain_serial_error(url, exc, cable=CABLE, other_programs=OTHER_PROGRAMS)


class SerialTransport(SerialLink, Transport):
    """A serial link (real port, pty, or pyserial URL) to one Control Unit.

    Args:
        url: a device path, ``COMn``, or a pyserial URL such as ``socket://127.0.0.1:7878``.
        baudrate: line speed; the Control Unit always uses 19200.
    """

    framing = Framing.SERIAL

    def __init__(self, url: str, baudrate: int = BAUDRATE) -> None:
        super().__init__(url, baudrate, "control unit", cable=CABLE, other_programs=OTHER_PROGRAMS)
