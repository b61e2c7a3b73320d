"""What the drift checkers compare, from `[sync]` in the configuration or from command-line options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = {".py": "python", ".pyi": "python", ".ts": "typescript", ".tsx": "typescript",
             ".mts": "typescript", ".cts": "typescript"}
MODES = ("derive", "mirror")


def language_of(path: Path) -> str | None:
    return LANGUAGES.get(path.suffix)


@dataclass(frozen=True)
class Consumer:
    """A file that holds contract values: `derive` ones must read them from the contract, `mirror` ones may
    repeat them as literals that must match."""

    path: Path
    language: str
    mode: str


@dataclass(frozen=True)
class SyncSettings:
    contract: Path | None = None
    names: dict[str, str] = field(default_factory=dict)
    consumers: tuple[Consumer, ...] = ()
    canonical: Path | None = None
    mirror: Path | None = None
    canonical_only: tuple[str, ...] = ()
    mirror_only: tuple[str, ...] = ()
    include_functions: bool = False
    """Compare exported functions (signatures) and classes too; they are not part of a type contract."""
    max_file_bytes: int = 1 << 20
    """Contract, schema and consumer files larger than this are refused unread."""
    schema: Path | None = None
    """The project's own JSON Schema for its contract (the toolkit's schema only checks the toolkit's contract)."""

    @property
    def has_constants(self) -> bool:
        return bool(self.consumers)

    @property
    def has_types(self) -> bool:
        return self.canonical is not None and self.mirror is not None

    def watched(self) -> list[Path]:
        files = [c.path for c in self.consumers] + ([self.contract] if self.contract else [])
        return files + [p for p in (self.canonical, self.mirror) if p is not None]
