"""Provides the text formats race control and the board use for times, gaps and lights."""

from __future__ import annotations

NO_TIME = "–"


def lap_time(ms: int | None) -> str:
    """A lap or sector time as ``S.mmm`` below a minute, ``M:SS.mmm`` above; dash if unknown."""
    if ms is None:
        return NO_TIME
    minutes, rest = divmod(ms, 60_000)
    seconds, millis = divmod(rest, 1000)
    if minutes:
        return f"{minutes}:{seconds:02d}.{millis:03d}"
    return f"{seconds}.{millis:03d}"


def session_clock(ms: int | None) -> str:
    """A running clock as ``H:MM:SS`` or ``MM:SS``; dashes before the start."""
    if ms is None:
        return "--:--"
    total_seconds = max(ms, 0) // 1000
    hours, rest = divmod(total_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


def gap(value: object) -> str:
    """A gap or interval from the engine: ``+1.234`` for time, ``+2 laps`` for whole laps.

    The engine's ``Gap`` carries either ``ms`` or ``laps``; ``None`` (the leader) shows a dash.
    """
    if value is None:
        return NO_TIME
    laps = getattr(value, "laps", None)
    if laps:
        return f"+{laps} lap" if laps == 1 else f"+{laps} laps"
    ms = getattr(value, "ms", None)
    if ms is None:
        return NO_TIME
    return f"+{lap_time(ms)}"


def fuel_bar(level: int | None, width: int = 5) -> str:
    """Fuel 0..15 as a small bar; empty when the control unit reports no fuel."""
    if level is None:
        return ""
    filled = round(width * max(0, min(level, 15)) / 15)
    return "█" * filled + "░" * (width - filled)
