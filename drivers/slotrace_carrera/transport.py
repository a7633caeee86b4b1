"""Provides the `Transport` interface the Carrera session talks through (serial, BLE, fakes).

A transport moves bytes and nothing else: no framing, no timing, no retries. It maps
pyserial / bleak / OS errors to `TransportError` with a message an organiser can act on.
"""

from __future__ import annotations

import abc
import enum


class Framing(enum.Enum):
    """How messages are delimited on a transport."""

    SERIAL = "serial"
    """Requests ``"`` + body + ``$``; replies end with ``$``; a lone ``#`` is a whole reply."""
    BLE = "ble"
    """One write per request (bare body); one notification per reply, poll/version replies
    without their leading letter."""


class Transport(abc.ABC):
    """A byte link to one control unit."""

    framing: Framing
    """Framing this transport needs."""

    @property
    @abc.abstractmethod
    def description(self) -> str:
        """What this reaches, e.g. ``"/dev/ttyUSB0"`` or ``"BLE D4:8B:39:00:00:01"``."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect. Raises `TransportError` naming the device and what to check."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Disconnect; safe to call twice or after a failed open."""

    @abc.abstractmethod
    async def write(self, data: bytes) -> None:
        """Send bytes (serial: any chunk; BLE: exactly one write). Raises `TransportError`."""

    @abc.abstractmethod
    async def read(self) -> bytes:
        """Wait for the next bytes (serial: whatever arrived; BLE: one notification).

        Raises `TransportError` when the link is lost.
        """
