"""A real terminal for a test: one program in a pane of a private tmux server.

The pane's output reaches the test through a FIFO (``tmux pipe-pane``), read by a thread
that strips the terminal's escape sequences; the test *blocks* on text appearing there (a
condition variable, with a timeout only as a failure guard) and sends keys with ``tmux
send-keys``. The program starts only after the pipe is attached (it waits on a gate FIFO),
so nothing it paints is missed. When the program ends, tmux closes the pane and the FIFO
reaches its end: that is how a test waits for the exit.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

ESCAPE = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[ -/]*[0-~])"
)
"""CSI, OSC, DCS/APC/PM strings and the short escapes (charset, keypad, cursor save)."""


class TmuxError(Exception):
    """A tmux command failed (its message has tmux's own)."""


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


class Pane:
    """One program running in the tmux session ``name``; its output as plain text."""

    def __init__(self, server: TmuxServer, name: str, output: Path, timeout_s: float) -> None:
        self.server = server
        self.name = name
        self.timeout_s = timeout_s
        self.text = ""
        self.closed = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(output,), daemon=True)
        self._reader.start()
        self.pid = 0

    def _read(self, output: Path) -> None:
        pending = b""
        with open(output, "rb", buffering=0) as stream:  # blocks until pipe-pane opens it
            while chunk := stream.read(1 << 16):
                pending += chunk
                cut = pending.rfind(b"\x1b")  # an escape may be cut off at the chunk's end
                done, pending = (pending, b"") if cut < 0 else (pending[:cut], pending[cut:])
                self._add(done)
        self._add(pending)
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def _add(self, raw: bytes) -> None:
        if raw:
            plain = ESCAPE.sub(b"", raw).decode("utf-8", "replace")
            with self._changed:
                self.text += plain
                self._changed.notify_all()

    def wait_for(self, text: str, since: int = 0) -> int:
        """Block until ``text`` was painted (after offset ``since``); returns the offset just
        after it. Fails if the program ends first, or after the guard."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: text in self.text[since:] or self.closed, self.timeout_s)
            at = self.text.find(text, since)
        if at < 0:
            why = "the program ended" if found else f"{self.timeout_s:g} s passed"
            pytest.fail(f"{why} before race control showed {text!r}; screen:\n{self.screen()}")
        return at + len(text)

    def wait_closed(self) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.closed, self.timeout_s):
                pytest.fail(f"the program did not end within {self.timeout_s:g} s; "
                            f"screen:\n{self.screen()}")
        self._reader.join(self.timeout_s)

    def keys(self, *keys: str) -> None:
        self.server.tmux("send-keys", "-t", self.name, *keys)

    def kill(self) -> None:
        """SIGKILL the program (no cleanup of any kind) and wait until its pane is gone."""
        os.kill(self.pid, signal.SIGKILL)
        self.wait_closed()

    def screen(self) -> str:
        try:
            return self.server.tmux("capture-pane", "-p", "-t", self.name)
        except TmuxError:
            return "(the pane is gone)"


class TmuxServer:
    """A private tmux server (its own socket, no user configuration)."""

    def __init__(self, folder: Path, timeout_s: float, size: tuple[int, int] = (160, 48)) -> None:
        self.folder = folder
        self.timeout_s = timeout_s
        self.size = size
        self.socket = f"slotrace-test-{os.getpid()}-{id(self)}"
        self._launched = 0
        # one server for every launch: without exit-empty off it would exit with the last
        # pane, and a launch right then can reach the dying server and fail
        self.tmux("start-server", ";", "set-option", "-g", "exit-empty", "off")

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, "-f", os.devnull, *args],
                              capture_output=True, text=True, timeout=self.timeout_s)
        if done.returncode:
            raise TmuxError(f"tmux {' '.join(args)}: exit {done.returncode}: {done.stderr}")
        return done.stdout

    def launch(self, command: list[str], cwd: Path | None = None) -> Pane:
        """Start ``command`` in a new session; returns once it runs with its output piped."""
        self._launched += 1
        name = f"pane{self._launched}"
        output, gate = self.folder / f"{name}.out", self.folder / f"{name}.gate"
        os.mkfifo(output)
        os.mkfifo(gate)
        pane = Pane(self, name, output, self.timeout_s)
        where = f"cd {shlex.quote(str(cwd))} && " if cwd else ""
        width, height = self.size
        self.tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
                  f"{where}read _ < {shlex.quote(str(gate))}; exec {shlex.join(command)}")
        self.tmux("pipe-pane", "-t", name, "-o", f"cat > {shlex.quote(str(output))}")
        pane.pid = int(self.tmux("display-message", "-p", "-t", name, "#{pane_pid}"))
        with open(gate, "w") as opened:  # the pane's shell reads it, then execs the program
            opened.write("go\n")
        return pane

    def close(self) -> None:
        with contextlib.suppress(TmuxError, subprocess.TimeoutExpired):
            self.tmux("kill-server")
