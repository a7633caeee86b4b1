"""The one table of (reply frame, expected result) cases shared by the codec and framing tests.

Frames are in serial form without ``$``. Real frames come from reference §2.3 and §7.2;
`Bad(...)` marks a frame that must be rejected, with a fragment of the expected message.
"""

from __future__ import annotations

from dataclasses import dataclass

from slotrace_carrera.protocol import (
    Acknowledgement,
    StatusReply,
    TimerReply,
    UnknownCommandReply,
    VersionReply,
)


@dataclass(frozen=True)
class Bad:
    """Expected rejection: `RemoteProtocolError` whose message contains ``message``."""

    message: str


REPLY_CASES: list[tuple[bytes, object]] = [
    # §7.2 #1-#4, #6 (completed with its checksum), #10; §7.2 computed version frames.
    (b"05321;", VersionReply("5321")),
    (b"?2003037?>1=", TimerReply(2, 226287, 1)),
    (b"?20030:9211<", TimerReply(2, 236050, 1)),
    (b"?200301<?618", TimerReply(2, 246127, 1)),
    (b"?2001287?216", TimerReply(2, 2193455, 1)),
    (b"?:>>>>>>>>060088", StatusReply((14,) * 8, 0, 6, 0, 8)),
    (b"053372", VersionReply("5337")),
    (b"053361", VersionReply("5336")),
    (b"05331<", VersionReply("5331")),
    # Synthetic but exact: sectors 2/3, ghost and pace car, max timestamp, 18-byte status.
    (b"?7????????32", TimerReply(7, 0xFFFFFFFF, 3)),
    (b"?8000000002:", TimerReply(8, 0, 2)),
    (b"?:?>=<00007;23800?", StatusReply((15, 14, 13, 12, 0, 0, 0, 0), 7, 11, 0x32, 8, b"00")),
    (b"#", UnknownCommandReply()),
    (b"J", Acknowledgement("J", b"")),
    (b"T", Acknowledgement("T", b"")),
    (b"=", Acknowledgement("=", b"")),
    (b":", Acknowledgement(":", b"")),
    # §7.2 #5: hand-typed ESP32 example whose checksum does not match.
    (b"?100003:101=", Bad("timer frame byte 11: checksum mismatch: expected '0', got '='")),
    (b"?90030:9211<", Bad("timer frame byte 1: expected car address '1'..'8', got '9'")),
    (b"?00030:9211<", Bad("timer frame byte 1: expected car address '1'..'8', got '0'")),
    (b"?20030:9214<", Bad("timer frame byte 10: expected sensor group '1'..'3', got '4'")),
    (b"?2003A:9211<", Bad("timer frame byte 5: expected a nibble character '0'..'?', got 'A'")),
    (b"?2003037?>1", Bad("timer frame is 11 bytes: expected 12")),
    (b"?2003037?>1=0", Bad("timer frame is 13 bytes: expected 12")),
    (b"?:>>>>>>>>06008", Bad("status frame is 15 bytes: expected 16 or 18")),
    (b"?:>>>>>>>>0600881", Bad("status frame is 17 bytes: expected 16 or 18")),
    (b"?:>>>>>>>>060089", Bad("status frame byte 15: checksum mismatch: expected '8'")),
    # Told apart by length: these 18-byte frames start with a valid 16-byte frame.
    (b"?:>>>>>>>>06008800", StatusReply((14,) * 8, 0, 6, 0, 8, b"80")),
    (b"?:>>>>>>>>06008801", Bad("status frame byte 17: checksum mismatch: expected '0'")),
    (b"?:>>>>>>>>0g0088", Bad("status frame byte 11: expected a nibble character")),
    (b"05321<", Bad("version frame byte 5: checksum mismatch: expected ';', got '<'")),
    (b"0532", Bad("version frame is 4 bytes: expected 6")),
    (b"?", Bad("poll reply is 1 byte")),
    (b"x?2003037?>1=", Bad("reply byte 0: expected '0', '?', '#' or an acknowledgement letter")),
    (b"\x00", Bad("reply byte 0: expected '0', '?', '#' or an acknowledgement letter")),
]
"""Every case is run whole, byte by byte, and with the next frame's start attached."""

CASE_IDS = [repr(frame)[2:-1] for frame, _ in REPLY_CASES]

RESYNCED = {b"x?2003037?>1=": [Bad("reply byte 0"), TimerReply(2, 226287, 1)]}
"""Cases the serial framer splits: a noise byte before an intact reply costs only itself."""
