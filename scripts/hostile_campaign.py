"""The hostile-input campaign of issue 23, longer than the test suite's and in real processes.

Every try runs `cedar-gates` in its own process on one generated hostile input
(blueprint YAML, .cedar, parity fixture, trace JSONL, task settings, TOML
configuration, sync contract, FIFOs and devices, /dev/zero on stdin, /dev/full
as output) and is classed:

  traceback      "Traceback" on stderr or stdout
  hang           no answer within --timeout seconds
  native crash   ended by a signal (SIGSEGV, SIGABRT, ...) or a "Fatal Python error"
  silent pass    exit 0 on an input that must be refused (a hostile number, a duplicate key)

All four must be 0.  Usage: python scripts/hostile_campaign.py [--tries 300] [--seed 1] [--timeout 30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "contracts" / "cedar-parity" / "boolean_operators.json"
MINIMAL = REPO / "fixtures" / "blueprints" / "good" / "minimal.yaml"
LIMITS_PY = REPO / "fixtures" / "sync" / "generic" / "limits.py"
CODE = "import sys; from toolkit.cli import main; sys.argv = ['cedar-gates', *sys.argv[1:]]; main()"

HOSTILE_NUMBERS = ["9" * 5000, "-" + "9" * 4400, "9223372036854775808", "-9223372036854775809", "1e400", "NaN",
                   "Infinity", "-Infinity"]
YAML_QUIRKS = ["0b101", "1:30", ".nan", ".inf", "-.inf", "0x1f", "017", "1_000", "9" * 5000,
               "99999999999999999999"]
TOML_QUIRKS = ["nan", "inf", "-inf", "+nan", "9" * 5000, "99999999999999999999"]
TEXTS = ["\\ud800", "\\udfff", "a\\u0000b", "\u2028", "\ufeff", "x" * 3000]


def _json_case(rng: random.Random, base: dict) -> tuple[str, bool]:
    text = json.dumps(base)
    kind = rng.choice(["number", "duplicate", "text", "deep"])
    if kind == "number":
        return text[:-1] + f', "hostile": {rng.choice(HOSTILE_NUMBERS)}}}', True
    if kind == "duplicate":
        key = rng.choice(sorted(base))
        return text[:-1] + f", {json.dumps(key)}: 1}}", True
    if kind == "deep":
        depth = rng.choice([100, 3000, 20000])
        return text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}", depth > 2000
    return text[:-1] + f', "note": "{rng.choice(TEXTS)}"}}', False


def generate(rng: random.Random, work: Path) -> tuple[str, list[str], bytes | None, bool, object]:
    """(kind, argv, stdin bytes, must_be_refused, stdin file or None)."""
    kind = rng.choice(["eval", "settings", "trace", "fixture", "contract", "toml", "yaml", "cedar", "special",
                       "out"])
    path = work / f"in-{rng.randrange(10**9)}"
    if kind == "eval":
        text, refused = _json_case(rng, {"file_path": "a", "content": "x"})
        return kind, ["eval", "--tool", "Write", "--input", text], None, refused, None
    if kind == "settings":
        text, refused = _json_case(rng, {"read_only": False, "gate_cap": 5})
        return kind, ["eval", "--tool", "Read", "--input", '{"file_path": "a"}', "--task-settings", text], None, \
            refused, None
    if kind == "trace":
        text, refused = _json_case(rng, {"t": 0, "tool_name": "Read", "tool_input": {"file_path": "a"}})
        path.with_suffix(".jsonl").write_text(text + "\n")
        return kind, ["simulate", str(path.with_suffix(".jsonl"))], None, refused, None
    if kind == "fixture":
        text, refused = _json_case(rng, json.loads(GOLDEN.read_text()))
        path.with_suffix(".json").write_text(text)
        return kind, ["parity", str(path.with_suffix(".json"))], None, refused or "\\ud" in text, None
    if kind == "contract":
        text, refused = _json_case(rng, {"limit": {"min": 1, "max": 10, "default": 5}})
        path.with_suffix(".json").write_text(text)
        return kind, ["sync", "constants", "--contract", str(path.with_suffix(".json")), "--python",
                      str(LIMITS_PY)], None, refused, None
    if kind == "toml":
        key = rng.choice(["max-file-bytes", "[parity]\ntimeout-s", "[test]\nmin-coverage"])
        value = rng.choice(TOML_QUIRKS + ["10"])
        path.with_suffix(".toml").write_text(f"{key} = {value}\n")
        return kind, ["lint", "--config", str(path.with_suffix(".toml")), str(MINIMAL)], None, value != "10", None
    if kind == "yaml":
        value = rng.choice(YAML_QUIRKS + ["10"])
        key = rng.choice(["approvalGateCap", "maxPreApprovalScope"])
        path.with_suffix(".yaml").write_text(f"security:\n  {key}: {value}\n")
        return kind, ["lint", str(path.with_suffix(".yaml"))], None, value != "10", None
    if kind == "cedar":
        depth = rng.choice([10, 500, 5000, 20000])
        shape = rng.choice(["(" * depth + "true" + ")" * depth, " && ".join(["true"] * depth),
                            "[" * depth + "]" * depth, "context" + ".a" * depth])
        path.with_suffix(".cedar").write_text(f'@tier("soft")\n@rule_id("r")\nforbid (principal, action, resource) '
                                              f"when {{ {shape} }};\n")
        return kind, ["lint", str(path.with_suffix(".cedar"))], None, False, None
    if kind == "special":
        target = rng.choice(["fifo", "/dev/zero", "dir"])
        if target == "fifo":
            os.mkfifo(path)
            target = str(path)
        elif target == "dir":
            path.mkdir()
            target = str(path)
        argv = rng.choice([["lint", target], ["simulate", target], ["eval", "--tool", "Read", "--input", f"@{target}"],
                           ["eval", "--tool", "Read", "--input", "{}", "--task-settings", f"@{target}"],
                           ["eval", "--tool", "Read", "--input", "{}", "--blueprint", target],
                           ["parity", target, "--no-policies"], ["lint", "--config", target, str(MINIMAL)],
                           ["test", target, "--no-wasm"]])
        return kind, argv, None, target != "dir" or argv[0] != "parity", None
    trace = work / "ok.jsonl"
    trace.write_text('{"t": 0, "tool_name": "Read", "tool_input": {"file_path": "a"}}\n')
    argv = rng.choice([["simulate", str(trace), "--out", "/dev/full"], ["simulate", str(trace), "-o", "/dev/full"],
                       ["eval", "--tool", "Bash", "--input", "-"], ["lint", "-"], ["simulate", "-"],
                       ["parity", "--timeout", rng.choice(["inf", "nan", "-inf"]), str(GOLDEN)]])
    stdin = open("/dev/zero", "rb") if "-" in argv else None  # noqa: SIM115 - closed after the run
    return "out", argv, None, True, stdin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts = {"tries": 0, "tracebacks": 0, "hangs": 0, "native crashes": 0, "silent passes": 0}
    examples: dict[str, list[str]] = {k: [] for k in counts}
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        work = Path(tmp)
        (work / ".git").mkdir()
        for _ in range(args.tries):
            kind, argv, _stdin, refused, stdin_file = generate(rng, work)
            counts["tries"] += 1
            shown = f"{kind}: cedar-gates {' '.join(a[:60] for a in argv)}"
            try:
                done = subprocess.run([sys.executable, "-c", CODE, *argv], cwd=work, capture_output=True,
                                      stdin=stdin_file or subprocess.DEVNULL, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                counts["hangs"] += 1
                examples["hangs"].append(shown)
                continue
            finally:
                if stdin_file is not None:
                    stdin_file.close()
            output = done.stdout + done.stderr
            if done.returncode < 0 or b"Fatal Python error" in output:
                counts["native crashes"] += 1
                examples["native crashes"].append(f"{shown} (exit {done.returncode})")
            elif b"Traceback" in output:
                counts["tracebacks"] += 1
                examples["tracebacks"].append(f"{shown}\n      {output.decode(errors='replace')[-300:]}")
            elif refused and done.returncode == 0:
                counts["silent passes"] += 1
                examples["silent passes"].append(shown)
            if args.verbose:
                print(f"{done.returncode:>4}  {shown}")
    print(f"hostile campaign, seed {args.seed}, {time.monotonic() - start:.0f} s")
    for key, value in counts.items():
        print(f"  {key:<15} {value}")
        for example in examples[key][:5]:
            print(f"    - {example}")
    return 0 if all(counts[k] == 0 for k in counts if k != "tries") else 1


if __name__ == "__main__":
    sys.exit(main())
