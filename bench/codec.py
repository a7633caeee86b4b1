"""Benchmark: Carrera reply frames decoded per second, ours vs carreralib 2.0.0, same frames.

The frames are a seeded mix of what a busy CU sends: 50% timer frames (12 bytes), 25%
16-byte status and 25% 18-byte status frames (newer firmware), all with valid checksums.

* ours: ``slotrace_carrera.protocol.decode_reply`` (checks every checksum and length, builds
  `TimerReply` / `StatusReply`);
* carreralib: the decoding its ``ControlUnit.poll()`` does after a reply arrives: ``?:``
  frames through ``protocol.unpack("2x8YYYBYC")`` with its retry as ``"2x8YYYBYxxC"`` on a
  checksum error, other frames through ``protocol.unpack("xYIYC")``, built into its own
  ``ControlUnit.Status`` / ``ControlUnit.Timer`` types;
* also shown, with no carreralib counterpart: ours through the streaming serial framer
  (``HostConnection.receive_data`` on 64-byte chunks of ``frame$frame$...``).

Each figure is the best of several timed passes over all frames (less noise on a shared
machine). Target: ours >= 3x carreralib.

Run: .venv/bin/python bench/codec.py [--frames 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable

from carreralib import protocol as carrera_protocol
from carreralib.cu import ControlUnit

from slotrace_carrera.protocol import (
    Framing,
    HostConnection,
    StatusReply,
    TimerReply,
    decode_reply,
    encode_reply,
)


def make_frames(count: int, seed: int = 2) -> list[bytes]:
    """A seeded mix: half timer frames, a quarter each 16- and 18-byte status frames."""
    rng = random.Random(seed)
    frames = []
    for index in range(count):
        kind = index % 4
        if kind < 2:
            reply = TimerReply(rng.randint(1, 8), rng.randrange(2**32), rng.randint(1, 3))
        else:
            reply = StatusReply(
                tuple(rng.randrange(16) for _ in range(8)),
                rng.randrange(10),
                rng.randrange(16),
                rng.randrange(256),
                rng.choice((6, 8)),
                b"" if kind == 2 else bytes(rng.choices(b"0123456789", k=2)),
            )
        frames.append(encode_reply(reply))
    rng.shuffle(frames)
    return frames


def carreralib_decode(frame: bytes) -> object:
    """Decode one reply the way carreralib 2.0.0's ``ControlUnit.poll()`` does."""
    if frame.startswith(b"?:"):
        try:
            parts = carrera_protocol.unpack("2x8YYYBYC", frame)
        except carrera_protocol.ChecksumError:
            parts = carrera_protocol.unpack("2x8YYYBYxxC", frame)
        fuel, (start, mode, pitmask, display) = parts[:8], parts[8:]
        pit = tuple(pitmask & (1 << n) != 0 for n in range(8))
        return ControlUnit.Status(fuel, start, mode, pit, display)
    address, timestamp, sector = carrera_protocol.unpack("xYIYC", frame)
    return ControlUnit.Timer(address - 1, timestamp, sector)


def check_agreement(frames: list[bytes]) -> None:
    """Both decoders must read the same values, or the comparison means nothing."""
    for frame in frames:
        ours, theirs = decode_reply(frame), carreralib_decode(frame)
        if isinstance(ours, TimerReply):
            same = (ours.address - 1, ours.timestamp_ms, ours.sector) == tuple(theirs)
        else:
            pit = tuple(ours.pit & (1 << n) != 0 for n in range(8))
            same = (ours.fuel, ours.start, ours.mode, pit, ours.display) == tuple(theirs)
        if not same:
            raise SystemExit(f"decoders disagree on {frame!r}: {ours} vs {theirs}")


def best_rate(run: Callable[[], object], count: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    frames = make_frames(args.frames)
    check_agreement(frames)
    stream = b"".join(frame + b"$" for frame in frames)
    chunks = [stream[i : i + 64] for i in range(0, len(stream), 64)]

    def ours() -> None:
        for frame in frames:
            decode_reply(frame)

    def theirs() -> None:
        for frame in frames:
            carreralib_decode(frame)

    def ours_streaming() -> None:
        host = HostConnection(Framing.SERIAL)
        for chunk in chunks:
            host.receive_data(chunk)

    rate_ours = best_rate(ours, len(frames), args.repeats)
    rate_theirs = best_rate(theirs, len(frames), args.repeats)
    rate_stream = best_rate(ours_streaming, len(frames), args.repeats)

    print(f"Carrera codec: {len(frames)} frames (50% timer, 25% 16-byte, 25% 18-byte status),")
    print(f"best of {args.repeats}, Python {platform.python_version()} on {platform.machine()}")
    print(f"  slotrace decode_reply          {rate_ours:12,.0f} frames/s")
    print(f"  carreralib 2.0.0 poll() decode {rate_theirs:12,.0f} frames/s")
    print(f"  ratio ours / carreralib        {rate_ours / rate_theirs:12.1f} x   (target >= 3x)")
    print(f"  slotrace HostConnection stream {rate_stream:12,.0f} frames/s (framing + decode)")


if __name__ == "__main__":
    main()
