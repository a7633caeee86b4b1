"""Provides the conformance suite as test classes: subclass `DriverConformance` (or
`ReadOnlyConformance`) in a test module and give it a ``harness`` fixture.

Checked: registration and discovery, device strings, declared capabilities, lifecycle,
reconnect after a hang-up, every crossing of the simulator's truth delivered exactly once
under faults and only for the declared cars 1..max_cars, every declared capability exercised,
clear errors for what is not declared (a command, or a car beyond max_cars) and for a device
nobody answers at.
"""

from __future__ import annotations

from collections import Counter

import pytest

from slotrace.drivers_api.capabilities import Capability
from slotrace.drivers_api.commands import DriverCommand
from slotrace.drivers_api.conformance.harness import Crossing, Harness, collect_events, wait_for
from slotrace.drivers_api.errors import DeviceStringError, LocalProtocolError, TransportError
from slotrace.drivers_api.events import (
    CAR_LIMIT,
    DRIVER_EVENT_TYPES,
    CarPassed,
    LinkDown,
    LinkUp,
)
from slotrace.drivers_api.registry import installed_drivers

RACE_MODEL_MS = 60_000


class ReadOnlyConformance:
    """What can be checked without touching a race: safe on a real device."""

    def test_registered_through_the_entry_point(self, harness: Harness) -> None:
        assert harness.name in {d.name for d in installed_drivers()}
        cls = harness.driver_class
        assert cls.name == harness.name
        assert cls.description and cls.target_help

    def test_declares_a_sane_capacity(self, harness: Harness) -> None:
        caps = harness.driver_class.capabilities
        assert 1 <= caps.max_cars <= CAR_LIMIT, caps
        assert 1 <= caps.sensor_groups <= 3, caps
        assert (Capability.SECTORS in caps) == (caps.sensor_groups > 1), caps

    async def test_discovery_answers_with_devices_or_notes(self, harness: Harness) -> None:
        found, notes = await harness.driver_class.survey(timeout=0.5)
        for device in found:
            assert device.device.startswith(f"{harness.name}:"), device
        assert all(isinstance(note, str) and note for note in notes)

    async def test_lifecycle_link_up_first_and_events_end_on_close(self, harness: Harness) -> None:
        driver = await harness.open(faults=False)
        async with collect_events(driver) as events:
            await wait_for(lambda: events, harness.timeout, "the first event")
            assert isinstance(events[0], LinkUp) and events[0].reconnects == 0
        await driver.close()  # closing twice is harmless


class HardwareConformance(ReadOnlyConformance):
    """The read-only subset plus what only a live device can show; run it with
    ``pytest --hardware DEVICE`` (see docs/writing-a-driver.md). Nothing here presses a key,
    resets a clock or changes a setting."""

    async def test_the_device_answers_with_sane_events(self, harness: Harness) -> None:
        caps = harness.driver_class.capabilities
        driver = await harness.open(faults=False)
        async with collect_events(driver) as events:
            await wait_for(
                lambda: driver.stats.polls >= 3, harness.timeout, "three answers from the device"
            )
        assert all(isinstance(e, DRIVER_EVENT_TYPES) for e in events), events
        passed = [e for e in events if isinstance(e, CarPassed)]
        assert all(caps.has_car(e.car) for e in passed), passed
        assert all(e.sensor <= caps.sensor_groups for e in passed), passed
        epochs = [e.epoch for e in passed]
        assert epochs == sorted(epochs), "epochs must never go back"


class DriverConformance(ReadOnlyConformance):
    """The whole suite, against the driver's simulator."""

    def test_refuses_malformed_device_strings(self, harness: Harness) -> None:
        assert harness.bad_devices, "give the kit a few device strings your driver must refuse"
        for device in harness.bad_devices:
            target = device.partition(":")[2]
            with pytest.raises(DeviceStringError) as refused:
                harness.driver_class.open(target)
            assert harness.name in str(refused.value), refused.value

    async def test_unreachable_device_is_a_clear_transport_error(self, harness: Harness) -> None:
        if harness.unreachable_device is None:
            pytest.skip("the harness names no unreachable device")
        driver = harness.driver_class.open(harness.unreachable_device.partition(":")[2])
        with pytest.raises(TransportError) as failed:
            await driver.start()
        await driver.close()
        assert "Traceback" not in str(failed.value) and len(str(failed.value)) > 20

    async def test_every_crossing_delivered_exactly_once_under_faults(
        self, harness: Harness
    ) -> None:
        driver = await harness.open(faults=True)
        try:
            async with collect_events(driver) as events:
                await harness.begin(driver)
                await wait_for(
                    lambda: harness.model_ms() >= RACE_MODEL_MS, harness.timeout, "the race"
                )
                await harness.settle(driver, events)
        finally:
            await harness.close()
        truth = harness.truth()
        passed = [
            Crossing(e.car, e.sensor, e.device_ms, e.epoch)
            for e in events
            if isinstance(e, CarPassed)
        ]
        assert len(truth) > 20, "the simulated race was too short to prove anything"
        caps = harness.driver_class.capabilities
        beyond = sorted({c.car for c in passed if not caps.has_car(c.car)})
        assert not beyond, f"cars {beyond} are outside the declared 1..{caps.max_cars}"
        doubled = [c for c, n in Counter(passed).items() if n > 1]
        assert not doubled, f"reported twice: {doubled[:5]}"
        if not harness.compare_epochs:
            passed = [c._replace(epoch=0) for c in passed]
            truth = [c._replace(epoch=0) for c in truth]
        assert sorted(passed) == sorted(truth)
        epochs = [e.epoch for e in events if isinstance(e, CarPassed)]
        assert epochs == sorted(epochs), "epochs must never go back"
        assert harness.hangups() >= 1, "the faults should include a hang-up"
        downs = sum(isinstance(e, LinkDown) for e in events)
        assert downs >= harness.hangups() - 1

    async def test_reconnects_after_a_hang_up(self, harness: Harness) -> None:
        driver = await harness.open(faults=False)
        try:
            async with collect_events(driver) as events:
                await wait_for(lambda: events, harness.timeout, "the first LinkUp")
                await harness.hang_up()
                await wait_for(
                    lambda: any(isinstance(e, LinkUp) and e.reconnects == 1 for e in events),
                    harness.timeout,
                    "LinkDown then LinkUp(reconnects=1)",
                )
                kinds = [type(e) for e in events if isinstance(e, LinkUp | LinkDown)]
                assert kinds[:3] == [LinkUp, LinkDown, LinkUp]
        finally:
            await harness.close()

    async def test_every_declared_capability_is_exercised(self, harness: Harness) -> None:
        caps = harness.driver_class.capabilities
        driver = await harness.open(faults=False)
        try:
            async with collect_events(driver) as events:
                await wait_for(lambda: events, harness.timeout, "the first LinkUp")
                sent = 0
                for flag in Capability:
                    command = harness.exercise(flag)
                    if command is None or flag is Capability.NONE:
                        continue
                    if flag in caps:
                        driver.send(command)
                        sent += 1
                    elif flag not in _SHARED_COMMANDS_WITH(caps):
                        with pytest.raises(LocalProtocolError):
                            driver.send(command)
                for command in _car_commands(caps.max_cars + 1):
                    with pytest.raises(LocalProtocolError):
                        driver.send(command)  # a car the driver does not have
                if sent:
                    await wait_for(
                        lambda: driver.stats.commands_sent > 0, harness.timeout, "a command sent"
                    )
                assert not any(isinstance(e, LinkDown) for e in events)
        finally:
            await harness.close()


def _car_commands(car: int) -> list[DriverCommand]:
    """Every per-car command, for ``car`` (one more than the driver declares)."""
    from slotrace.drivers_api import commands as c

    if car > CAR_LIMIT:
        return []
    return [c.SetSpeed(car, 0.5), c.SetBrake(car, 0.5), c.SetFuel(car, 0.5), c.SetPosition(car, 1),
            c.SetRaceFinished(car), c.SetIgnoreMask(frozenset({car}))]


def _SHARED_COMMANDS_WITH(caps: object) -> set[Capability]:
    """Flags whose example command another declared flag also covers (Carrera's SetFuel is
    both FUEL and SPEED_BRAKE_FUEL; SetSpeed is both SPEED_BRAKE_FUEL and SPEED_LIMIT), so
    refusing it is not required."""
    shared = set()
    if Capability.SPEED_BRAKE_FUEL in caps:  # type: ignore[operator]
        shared |= {Capability.FUEL, Capability.SPEED_LIMIT}
    if Capability.FUEL in caps:  # type: ignore[operator]
        shared.add(Capability.SPEED_BRAKE_FUEL)
    if Capability.SPEED_LIMIT in caps:  # type: ignore[operator]
        shared.add(Capability.SPEED_BRAKE_FUEL)
    return shared
