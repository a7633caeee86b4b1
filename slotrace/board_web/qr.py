"""Provides `terminal_qr`: a QR code of the web board's URL as text (segno, pure Python)."""

from __future__ import annotations

import io


def terminal_qr(url: str) -> str:
    """The QR code of ``url`` drawn with block characters, for a terminal or a TUI label."""
    import segno

    code = segno.make(url, error="m")
    out = io.StringIO()
    code.terminal(out=out, compact=True, border=2)
    return out.getvalue()
