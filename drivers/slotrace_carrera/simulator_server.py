"""Provides `SimulatorServer`: the Control Unit model served over TCP or a pty, in real time.

The server owns the I/O and the clock; the behaviour lives in the pure
`slotrace_carrera.simulator.ControlUnitModel`. Model time is real time multiplied by
``speedup``. With ``pace=True`` replies leave at the moment a 19200-baud 8N1 line would
have finished carrying request and reply (a deadline-based `WireClock`, never per-byte
sleeps). Fault injection (corrupt / drop / duplicate) happens in the model; hang-ups
happen here: every ``Faults.hangup_every_s`` model seconds the server closes the client
links (TCP) or replaces the pty (the stable symlink is re-pointed at the new one, like a
udev symlink, so a driver can reopen the same path). A hang-up waits for the reply in
flight, so nothing taken off the timer queue is lost by it. Every
``Faults.power_cycle_every``-th hang-up also power-cycles the model's CU and keeps the
link down for ``Faults.outage_s`` model seconds (TCP clients are turned away, the pty
path is missing). Lost ``$`` and noise bytes are applied to the serial bytes here, as the
model decides (`ControlUnitModel.wire_faults`).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import os
import shutil
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from slotrace.drivers_api import ModeFlags, Simulator, TransportError
from slotrace_carrera.protocol import BadFrame, DeviceConnection, Framing
from slotrace_carrera.sim_config import (
    NO_FAULTS,
    Faults,
    ModelConfig,
    SimulatorConfigError,
    parse_cars,
    parse_faults,
)
from slotrace_carrera.sim_truth import TruthLog
from slotrace_carrera.simulator import ControlUnitModel

logger = logging.getLogger(__name__)

BAUDRATE = 19200
BITS_PER_CHAR = 10
"""8N1: start bit, 8 data bits, stop bit."""
REPLY_LINE_EXTRA_CHARS = 3
"""Line time a reply costs beyond its own bytes and ``$``: field measurements put a timer
reply at 16 characters, a 16-byte status at 20 and an 18-byte status at 22 (reference
§8.x), three more than the frame plus ``$``. Pacing charges that, so a paced simulator
allows 83.5 status polls/s at 19200 baud like the hardware, not 96."""
PTY_LINK_NAME = "carrera-cu"
PTY_DRAIN_TIMEOUT_S = 1.0
"""How long a hang-up waits for the client to read the last reply off the pty."""
PTY_SETTLE_S = 0.02
"""Time for the kernel to move written bytes into the pty slave's input queue."""


def _config_from_options(options: dict[str, Any]) -> ModelConfig:
    """Build a `ModelConfig` from keyword options, accepting ``--cars`` style car specs."""
    known = {item.name for item in fields(ModelConfig)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise SimulatorConfigError(
            f"unknown simulator option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    cars = options.get("cars")
    if isinstance(cars, int | str):
        options = {**options, "cars": parse_cars(str(cars))}
    if "mode" in options:
        options["mode"] = ModeFlags(options["mode"])
    return ModelConfig(**options)


def _unread_bytes(fd: int) -> int:
    """Bytes waiting to be read on a tty fd (0 if it cannot be told)."""
    import fcntl
    import termios

    try:
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except OSError:
        return 0


def _ack_now(sock: socket.socket | None) -> None:
    """Acknowledge received TCP data at once (Linux).

    Hosts such as carreralib write ``"``, the body and ``$`` separately; with Nagle on
    their side and delayed ACKs on ours every poll would stall ~40 ms.
    """
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if sock is not None and quickack is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class ServeOver(enum.Enum):
    """How the simulator is reached."""

    TCP = "tcp"
    """``socket://HOST:PORT`` (pyserial URL; works on every OS)."""
    PTY = "pty"
    """A pseudo-terminal behind a stable symlink (POSIX only), like a USB serial device."""


class WireClock:
    """When bytes would have finished crossing a shared half-duplex serial line.

    The line is busy from the start of a request until the end of its reply. A reply
    written late (the event loop wakes up to ~1 ms after a deadline) is not charged to
    the host: its next request is assumed to have started that much earlier.
    """

    def __init__(self, baudrate: int = BAUDRATE) -> None:
        self.char_s = BITS_PER_CHAR / baudrate
        self.free_at = 0.0
        self._late = 0.0

    def request(self, nbytes: int, now: float) -> None:
        """A request of ``nbytes`` arrived (all at once) at ``now``."""
        start = max(self.free_at, now - self._late)
        self.free_at = start + nbytes * self.char_s
        self._late = 0.0

    def reply_deadline(self, nbytes: int, now: float) -> float:
        """The moment the last byte of a reply of ``nbytes`` would arrive at the host."""
        self.free_at = max(self.free_at, now - self._late) + nbytes * self.char_s
        return self.free_at

    def written(self, at: float) -> None:
        """The reply was actually written at ``at``."""
        self._late = max(0.0, at - self.free_at)


class _Link:
    """One client connection (a TCP stream or the current pty)."""

    def __init__(self, write: Callable[[bytes], None], close: Callable[[], None]) -> None:
        self.connection = DeviceConnection(Framing.SERIAL)
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.write = write
        self._close = close
        self.closed = False
        self.task: asyncio.Task[None] | None = None
        self.last_write_at: float | None = None
        """Real time of the last reply written."""
        self.last_read_at = 0.0
        """Real time bytes last arrived from the client."""

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.inbox.put_nowait(b"")
            with contextlib.suppress(OSError):
                self._close()


class SimulatorServer(Simulator):
    """Serve a `ControlUnitModel` to one or more clients until `stop`.

    Args:
        config: the model's settings (ignored when ``model`` is given).
        faults: faults to inject (ignored when ``model`` is given, except hang-ups).
        over: `ServeOver.TCP` or `ServeOver.PTY` (or ``"tcp"`` / ``"pty"``).
        host, port: where to listen for TCP; port 0 picks a free port.
        speedup: model milliseconds per real millisecond (2.0 = races run twice as fast).
        pace: deliver replies at 19200-baud 8N1 line speed.
        model: a model to serve instead of building one from ``config`` and ``faults``.
        clock: real-time source in seconds (tests may pass a fake).
        **model_options: `ModelConfig` fields, used when ``config`` is None; ``cars`` may
            also be a count or a ``--cars`` string, ``faults`` a ``--faults`` string.

    Raises:
        SimulatorConfigError: an option is out of range or cannot be parsed.
    """

    def __init__(
        self,
        config: ModelConfig | None = None,
        *,
        faults: Faults | str = NO_FAULTS,
        over: ServeOver | str = ServeOver.TCP,
        host: str = "127.0.0.1",
        port: int = 0,
        speedup: float = 1.0,
        pace: bool = False,
        baudrate: int = BAUDRATE,
        model: ControlUnitModel | None = None,
        clock: Callable[[], float] = time.monotonic,
        **model_options: Any,
    ) -> None:
        if not speedup > 0:
            raise SimulatorConfigError(f"speedup must be a positive factor, got {speedup}")
        if model is None:
            if isinstance(faults, str):
                faults = parse_faults(faults, seed=model_options.get("seed", 0))
            if config is None:
                config = _config_from_options(model_options)
            elif model_options:
                raise SimulatorConfigError(
                    f"give either a config or model options, not both: {sorted(model_options)}"
                )
            model = ControlUnitModel(config, faults)
        self.model = model
        self.over = ServeOver(over)
        self.host = host
        self.port = port
        self.speedup = speedup
        self.pace = pace
        self.wire = WireClock(baudrate)
        self._clock = clock
        self._t0 = 0.0
        self._lock = asyncio.Lock()
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self._hangup_task: asyncio.Task[None] | None = None
        self._pty: tuple[int, int] | None = None
        self._pty_link: _Link | None = None
        self._pty_dir: Path | None = None
        self.target: str | None = None
        self.requests_answered = 0
        self._down_until = 0.0
        """Real time until which a power-cycled CU's link stays down."""
        self._reopen_task: asyncio.Task[None] | None = None

    @property
    def truth(self) -> TruthLog:
        return self.model.truth

    def truth_lines(self) -> Iterator[str]:
        """The ground truth as JSON lines: a ``run`` header, crossings, a ``summary``."""
        config = self.model.config
        faults = self.model.faults
        yield json.dumps(
            {
                "type": "run",
                "target": self.target,
                "seed": config.seed,
                "cars": [[spec.car, spec.lap_ms, spec.jitter_ms] for spec in config.cars],
                "sensor_groups": config.sensor_groups,
                "version": config.version,
                "speedup": self.speedup,
                "pace": self.pace,
                "faults": {
                    "corrupt": faults.corrupt_rate,
                    "drop": faults.drop_rate,
                    "dup": faults.duplicate_rate,
                    "hangup_s": faults.hangup_every_s,
                    "repeat": faults.repeat_rate,
                    "reorder": faults.reorder_rate,
                    "garble": faults.garble_rate,
                    "nodollar": faults.unterminated_rate,
                    "noise": faults.noise_rate,
                    "resetrace": faults.crossing_at_reset,
                    "powercycle": faults.power_cycle_every,
                    "outage_s": faults.outage_s,
                    "seed": faults.seed,
                },
                "model_ms": round(self.model.now_ms),
            }
        )
        yield from self.truth.json_lines()

    @property
    def device(self) -> str:
        """The device string for ``slotrace record`` etc., e.g. ``carrera:socket://...``."""
        if self.target is None:
            raise RuntimeError("simulator not started")
        return f"carrera:{self.target}"

    @property
    def pty_path(self) -> Path | None:
        """The stable symlink (pty only)."""
        return self._pty_dir / PTY_LINK_NAME if self._pty_dir else None

    def model_ms(self) -> float:
        """Model time now."""
        return (self._clock() - self._t0) * 1000.0 * self.speedup

    def driver_options(self) -> dict[str, Any]:
        """The driver must know the simulated clock runs ``speedup`` times wall time."""
        return {"clock_rate": 1000.0 * self.speedup}

    async def start(self) -> str:
        """Start serving; return ``socket://HOST:PORT`` or the pty's stable path."""
        self._t0 = self._clock()
        if self.over is ServeOver.TCP:
            try:
                self._server = await asyncio.start_server(self._on_tcp_client, self.host, self.port)
            except OSError as exc:
                raise TransportError(
                    f"simulator cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
                    " (is another simulator running there? try port 0 for a free one)"
                ) from exc
            port = self._server.sockets[0].getsockname()[1]
            self.target = f"socket://{self.host}:{port}"
        else:
            if os.name != "posix":
                raise TransportError("a pty simulator needs Linux or macOS; use --listen instead")
            self._pty_dir = Path(tempfile.mkdtemp(prefix="slotrace-sim-"))
            self._open_pty()
            self.target = str(self.pty_path)
        hangup_s = self.model.faults.hangup_every_s
        if hangup_s:
            self._hangup_task = asyncio.create_task(self._hang_up_periodically(hangup_s))
        return self.target

    async def stop(self) -> None:
        """Stop serving, close every link, remove the pty and its symlink.

        The model is brought up to the current time first, so crossings nobody polled
        appear in the truth log as still queued.
        """
        if self.target is not None:
            self.model.advance_to(max(self.model.now_ms, self.model_ms()))
        for task in (self._hangup_task, self._reopen_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._hangup_task = self._reopen_task = None
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.close()
        tasks = [link.task for link in self._links if link.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._links.clear()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None
        self._close_pty()
        if self._pty_dir is not None:
            shutil.rmtree(self._pty_dir, ignore_errors=True)
            self._pty_dir = None

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def link_down(self) -> bool:
        """True while a power-cycled CU keeps its link down."""
        return self._clock() < self._down_until

    async def hang_up(self) -> None:
        """Close every client link now (after the reply in flight); queued events stay.

        Every ``Faults.power_cycle_every``-th hang-up power-cycles the CU as well and keeps
        the link down for ``Faults.outage_s`` model seconds.
        """
        faults = self.model.faults
        async with self._lock:
            self.model.record_hangup()
            cycle = faults.power_cycle_every
            power_cycle = cycle is not None and self.model.truth.hangups % cycle == 0
            for link in list(self._links):
                link.close()
            if self.over is ServeOver.PTY and self._pty_dir is not None:
                await self._let_client_read_pty()
                self._close_pty()
            if power_cycle:
                self.model.advance_to(max(self.model.now_ms, self.model_ms()))
                self.model.power_cycle()
                self._down_until = self._clock() + faults.outage_s / self.speedup
            if self.over is ServeOver.PTY and self._pty_dir is not None:
                if power_cycle and faults.outage_s > 0:
                    with contextlib.suppress(FileNotFoundError):
                        (self._pty_dir / PTY_LINK_NAME).unlink()
                    self._reopen_task = asyncio.create_task(self._reopen_pty_after_outage())
                else:
                    self._open_pty()
        logger.info("simulator hung up (%d so far)", self.model.truth.hangups)

    async def _reopen_pty_after_outage(self) -> None:
        await asyncio.sleep(max(0.0, self._down_until - self._clock()))
        async with self._lock:
            if self._pty_dir is not None and self._pty is None:
                self._open_pty()

    async def _hang_up_periodically(self, every_model_s: float) -> None:
        interval = every_model_s / self.speedup
        next_at = self._clock() + interval
        while True:
            await asyncio.sleep(max(0.0, next_at - self._clock()))
            next_at += interval
            if not self.link_down:  # nothing to hang up while a power-cycled CU is away
                await self.hang_up()

    # --- serving ---
    async def _serve(self, link: _Link) -> None:
        try:
            while not link.closed:
                data = await link.inbox.get()
                if not data:
                    return
                if self.pace:
                    self.wire.request(len(data), self._clock())
                for item in link.connection.receive_data(data):
                    await self._answer(link, item)
        finally:
            link.close()
            self._links.discard(link)

    async def _answer(self, link: _Link, item: object) -> None:
        async with self._lock:
            if link.closed:
                self.model.truth.unanswered_at_hangup += 1
                return
            self.model.advance_to(self.model_ms())
            if isinstance(item, BadFrame):
                logger.debug("simulator got a malformed request: %s", item.error)
                reply = self.model.handle_bad_frame()
            else:
                reply = self.model.handle(item)  # type: ignore[arg-type]
            if reply is None:
                return
            wire = self.model.wire_faults(link.connection.frame_reply(reply))
            if self.pace:
                deadline = self.wire.reply_deadline(
                    len(wire) + REPLY_LINE_EXTRA_CHARS, self._clock()
                )
                delay = deadline - self._clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.wire.written(self._clock())
            if not link.closed:
                link.write(wire)
                link.last_write_at = self._clock()
                self.requests_answered += 1

    def _start_link(self, link: _Link) -> None:
        self._links.add(link)
        link.task = asyncio.create_task(self._serve(link))

    async def _on_tcp_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if self.link_down:  # the CU is away after a power cycle: turn the client away
            writer.close()
            return
        link = _Link(writer.write, writer.close)
        self._start_link(link)
        sock = writer.get_extra_info("socket")
        try:
            while not link.closed:
                data = await reader.read(4096)
                _ack_now(sock)
                link.inbox.put_nowait(data)
                if not data:
                    break
        except (ConnectionError, OSError):
            link.close()
        finally:
            link.inbox.put_nowait(b"")

    # --- pty ---
    def _open_pty(self) -> None:
        import tty

        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._pty = (master, slave)
        assert self._pty_dir is not None
        fresh = self._pty_dir / (PTY_LINK_NAME + ".new")
        with contextlib.suppress(FileNotFoundError):
            fresh.unlink()
        fresh.symlink_to(os.ttyname(slave))
        fresh.replace(self._pty_dir / PTY_LINK_NAME)

        def write(data: bytes) -> None:
            try:
                os.write(master, data)
            except BlockingIOError:
                logger.warning("simulator pty full: nobody reads %s; reply dropped", self.target)

        link = _Link(write, lambda: None)
        self._pty_link = link
        self._start_link(link)
        asyncio.get_running_loop().add_reader(master, self._on_pty_readable, master, link)

    async def _let_client_read_pty(self) -> None:
        """Wait (bounded) until the client has read every reply byte we wrote.

        Closing the master discards what is still in the slave's input queue, which
        would lose a timer frame the truth log already counts as delivered. The kernel
        moves written bytes to the slave asynchronously, so an empty queue only counts
        once the last write is a little while ago; a new request proves it directly.
        """
        link = self._pty_link
        if self._pty is None or link is None or link.last_write_at is None:
            return
        slave = self._pty[1]
        deadline = self._clock() + PTY_DRAIN_TIMEOUT_S
        while self._clock() < deadline:
            if link.last_read_at > link.last_write_at:
                return
            settled = self._clock() - link.last_write_at > PTY_SETTLE_S
            if settled and not _unread_bytes(slave):
                return
            await asyncio.sleep(0.002)
        logger.warning("simulator hang-up: client left %d reply bytes unread", _unread_bytes(slave))

    def _on_pty_readable(self, master: int, link: _Link) -> None:
        try:
            data = os.read(master, 4096)
        except BlockingIOError:
            return
        except OSError:
            return  # EIO: no slave open right now; ours stays open, so this is rare
        if data:
            link.last_read_at = self._clock()
            link.inbox.put_nowait(data)

    def _close_pty(self) -> None:
        if self._pty is None:
            return
        master, slave = self._pty
        self._pty = None
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(master)
        if self._pty_link is not None:
            self._pty_link.close()
            self._pty_link = None
        for fd in (master, slave):
            with contextlib.suppress(OSError):
                os.close(fd)
