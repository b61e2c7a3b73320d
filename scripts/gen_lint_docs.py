"""Regenerate docs/lint-rules.md from the lint rule catalogue."""

from __future__ import annotations

from pathlib import Path

from toolkit.lint.docs import render_markdown

TARGET = Path(__file__).resolve().parent.parent / "docs" / "lint-rules.md"

if __name__ == "__main__":
    TARGET.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {TARGET}")
