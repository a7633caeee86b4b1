"""Provides the errors drivers raise, split by whose fault it was."""

from slotrace.errors import SlotraceError


class DriverError(SlotraceError):
    """Base for everything a driver or its transport raises."""


class ProtocolError(DriverError):
    """Bytes or commands that do not fit the wire protocol."""


class RemoteProtocolError(ProtocolError):
    """The other side sent something malformed: line noise, a bad checksum, odd firmware.

    Attributes:
        data: the offending bytes (as far as known), for logs.
    """

    def __init__(self, message: str, data: bytes = b"") -> None:
        super().__init__(message)
        self.data = bytes(data)


class LocalProtocolError(ProtocolError):
    """We misused the protocol: a value out of range, a command the device cannot take."""


class TransportError(DriverError):
    """The link to the device failed: no such port, no answer, unplugged, no Bluetooth."""


class DeviceStringError(DriverError):
    """A device string (``driver:target``) could not be understood."""


class UnknownDriverError(DriverError):
    """No installed driver has the requested name."""
