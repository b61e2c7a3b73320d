"""SARIF 2.1.0 for code-scanning dashboards: stable ruleIds, repository-relative uris, the invocation's outcome."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from toolkit.report.model import Issue, RuleInfo
from toolkit.report.paths import artifact_location, repository_root

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def _region(issue: Issue) -> dict[str, int]:
    line, column = max(1, issue.line), max(1, issue.column)
    end_line = max(line, issue.end_line or line)
    end_column = issue.end_column or column
    if end_line == line:
        end_column = max(end_column, column)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": max(1, end_column)}


def _rule(rule: RuleInfo) -> dict[str, object]:
    out: dict[str, object] = {"id": rule.code, "name": rule.name, "shortDescription": {"text": rule.summary},
                              "defaultConfiguration": {"level": rule.level}}
    if rule.help or rule.help_markdown:
        out["help"] = {"text": rule.help or rule.summary, **({"markdown": rule.help_markdown}
                                                             if rule.help_markdown else {})}
        out["fullDescription"] = {"text": rule.help or rule.summary}
    if rule.help_uri:
        out["helpUri"] = rule.help_uri
    return out


def document(
    issues: Sequence[Issue],
    rules: Sequence[RuleInfo],
    *,
    tool: str,
    version: str,
    information_uri: str,
    exit_code: int,
    successful: bool,
    notifications: Sequence[str] = (),
    root: Path | None = None,
) -> dict[str, object]:
    """The SARIF log as a dict; codes met in `issues` but missing from `rules` get a bare descriptor.

    `successful` is false when the tool could not do its job (unreadable input, exit 2), so a dashboard
    does not read an empty result list as "no findings"; `notifications` say why.
    """
    root = root or repository_root(Path.cwd())
    descriptors = list(rules)
    known = {rule.code for rule in descriptors}
    for issue in issues:
        if issue.code not in known:
            known.add(issue.code)
            descriptors.append(RuleInfo(issue.code, issue.title or issue.code, issue.title or issue.code,
                                        issue.level))
    index = {rule.code: i for i, rule in enumerate(descriptors)}
    results = []
    for issue in issues:
        text = issue.message + (f"\nhint: {issue.hint}" if issue.hint else "")
        results.append({
            "ruleId": issue.code,
            "ruleIndex": index[issue.code],
            "level": issue.level,
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": artifact_location(issue.path, root),
                                                "region": _region(issue)}}],
        })
    invocation: dict[str, object] = {"executionSuccessful": successful, "exitCode": exit_code}
    if notifications:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": text}} for text in notifications
        ]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": tool, "version": version, "informationUri": information_uri,
                                "rules": [_rule(rule) for rule in descriptors]}},
            "invocations": [invocation],
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(issues: Sequence[Issue], rules: Sequence[RuleInfo], **kwargs) -> str:
    return json.dumps(document(issues, rules, **kwargs), indent=2, ensure_ascii=False)
