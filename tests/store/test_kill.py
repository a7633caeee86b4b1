"""A heat being journaled is killed with SIGKILL at random moments; nothing acknowledged is lost.

The writer is a forked child process that creates an event file, starts a heat and appends a
synthetic race (`race_stream`) as fast as it can, writing each acknowledged sequence number to
a pipe only after `HeatRecorder.append` returned. The parent kills it after a random number of
acknowledgements, reopens the file like a restarted app and checks that:

* the journal is exactly a prefix of the writer's input (nothing reordered, altered or invented),
* every acknowledged append is in it (the durability promise),
* replaying it gives the same standings as folding that prefix of the input directly.

Most runs use ``synchronous=NORMAL``: for a killed *process* it keeps exactly the same promise
as FULL (a WAL commit is in the OS page cache when ``append`` returns, and the kernel writes it
even though the process died); FULL adds one fsync per commit (about 6 ms here), which only
matters for a power cut, which no test can simulate. A few runs use the default FULL.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import select
import signal
import struct
from pathlib import Path
from typing import Any

import pytest

from slotrace.store import EventFile, HeatStatus, Synchronous
from slotrace.store.codec import encode

from .race_stream import race_stream

RUNS = 24
FULL_RUNS = 4
LAPS = 150  # ~900 events: longer than any kill waits, so kills land mid-heat
SEED = 1955
ACK = struct.Struct("<I")
SAFETY_TIMEOUT_S = 60.0
"""Only a guard against a hung writer; no wait in the test depends on it."""


def _config() -> Any:
    engine = pytest.importorskip("slotrace.engine")
    if not hasattr(engine, "SessionConfig"):
        return None
    return engine.SessionConfig(kind=engine.SessionKind.RACE_LAPS, laps=LAPS)


def _writer(path: str, ack_fd: int, config_data: Any, synchronous: Synchronous) -> None:
    try:
        ef = EventFile.create(path, name="Kill test", synchronous=synchronous)
        recorder = ef.start_heat("Heat 1", config_data or {})
        for item in race_stream(SEED, laps=LAPS):
            seq, _ = recorder.append(item)
            os.write(ack_fd, ACK.pack(seq))
        ef.finish_heat(recorder.heat)
    finally:
        os._exit(0)


def _kill_after(
    path: Path, acks_wanted: int, config_data: Any, synchronous: Synchronous
) -> list[int]:
    """Run the writer, SIGKILL it once ``acks_wanted`` appends were acknowledged."""
    read_fd, write_fd = os.pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_writer, args=(str(path), write_fd, config_data, synchronous)
    )
    process.start()
    os.close(write_fd)
    data = b""
    while len(data) < acks_wanted * ACK.size:  # blocks on the writer's acknowledgements
        readable, _, _ = select.select([read_fd], [], [], SAFETY_TIMEOUT_S)
        if not readable:  # a failure guard only: the writer acknowledges within ms
            os.kill(process.pid, signal.SIGKILL)
            pytest.fail(f"the writer acknowledged nothing for {SAFETY_TIMEOUT_S:g} s")
        chunk = os.read(read_fd, 4096)
        if not chunk:
            break  # writer finished
        data += chunk
    os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=10)
    while chunk := os.read(read_fd, 4096):  # acks written just before the kill
        data += chunk
    os.close(read_fd)
    return [seq for (seq,) in ACK.iter_unpack(data)]


def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path: Path) -> None:
    config = _config()
    stream = race_stream(SEED, laps=LAPS)
    expected_records = [encode(item) for item in stream]
    rng = random.Random(SEED)
    engine = None
    if config is not None and hasattr(pytest.importorskip("slotrace.engine"), "fold"):
        import slotrace.engine as engine
        from slotrace.store.replay import replay_heat
    checked_standings = 0
    killed_mid_heat = 0
    for run in range(RUNS):
        path = tmp_path / f"run{run}.slotrace"
        synchronous = Synchronous.FULL if run < FULL_RUNS else Synchronous.NORMAL
        wanted = rng.randrange(0, 20 if run < FULL_RUNS else len(stream) // 3)
        config_data = config.model_dump(mode="json") if config is not None else None
        acks = _kill_after(path, wanted, config_data, synchronous)
        if not path.exists():  # killed before the file was complete
            assert acks == []
            continue
        with EventFile.open(path) as ef:  # like the app restarting
            journal = list(ef.journal())
            records = [entry.record for entry in journal]
            assert records == expected_records[: len(records)], f"run {run}: not a prefix"
            assert set(acks) <= {entry.seq for entry in journal}, f"run {run}: lost an ack"
            assert len(records) >= len(acks)
            heat = ef.heats()[0] if ef.heats() else None
            if records:
                assert heat is not None
            if heat and len(records) < len(stream):
                killed_mid_heat += 1
                assert heat.status is HeatStatus.RUNNING
                assert ef.heat_in_progress() == heat
            if engine is not None and heat is not None:
                replayed = engine.standings(replay_heat(ef, heat.id))
                truth = engine.standings(engine.fold(config, stream[: len(records)]))
                assert replayed == truth, f"run {run}: standings differ after replay"
                checked_standings += 1
    assert killed_mid_heat >= RUNS // 2, "the kills should mostly land during the heat"
    assert engine is None or checked_standings > RUNS // 2
