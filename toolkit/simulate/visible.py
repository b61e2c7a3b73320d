"""Text from traces made safe to show: every report (terminal or HTML page) uses the same escapes.

A transcript is anyone's text. A terminal escape could repaint the reader's
terminal; a right-to-left override or a zero-width character could make a
command read as something else on screen or in a browser. Each such character
is shown as a visible `\\uXXXX` escape instead.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["INVISIBLE", "clean"]

INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""C0 and C1 controls (ESC included), zero-width and bidirectional controls, line and paragraph separators."""


def clean(text: Any) -> str:
    """One printable line: each invisible or direction-changing character shown as `\\uXXXX`."""
    return INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))
