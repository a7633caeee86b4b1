"""Provides `ArcSimulator`: a simulated ARC Pro powerbase served as GATT over TCP in real time
(``slotrace simulate --driver arc``, ``slotrace run --device sim:arc``), plus
`parse_faults` for its ``faults`` option.

The model is `PowerbaseModel`; this module only runs its clock against the event loop's and
carries its notifications over `GattSocketServer`. Carrera-only simulator options given by a
shared face (``pace``, ``mode``, ``status_length``, ...) have no meaning here and are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

from slotrace.drivers_api import DriverError, Simulator
from slotrace.drivers_api.support.gatt_socket import GattSocketServer
from slotrace_arc.sim_model import PACKET_MS, ArcFaults, PowerbaseModel, parse_cars

_IGNORED = {
    "pace",
    "mode",
    "status_length",
    "version",
    "false_start_car",
    "sensor_groups",
    "sensor_fractions",
}


class ArcSimulatorError(DriverError):
    """A simulator option is wrong."""


_FAULT_KEYS = ("drop", "hangup", "powercycle")


def parse_faults(spec: str) -> ArcFaults:
    """``"drop=0.05,hangup=20,powercycle=60"`` (any subset, or empty) -> `ArcFaults`.

    Raises:
        ArcSimulatorError: an unknown fault or a bad number (the message names the item).
    """
    values: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key not in _FAULT_KEYS:
            raise ArcSimulatorError(
                f"--faults item {item!r}: the ARC simulator knows drop=RATE, hangup=SECONDS "
                "and powercycle=SECONDS"
            )
        try:
            values[key] = float(value)
        except ValueError:
            raise ArcSimulatorError(f"--faults item {item!r}: {value!r} is not a number") from None
    drop = values.get("drop", 0.0)
    if not 0 <= drop < 1:
        raise ArcSimulatorError(f"--faults drop={drop}: a rate is 0 <= RATE < 1")
    return ArcFaults(
        drop=drop,
        hangup_s=max(0.0, values.get("hangup", 0.0)),
        power_cycle_s=max(0.0, values.get("powercycle", 0.0)),
    )


class ArcSimulator(Simulator):
    """A powerbase on 127.0.0.1 (GATT over TCP), running in real time times ``speedup``.

    Args:
        cars: a count or ``CAR:LAP[:JITTER]`` items (car IDs 1..6).
        speedup: model seconds per real second.
        faults: ``drop=RATE,hangup=SECONDS,powercycle=SECONDS``.
        seed: same seed, same race.
        over: only ``"tcp"``.
        host, port: where to listen (port 0 picks a free one).
    """

    def __init__(
        self,
        cars: str | int = 4,
        speedup: float = 1.0,
        faults: str = "",
        seed: int = 0,
        over: str = "tcp",
        host: str = "127.0.0.1",
        port: int = 0,
        **ignored: Any,
    ) -> None:
        unknown = set(ignored) - _IGNORED
        if unknown:
            raise ArcSimulatorError(
                f"ARC simulator: unknown option(s) {', '.join(sorted(unknown))}"
            )
        if over != "tcp":
            raise ArcSimulatorError("the ARC simulator serves over TCP only (drop --pty)")
        if speedup <= 0:
            raise ArcSimulatorError(f"speedup must be > 0, got {speedup}")
        try:
            self.model = PowerbaseModel(parse_cars(cars), seed=seed, faults=parse_faults(faults))
        except ValueError as exc:
            raise ArcSimulatorError(str(exc)) from exc
        self.speedup = speedup
        self._where = (host, port)
        self._server = GattSocketServer(self.model.write, self.model.read, self._on_connect)
        self._task: asyncio.Task[None] | None = None

    @property
    def truth(self) -> PowerbaseModel:
        """The model, whose ``summary()`` and ``truth`` say what really happened."""
        return self.model

    async def start(self) -> str:
        host, port = await self._server.start(*self._where)
        self._task = asyncio.get_running_loop().create_task(self._run())
        return f"socket://{host}:{port}"

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._server.stop()

    def _on_connect(self, up: bool) -> None:
        self.model.connected = up

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started, base = loop.time(), self.model.now_ms
        while True:
            await asyncio.sleep(PACKET_MS / 1000 / self.speedup)
            now = base + (loop.time() - started) * 1000 * self.speedup
            for uuid, data in self.model.advance_to(now):
                self._server.notify(uuid, data)
            if self._server.connected and not self.model.connected:
                self._server.hang_up()  # a fault hang-up

    def truth_lines(self) -> Iterator[str]:
        """Every crossing and its fate, as JSON lines."""
        for crossing in self.model.truth:
            yield json.dumps(
                {
                    "car": crossing.car,
                    "lane": crossing.lane,
                    "device_ms": crossing.device_ms,
                    "reset": crossing.reset,
                    "fate": crossing.fate.value,
                }
            )
