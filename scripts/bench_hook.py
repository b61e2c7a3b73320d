"""Cost of one hook process, side by side with `python -c "import cedarpy"` (the floor).

    python scripts/bench_hook.py [--runs 15]

Runs, interleaved, in a temporary project: a bare `import cedarpy`, the
installed `cedar-gates hook claude-code` on a PreToolUse event (Bash and Write;
warm: the policy bundle is already cached in the state file, as on every call
after a session's first), the first call with a cold cache, and `cedar-gates
eval`; and a PostToolUse with nothing pending (what Claude Code sends after every
call) against `python -c "pass"` and against `python + lookup`, a script that only parses the event and runs
the one read-only state query (target: within 1.2x of that),
and the hook through the blocking command `hook install` writes. Prints medians
and the ratio to the floor (target: hook <= 2x), by wall clock and by CPU time, and
the median of each run's CPU ratio to the floor measured in that run ("paired"). Measure
a regular `pip install .`: an editable install adds an import hook to every
process start. No assertion: the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


LOOKUP = """
import json, os, sqlite3, sys
event = json.loads(sys.stdin.buffer.read())
state = os.path.join(os.environ["CLAUDE_PROJECT_DIR"], ".cedar-gates", "hook-state.sqlite3")
db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
db.execute("SELECT 1 FROM pending WHERE session = ? AND tool_use_id = ?",
           (event["session_id"], event["tool_use_id"])).fetchone()
db.close()
"""
"""The floor of a PostToolUse: Python, the event parsed, one read-only query of the state (its imports
included: json pulls in re and enum, sqlite3 pulls in datetime)."""


def timed(cmd: list[str], stdin: bytes | None, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system of the process and its children): on a shared machine the wall
    clock also counts waiting for a core, the CPU time much less so."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, input=stdin, cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2, 3):
        raise SystemExit(f"{cmd[:3]} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def event(cwd: Path, tool: str, tool_input: dict, n: int, name: str = "PreToolUse") -> bytes:
    return json.dumps({"session_id": "bench", "transcript_path": str(cwd / "t.jsonl"), "cwd": str(cwd),
                       "permission_mode": "default", "hook_event_name": name, "tool_name": tool,
                       "tool_input": tool_input, "tool_use_id": f"toolu_{n}"}).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = shutil.which("cedar-gates", path=str(Path(sys.executable).parent)) or shutil.which("cedar-gates")
    if exe is None:
        raise SystemExit("cedar-gates is not installed next to this Python")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    env.pop("PYTHONDONTWRITEBYTECODE")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / ".git").mkdir()
        env["CLAUDE_PROJECT_DIR"] = str(project)
        calls = {
            "hook Bash": ("Bash", {"command": "git status && npm test -- --watch=false"}),
            "hook Write": ("Write", {"file_path": "src/app.py", "content": "print(1)\n"}),
        }
        floor_cmd = [sys.executable, "-c", "import cedarpy"]
        lookup_cmd = [sys.executable, "-c", LOOKUP]
        eval_cmd = [exe, "eval", "--tool", "Bash", "--input", json.dumps({"command": "git status"})]
        from toolkit.hook.install import hook_command

        installed = ["sh", "-c", hook_command(exe, [], interpreter=sys.executable)]
        samples: dict[str, list[tuple[float, float]]] = {k: [] for k in ("import cedarpy", *calls, "hook installed cmd",
                                                           "hook cold cache", "eval", "python pass",
                                                           "python + lookup", "post, none pending")}
        timed([exe, "hook", "claude-code"], event(project, "Bash", {"command": "ls"}, 0), project, env)
        for run in range(args.runs):
            samples["import cedarpy"].append(timed(floor_cmd, None, project, env))
            for label, (tool, tool_input) in calls.items():
                samples[label].append(timed([exe, "hook", "claude-code"], event(project, tool, tool_input, run),
                                            project, env))
            cold_state = project / f"cold-{run}.sqlite3"
            samples["hook cold cache"].append(timed([exe, "hook", "claude-code", "--state", str(cold_state)],
                                                    event(project, "Bash", {"command": "ls"}, run), project, env))
            samples["eval"].append(timed(eval_cmd, None, project, env))
            samples["hook installed cmd"].append(timed(installed, event(project, *calls["hook Bash"], run),
                                                       project, env))
            samples["python pass"].append(timed([sys.executable, "-c", "pass"], None, project, env))
            samples["python + lookup"].append(timed(lookup_cmd, event(
                project, "Bash", {"command": "ls"}, run, "PostToolUse"), project, env))
            samples["post, none pending"].append(timed([exe, "hook", "claude-code"], event(
                project, "Bash", {"command": "ls"}, run, "PostToolUse"), project, env))
    def median(label: str, which: int) -> float:
        return statistics.median(sample[which] for sample in samples[label])

    def paired(label: str) -> float:
        """The median of each run's CPU ratio to the floor measured in the same run: robust to the machine
        changing speed during the benchmark, which moves both."""
        return statistics.median(s[1] / f[1] for s, f in zip(samples[label], samples["import cedarpy"]))

    floor, bare, lookup = (median(label, 0) for label in ("import cedarpy", "python pass", "python + lookup"))
    floor_cpu = median("import cedarpy", 1)
    print(f"{'process':<20} {'median':>9} {'min':>9}   vs import cedarpy   vs python -c pass   vs python + lookup"
          f"   {'cpu':>8}  cpu vs import cedarpy  paired")
    for label, values in samples.items():
        med, cpu = median(label, 0), median(label, 1)
        print(f"{label:<20} {med * 1e3:>7.1f}ms {min(v[0] for v in values) * 1e3:>7.1f}ms   {med / floor:>5.2f}x"
              f"{med / bare:>19.2f}x{med / lookup:>20.2f}x   {cpu * 1e3:>6.1f}ms  {cpu / floor_cpu:>5.2f}x"
              f"{paired(label):>20.2f}x")
    print("\ntargets: a warm PreToolUse <= 2x `import cedarpy`; a PostToolUse with nothing pending <= 1.2x "
          "`python + lookup` (the event parsed and the state row looked up, nothing else)")


if __name__ == "__main__":
    main()
