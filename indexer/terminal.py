"""Text made safe to print to a terminal: archive text must not drive the reader's terminal.

Control characters (C0 but newline and tab, DEL, and C1, which holds the 8-bit CSI and OSC) start
escape sequences that can retitle the window, clear the screen or forge output; bidirectional
overrides reorder what is shown. All are removed from text printed for people. JSON output keeps
the text whole but writes C1 characters as \\u escapes (json.dumps already escapes C0).
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_C1 = re.compile("[\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` without control characters (newlines and tabs kept) or bidirectional overrides."""
    return _UNSAFE.sub("", str(text))


def json_safe(line: str) -> str:
    """A json.dumps(..., ensure_ascii=False) line with DEL and C1 characters escaped (still valid JSON)."""
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
