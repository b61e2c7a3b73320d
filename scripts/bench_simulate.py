"""Trace replay cost, as a ratio to the engine's own evaluate cost measured in the same run.

    python scripts/bench_simulate.py [--calls 100000] [--small 10000] [--big 1000000] [--skip-rss]

1. Throughput: replay a synthetic trace (a coding-session mix of reads, edits,
   shell commands, env-file writes and hard denies) with `simulate()`, reading
   the file line by line, and compare with driving a Gate directly over the
   same calls already in memory (evaluate, plus resolve for opened gates).
   Target: replay overhead <= 30%.
2. Memory: peak RSS of a child process replaying a `--small` and a `--big`
   trace.  Target: no growth beyond bounded state.
No assertion: the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from toolkit.engine import Approve, Gate, ManualClock, TaskSettings
from toolkit.policyset import load_policies
from toolkit.simulate import Respond, simulate

MIX = [
    ("Read", {"file_path": "src/app/{i}.py"}),
    ("Grep", {"pattern": "TODO", "path": "src/{i}"}),
    ("Edit", {"file_path": "src/app/{i}.py", "old_string": "a", "new_string": "b"}),
    ("Bash", {"command": "pytest -q tests/test_{i}.py && git status --short"}),
    ("Read", {"file_path": "docs/{i}.md"}),
    ("Write", {"file_path": "src/app/new_{i}.py", "content": "x = {i}\n"}),
    ("Bash", {"command": "git diff --stat HEAD~{i}"}),
    ("Glob", {"pattern": "src/**/*{i}.py"}),
    ("Write", {"file_path": ".git/hooks/h{i}", "content": ""}),
    ("Bash", {"command": "git push --force origin feature/{i}"}),
]


def fill(value: object, i: int) -> object:
    if isinstance(value, str):
        return value.replace("{i}", str(i))
    if isinstance(value, dict):
        return {k: fill(v, i) for k, v in value.items()}
    return value


def write_trace(path: Path, calls: int) -> None:
    with path.open("w") as out:
        out.write(json.dumps({"trace": 1, "task": {"gate_cap": 500, "max_lifetime_s": 10**9}}) + "\n")
        for i in range(calls):
            tool, template = MIX[i % len(MIX)]
            line = {"t": i * 0.5, "tool_name": tool, "tool_input": fill(template, i)}
            if tool == "Bash" and "--force" in line["tool_input"]["command"]:
                line["respond"] = {"answer": "approve", "scope": "this_call"}
            out.write(json.dumps(line) + "\n")


def direct(path: Path, bundle, constants) -> float:
    """The engine alone: the same calls, parsed up front, through one Gate on the same virtual clock."""
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    header, calls = lines[0], lines[1:]
    clock = ManualClock(0.0)
    gate = Gate(bundle, constants, TaskSettings.from_mapping(header["task"]), clock)
    start = time.perf_counter()
    for c in calls:
        clock.t = max(clock.t, c["t"])
        decision = gate.evaluate(c["tool_name"], c["tool_input"])
        if decision.outcome == "require_approval":
            gate.resolve(decision, Approve("this_call"))
    return time.perf_counter() - start


def replayed(path: Path, bundle, constants, out: Path | None) -> float:
    start = time.perf_counter()
    handle = out.open("w") if out else None
    try:
        report = simulate(path, bundle, constants, default=Respond("approve"), out=handle)
    finally:
        if handle:
            handle.close()
    elapsed = time.perf_counter() - start
    assert report.exit_code == 0, report.summary.to_json()
    return elapsed


RSS_CHILD = """
import resource, sys
from pathlib import Path
from toolkit.policyset import load_policies
from toolkit.simulate import Respond, simulate
bundle, constants = load_policies()
report = simulate(Path(sys.argv[1]), bundle, constants, default=Respond("approve"))
# VmHWM is this process's own peak (a new address space after exec); ru_maxrss keeps the parent's
# peak across fork and exec on Linux, so it is only the fallback.
try:
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(report.summary.calls, peak)
"""


def peak_rss(path: Path) -> tuple[int, int, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", RSS_CHILD, str(path)], capture_output=True, text=True, check=True)
    calls, rss_kib = map(int, out.stdout.split())
    return calls, rss_kib, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--skip-rss", action="store_true")
    args = parser.parse_args()

    bundle, constants = load_policies()
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "synthetic.jsonl"
        write_trace(trace, args.calls)
        direct(trace, bundle, constants)  # warm-up
        engine = min(direct(trace, bundle, constants) for _ in range(3))
        replay = min(replayed(trace, bundle, constants, None) for _ in range(3))
        with_out = min(replayed(trace, bundle, constants, Path(tmp) / "out.jsonl") for _ in range(2))
        n = args.calls
        print(f"throughput over {n:,} calls (best of 3)")
        print(f"  engine alone (calls in memory)   {engine:7.2f} s  {n / engine:9,.0f} calls/s  "
              f"{engine / n * 1e6:6.1f} µs/call")
        print(f"  simulate (streamed from file)    {replay:7.2f} s  {n / replay:9,.0f} calls/s  "
              f"overhead {replay / engine - 1:+.0%}  (target <= +30%)")
        print(f"  simulate --out decisions.jsonl   {with_out:7.2f} s  {n / with_out:9,.0f} calls/s  "
              f"overhead {with_out / engine - 1:+.0%}")
        if args.skip_rss:
            return
        sizes = {}
        for label, count in (("small", args.small), ("big", args.big)):
            path = Path(tmp) / f"{label}.jsonl"
            write_trace(path, count)
            sizes[label] = (path.stat().st_size, *peak_rss(path))
        print("peak RSS of a child replaying a trace")
        for size, calls, rss, secs in sizes.values():
            print(f"  {calls:>9,} calls ({size / 2**20:6.1f} MiB)   {rss / 1024:6.1f} MiB peak   {secs:6.1f} s")
        growth = sizes["big"][2] / sizes["small"][2] - 1
        print(f"  growth {growth:+.1%} for {args.big // args.small}x the calls (target: bounded state only)")


if __name__ == "__main__":
    main()
