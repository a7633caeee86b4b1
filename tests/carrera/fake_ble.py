"""A fake bleak backend: an AppConnect dongle whose control unit is the simulator's model,
built on the driver API's shared `FakePeripheral`.

`fake_cu_backend(model)` returns a ``BaseBleakClient`` subclass for
``BleakClient(address, backend=...)`` (the seam bleak supports). Each write to the
AppConnect write characteristic is decoded with ``DeviceConnection(Framing.BLE)``,
answered by the pure `ControlUnitModel` and sent back as one notification, exactly as the
dongle does: version/poll replies without their leading letter and with a ``$``.
The model's clock advances a fixed step per request, so runs are deterministic and
nothing sleeps. `hang_up()` simulates the dongle dropping the link; with ``outage_ms``
the control unit is power-cycled too and the dongle is not found until that much model
time has passed (each failed connect attempt lets `OUTAGE_STEP_MS` pass).
"""

from __future__ import annotations

from typing import Any, ClassVar

from bleak.exc import BleakError

from slotrace.drivers_api.support.fake_ble import FakePeripheral, fake_backend
from slotrace_carrera.ble import NOTIFY_UUID, SERVICE_UUID, WRITE_UUID
from slotrace_carrera.protocol import BadFrame, DeviceConnection, Framing
from slotrace_carrera.simulator import ControlUnitModel

MS_PER_REQUEST = 25
"""Model time that passes per request (roughly a BLE connection interval)."""
OUTAGE_STEP_MS = 5000
"""Model time that passes per failed connect attempt while the CU is away."""


def fake_cu_backend(model: ControlUnitModel, ms_per_request: float = MS_PER_REQUEST) -> type:
    """A ``BaseBleakClient`` class bound to ``model`` (one instance per connect)."""
    return fake_backend(
        _FakeAppConnect, model=model, ms_per_request=ms_per_request, away_until_ms=0.0
    )


class _FakeAppConnect(FakePeripheral):
    service_uuid = SERVICE_UUID
    characteristics = (
        (WRITE_UUID, ("write-without-response", "write")),
        (NOTIFY_UUID, ("notify",)),
    )
    advertised_name = "Control_Unit"
    model: ClassVar[ControlUnitModel]
    ms_per_request: ClassVar[float]
    away_until_ms: ClassVar[float]

    def __init__(self, address_or_ble_device: Any, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, **kwargs)
        self._device = DeviceConnection(Framing.BLE)

    def arrive(self) -> None:
        model = self.model
        if model.now_ms < type(self).away_until_ms:  # the power-cycled CU is not back yet
            model.advance_to(model.now_ms + OUTAGE_STEP_MS)
            raise BleakError(f"Device with address {self.address} was not found")

    def hang_up(self, outage_ms: float | None = None) -> None:
        """The dongle drops the link (as AppConnect does on iOS every ~90 s); with
        ``outage_ms`` the CU is power-cycled and away for that much model time."""
        self.model.record_hangup()
        if outage_ms is not None:
            self.model.power_cycle()
            type(self).away_until_ms = self.model.now_ms + outage_ms
        super().hang_up()

    def read(self, uuid: str) -> bytes:
        raise BleakError("the AppConnect characteristics are not readable")

    def written(self, uuid: str, data: bytes, response: bool) -> None:
        if uuid != WRITE_UUID:
            raise BleakError(f"characteristic {uuid} is not writable")
        model = self.model
        model.advance_to(model.now_ms + self.ms_per_request)
        for item in self._device.receive_data(data):
            reply = model.handle_bad_frame() if isinstance(item, BadFrame) else model.handle(item)
            if reply is not None:
                self.notify(NOTIFY_UUID, self._device.frame_reply(reply), soon=True)
