"""Secrets out of what a human typed (deny reasons) and of input previews, before they are stored or shown.

Text is redacted, cleaned of control sequences, redacted again (a secret
split by a control character is whole after cleaning), and only then cut:
cutting first could leave an unrecognisable half of a key. Patterns err towards
redacting too much: no word boundaries, greedy bodies.
"""

from __future__ import annotations

import re

from toolkit.engine.sanitize import clean, truncate

MARK = "[REDACTED]"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[A-Z0-9 ]*-----|\Z)",
                               re.DOTALL)),
    ("url credentials", re.compile(r"(?<=://)[^/\s:@]*:[^/\s@]+(?=@)")),
    ("jwt", re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]*)?")),
    ("aws key id", re.compile(r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}")),
    ("gcp api key", re.compile(r"AIza[0-9A-Za-z_\-]{30,}")),
    ("gcp oauth token", re.compile(r"ya29\.[0-9A-Za-z_\-.]+")),
    ("github token", re.compile(r"(?:gh[pousr]_[A-Za-z0-9_]{20,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("slack token", re.compile(r"xox[abposre]-[A-Za-z0-9\-]{8,}")),
    ("slack webhook", re.compile(r"hooks\.slack\.com/services/[A-Za-z0-9/_\-]+")),
    ("openai-style key", re.compile(r"sk-[A-Za-z0-9_\-]{16,}")),
    ("bearer token", re.compile(r"(?i)(?<=bearer)\s+[^\s]+")),
    ("basic auth", re.compile(r"(?i)(?<=basic)\s+[A-Za-z0-9+/=]{8,}")),
    ("assignment", re.compile(
        r"(?i)((?:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|access[_\-]?key|secret[_\-]?key"
        r"|client[_\-]?secret|private[_\-]?key|auth|credentials?)[\"']?\s*[:=]\s*)"
        r"(\"[^\"]*\"?|'[^']*'?|[^\s,;&]+)")),
)


def redact(text: str) -> str:
    """`text` with every secret-shaped run replaced by [REDACTED]; no cleaning, no cutting."""
    for name, pattern in _PATTERNS:
        if name == "assignment":
            text = pattern.sub(lambda m: m.group(1) + MARK, text)
        else:
            text = pattern.sub(" " + MARK if name in ("bearer token", "basic auth") else MARK, text)
    return text


def safe_text(text: str, limit: int) -> str:
    """Redacted, cleaned of control sequences, redacted again (a secret split by a control is whole now), then cut.

    The first pass matters too: stripping an escape sequence can eat the first
    character of a secret right after it, leaving a body no pattern knows.
    """
    return truncate(redact(clean(redact(text))), limit)
