"""Provides the pure, sans-I/O Carrera Control Unit codec: the public face of the protocol.

No sockets, clocks, threads or serial/BLE libraries here: bytes in, values out, and the
reverse (see reference/carrera-cu-protocol.md and /work/team/CARRERA-API.md).

Host side (the driver)::

    connection = HostConnection(Framing.SERIAL)
    wire = connection.frame_request(POLL)                 # b'"?$'
    for item in connection.receive_data(b"?2003037?>1=$"):
        ...  # TimerReply(address=2, timestamp_ms=226287, sector=1), or BadFrame

Commands: `encode_commands(command)` returns the request bodies that carry a driver
command out, one request (and one reply) per body; every command is one body except
`SetLapCounter`, which is two (words 17 and 18). `encode_command` is the one-body form
and refuses `SetLapCounter`.

CU side (the simulator): `DeviceConnection`, `decode_request`, `encode_reply`.

Errors: anything malformed that came from the other side raises `RemoteProtocolError`
(from ``decode_*``) or becomes a `BadFrame` (from the framers, which never raise); our own
misuse (out-of-range values, a command the CU cannot take) raises `LocalProtocolError`.
"""

from __future__ import annotations

from slotrace.drivers_api import LocalProtocolError, RemoteProtocolError
from slotrace_carrera._framing import MAX_MESSAGE_SIZE, BadFrame, DeviceConnection, HostConnection
from slotrace_carrera._replies import (
    Acknowledgement,
    Reply,
    StatusReply,
    TimerReply,
    UnknownCommandReply,
    VersionReply,
    decode_reply,
    encode_reply,
)
from slotrace_carrera._requests import (
    POLL,
    VERSION_REQUEST,
    ButtonRequest,
    MaskRequest,
    PollRequest,
    Request,
    ResetRequest,
    UnknownRequest,
    VersionRequest,
    WordRequest,
    decode_request,
    encode_command,
    encode_commands,
    encode_request,
)
from slotrace_carrera._wire import checksum
from slotrace_carrera.transport import Framing

__all__ = [
    "MAX_MESSAGE_SIZE",
    "POLL",
    "VERSION_REQUEST",
    "Acknowledgement",
    "BadFrame",
    "ButtonRequest",
    "DeviceConnection",
    "Framing",
    "HostConnection",
    "LocalProtocolError",
    "MaskRequest",
    "PollRequest",
    "RemoteProtocolError",
    "Reply",
    "Request",
    "ResetRequest",
    "StatusReply",
    "TimerReply",
    "UnknownCommandReply",
    "UnknownRequest",
    "VersionReply",
    "VersionRequest",
    "WordRequest",
    "checksum",
    "decode_reply",
    "decode_request",
    "encode_command",
    "encode_commands",
    "encode_reply",
    "encode_request",
]
