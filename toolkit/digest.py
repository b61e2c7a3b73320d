"""SHA-256 without loading OpenSSL: `hashlib` imports it eagerly (about 2 ms of every hook process).

CPython ships its own SHA-256 as a small built-in module (`_sha256` up to 3.11,
`_sha2` from 3.12); the digests are identical. hashlib is the fallback.
"""

from __future__ import annotations

try:
    from _sha256 import sha256
except ImportError:  # pragma: no cover - Python 3.12+
    try:
        from _sha2 import sha256  # type: ignore[no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]


def sha256_hex(data: bytes) -> str:
    return sha256(data).hexdigest()


__all__ = ["sha256", "sha256_hex"]
