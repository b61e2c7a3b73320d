"""Machine output: one JSON document with every finding and the totals."""

from __future__ import annotations

import json

from toolkit import __version__
from toolkit.lint.diagnostics import LintReport


def render(report: LintReport, strict: bool = False) -> str:
    return json.dumps(
        {
            "tool": "cedar-gates",
            "version": __version__,
            "files": [{"path": f.path, "fatal": f.fatal, "findings": len(f.findings)} for f in report.files],
            "findings": [f.to_dict() for f in report.findings],
            "summary": {level: report.count(level) for level in ("error", "warning", "info")},
            "exit_code": report.exit_code(strict),
        },
        indent=2,
    )
