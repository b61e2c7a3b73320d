"""Report formats every command shares: SARIF, GitHub workflow commands and JUnit XML.

Each command turns its own report into `Issue`s (a place in a file and a
message) or JUnit `Case`s; these modules only write them. Paths are made
repository-relative here, once, so SARIF and GitHub annotations always agree.
Stdlib only: it sits at the bottom of the layers.
"""

from __future__ import annotations

from toolkit.report.model import Case, Issue, RuleInfo

__all__ = ["Case", "Issue", "RuleInfo"]
