"""SARIF 2.1.0 for code-scanning dashboards: stable ruleIds, repository-relative uris."""

from __future__ import annotations

import json
from pathlib import Path

from toolkit import __version__
from toolkit.lint.catalogue import all_rules
from toolkit.lint.diagnostics import LintReport

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS_URI = "https://github.com/cedar-gates/cedar-gates/blob/main/docs/lint-rules.md"


def repository_root(start: Path) -> Path:
    """The nearest directory with `.git` from `start` upward (else `start`): what code scanning resolves against."""
    start = start.resolve()
    for directory in [start, *start.parents]:
        if (directory / ".git").exists():
            return directory
    return start


def _uri(path: str, root: Path) -> dict[str, str]:
    absolute = (Path.cwd() / path).resolve()
    try:
        return {"uri": absolute.relative_to(root).as_posix(), "uriBaseId": "%SRCROOT%"}
    except ValueError:
        return {"uri": absolute.as_uri()}


def render(report: LintReport) -> str:
    root = repository_root(Path.cwd())
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for f in report.findings:
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _LEVEL[f.level],
                "message": {"text": f"{f.message}\nhint: {f.hint}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _uri(f.path, root),
                            "region": {
                                "startLine": f.line,
                                "startColumn": f.column,
                                "endLine": f.end_line,
                                "endColumn": max(f.end_column, f.column),
                            },
                        }
                    }
                ],
                **({"properties": {"cedarRuleId": f.rule_id}} if f.rule_id else {}),
            }
        )
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cedar-gates",
                        "version": __version__,
                        "informationUri": DOCS_URI,
                        "rules": [
                            {
                                "id": rule.code,
                                "name": rule.name,
                                "shortDescription": {"text": rule.summary},
                                "fullDescription": {"text": rule.docs},
                                "help": {"text": f"{rule.summary} Fix: {rule.hint}.", "markdown": f"{rule.docs}\n\n**Fix:** {rule.hint}"},
                                "helpUri": f"{DOCS_URI}#{rule.code.lower()}-{rule.name}",
                                "defaultConfiguration": {"level": _LEVEL[rule.level]},
                            }
                            for rule in rules
                        ],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2)
