"""Neutralise text that could steer a terminal: control characters and bidi overrides."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi embedding,
# override and isolate characters (the "Trojan Source" set).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """Text with every unsafe character shown as a visible escape such as \\x1b or \\u202e."""
    return _UNSAFE.sub(_visible, text)


def safe_line(text: str) -> str:
    """Like safe(), and newlines too, for text that must stay on one line."""
    return safe(text).replace("\n", "\\n")
