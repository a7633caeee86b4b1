"""Provides the Carrera wire primitives: nibble characters, the checksum and field codecs.

Every numeric field on the Carrera wire is a run of "nibble characters" ``0x30 + n``
(``'0'``..``'9'``, then ``':'`` ``';'`` ``'<'`` ``'='`` ``'>'`` ``'?'`` for 10..15).
The helpers here are pure and table-driven so the decoder spends no time in Python
loops per character. See reference/carrera-cu-protocol.md §2.
"""

from __future__ import annotations

NIBBLE_BASE = 0x30
NIBBLE_CHARS = bytes(range(NIBBLE_BASE, NIBBLE_BASE + 16))
"""The 16 characters that carry a nibble: ``b"0123456789:;<=>?"``."""

LOW_NIBBLE = bytes(value & 0x0F for value in range(256))
"""``bytes.translate`` table mapping every byte to its low nibble."""

BYTE_OF_PAIR: dict[bytes, int] = {
    bytes((NIBBLE_BASE + (value & 0x0F), NIBBLE_BASE + (value >> 4))): value for value in range(256)
}
"""Two nibble characters (low nibble first, the ``B`` format) -> byte value."""

PAIR_OF_BYTE: tuple[bytes, ...] = tuple(
    bytes((NIBBLE_BASE + (value & 0x0F), NIBBLE_BASE + (value >> 4))) for value in range(256)
)
"""Byte value -> its two nibble characters (inverse of `BYTE_OF_PAIR`)."""


def checksum(body: bytes) -> int:
    """Return the Carrera checksum nibble (0..15) of ``body``.

    The rule (§2.2) is the sum of all bytes mod 16, which equals the sum of their low
    nibbles because ``0x30`` is a multiple of 16. The caller decides what to sum: the
    bytes after the command letter (outgoing) or after the echoed letter (incoming).
    """
    return sum(body) & 0x0F


def checksum_char(body: bytes) -> int:
    """Return the checksum character (``0x30 + checksum(body)``) of ``body``."""
    return NIBBLE_BASE + (sum(body) & 0x0F)


def nibble_char(value: int) -> bytes:
    """Encode one nibble 0..15 as its character (the ``Y`` format)."""
    return NIBBLE_CHARS[value : value + 1]


def encode_uint32(value: int) -> bytes:
    """Encode a 32-bit value as 8 nibble characters (the ``I`` format).

    The four bytes go most significant first, each byte low nibble first.
    """
    return b"".join(PAIR_OF_BYTE[(value >> shift) & 0xFF] for shift in (24, 16, 8, 0))


def describe_byte(value: int) -> str:
    """Render one byte for an error message: ``':'`` for printable ASCII, else ``0x07``."""
    if 0x20 <= value < 0x7F:
        return repr(chr(value))
    return f"0x{value:02x}"


def first_non_nibble(data: bytes, start: int, stop: int) -> int | None:
    """Return the index of the first byte in ``data[start:stop]`` that is no nibble char."""
    for index in range(start, stop):
        if not NIBBLE_BASE <= data[index] < NIBBLE_BASE + 16:
            return index
    return None
