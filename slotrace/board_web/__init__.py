"""Provides the web spectator board: one read-only process serving every phone by push (SSE)."""

from slotrace.board_web.server import BoardServer, parse_bind

__all__ = ["BoardServer", "parse_bind"]
