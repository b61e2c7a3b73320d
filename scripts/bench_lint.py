"""Lint and CLI start-up cost, reported as ratios to the raw engine measured in the same run.

    python scripts/bench_lint.py [--repeat N]

1. Lint of a ~64 KiB blueprint (in process, after warm-up) vs a bare
   `cedarpy.policies_to_json_str` of the same Cedar text.  Target: <= 3x.
2. Cold start of `cedar-gates --help` vs `python -c "import cedarpy"`.  Target: <= 2x.
Medians of N runs; no assertion, the numbers are for people.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cedarpy

from toolkit.config import Config
from toolkit.policytests.linting import linter as full_linter


def build_blueprint(target_bytes: int) -> tuple[str, str]:
    """A realistic blueprint whose hard + soft Cedar text is just under `target_bytes`."""
    hard, soft, i = [], [], 0

    def size() -> int:
        return sum(len(p) for p in hard + soft)

    while True:
        rule = (
            f'@tier("soft")\n@rule_id("tool_{i}_deploy")\n@approval_timeout_s("600")\n@severity("high")\n'
            f'@category("destructive")\n'
            f'forbid (principal, action == Agent::Action::"execute_bash", resource)\n'
            f'when {{ context.command like "*tool{i}*deploy*" || context.command like "*tool{i}*rollback*" }};\n'
        ) if i % 2 else (
            f'@tier("hard")\n@rule_id("secret_{i}_path")\n'
            f'forbid (principal, action == Agent::Action::"write_file", resource)\n'
            f'when {{ context.file_path like "secrets/{i}/*" || context.file_path like "*/vault{i}/*" }};\n'
        )
        if size() + len(rule) > target_bytes:
            break
        (soft if i % 2 else hard).append(rule)
        i += 1
    return "".join(hard), "".join(soft)


def to_yaml(hard: str, soft: str) -> str:
    def block(text: str) -> str:
        return "".join(f"      {line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))

    return f"security:\n  approvalGateCap: 50\n  cedarPolicies:\n    hard: |\n{block(hard)}    soft: |\n{block(soft)}"


def median_time(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    hard, soft = build_blueprint(65_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(to_yaml(hard, soft))
        linter = full_linter(Config(root=Path(tmp)))
        report = linter.lint_file(path)  # warm-up (schemas, validators)
        assert not report.fatal, report.findings
        cedar_bytes = len((hard + soft).encode())
        raw = median_time(lambda: (cedarpy.policies_to_json_str(hard), cedarpy.policies_to_json_str(soft)), args.repeat)
        lint = median_time(lambda: linter.lint_file(path), args.repeat)
    print(f"64 KiB blueprint ({cedar_bytes:,} bytes of Cedar, {len(report.findings)} findings)")
    print(f"  cedarpy.policies_to_json_str : {raw * 1e3:8.2f} ms")
    print(f"  cedar-gates lint (in process): {lint * 1e3:8.2f} ms   ratio {lint / raw:.2f}x  (target <= 3x)")

    exe = shutil.which("cedar-gates") or str(Path(sys.executable).with_name("cedar-gates"))
    cold_import = median_time(lambda: subprocess.run([sys.executable, "-c", "import cedarpy"], check=True), args.repeat)
    cold_help = median_time(lambda: subprocess.run([exe, "--help"], check=True, stdout=subprocess.DEVNULL), args.repeat)
    print("cold start")
    print(f"  python -c 'import cedarpy'   : {cold_import * 1e3:8.1f} ms")
    print(f"  cedar-gates --help           : {cold_help * 1e3:8.1f} ms   ratio {cold_help / cold_import:.2f}x  (target <= 2x)")


if __name__ == "__main__":
    main()
