"""Parity harness cost, reported as ratios to the raw engines measured in the same run.

    python scripts/bench_parity.py [--copies N] [--repeat R] [--fuzz-cases F] [--corpus N [--shards S]]

1. Harness overhead: `run_cases` on the built-in corpus repeated N times (both tiers),
   against raw `cedarpy.is_authorized_batch` plus raw runner calls for the same
   requests, same grouping. Target: harness <= 1.25x the raw sum.
2. Start-up: a fresh runner process to its first authorization answer.
3. `parity fuzz` throughput in cases per second, next to hypothesis generation alone.
4. The whole command on an entity-heavy, corpus-shaped workload (--corpus N
   fixture files on disk, 40 policy sets shared by many fixtures, 30 entities
   with parent chains each): `cedar-gates parity DIR --no-policies` with
   --jobs 1 and --jobs 2, as subprocesses, against the raw floor: `json.load`
   of every file plus cedarpy `is_authorized_batch` per policy set; and the
   command's peak memory on all N files against the first 1,000 (target 1.5x).
   "cores busy" is CPU time over wall time: one job already overlaps Python
   with its Node runner, so on 2 cores --jobs 2 has little left to gain.
   Scaling: the command with --jobs <cores> pinned to one core (sched_setaffinity,
   children inherit it) against the same command on every core.
5. Shards (--shards N with --corpus M): the N commands `--shard 1/N` … `N/N` run one after
   another, their CPU (children's rusage: Python, workers, Node runners) summed, against
   one full run of the same corpus; and `--jobs 2` against `--jobs 1` in CPU.
   Targets: N shards within 1.1x of one run on the full-corpus shape (62,472 files),
   1.25x on 8,000; --jobs 2 within 1.05x of --jobs 1.
Medians of R runs; no assertion, the numbers are for people.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cedarpy
from hypothesis import HealthCheck, given, seed, settings

from toolkit.cedar.wasm import WasmRunner
from toolkit.parity.corpus import builtin_cases, load_corpus
from toolkit.parity.fuzz import run_fuzz
from toolkit.parity.harness import Case, run_cases
from toolkit.parity.strategies import fuzz_cases
from toolkit.policies import load_builtins


def corpus_cases(copies: int) -> list[Case]:
    base = builtin_cases(load_builtins(None, 1 << 20), load_corpus())
    return [Case(f"{c.name}#{i}", c.source, c.policies, c.entities, c.requests, c.expected)
            for i in range(copies) for c in base]


def groups(cases: list[Case]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for case in cases:
        out.setdefault(case.policies, []).extend(case.requests)
    return out


def raw_cedarpy(grouped: dict[str, list[dict]]) -> float:
    started = time.perf_counter()
    for text, requests in grouped.items():
        cedarpy.is_authorized_batch(requests, text, [])
    return time.perf_counter() - started


def raw_runner(runner: WasmRunner, grouped: dict[str, list[dict]]) -> float:
    for text in grouped:
        runner.load(text)
    started = time.perf_counter()
    for text, requests in grouped.items():
        runner.authorize(text, [], requests)
    return time.perf_counter() - started


def startup_to_first_answer(text: str, request: dict) -> float:
    started = time.perf_counter()
    with WasmRunner() as runner:
        runner.authorize(text, [], [request])
        return time.perf_counter() - started


def generation_only(count: int) -> float:
    done = 0

    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @seed(1)
    @given(fuzz_cases)
    def generate(case: object) -> None:
        nonlocal done
        done += 1

    started = time.perf_counter()
    generate()
    return done / (time.perf_counter() - started)


def write_corpus(root, n: int) -> None:
    """Fixture files shaped like a converted integration corpus: shared policy sets, entity hierarchies."""
    import json
    import random

    rng = random.Random(7)
    sets = []
    for s in range(40):
        rules = [f'@rule_id("p{s}_{k}")\npermit (principal in Agent::Group::"g{k % 5}", action, resource) '
                 f'when {{ context.level > {k} }};' for k in range(6)]
        rules.append(f'@rule_id("f{s}")\nforbid (principal, action, resource) when {{ context has tag && '
                     f'context.tag like "*x{s}*" }};')
        sets.append("\n".join(rules))
    for i in range(n):
        entities = [{"uid": {"type": "Agent::Group", "id": f"g{g}"}, "attrs": {}, "parents": []} for g in range(5)]
        for e in range(25):
            entities.append({"uid": {"type": "Agent::TaskAgent", "id": f"u{e}"}, "attrs": {"rank": e},
                             "parents": [{"type": "Agent::Group", "id": f"g{e % 5}"}]})
        doc = {"name": f"corpus_{i:06d}", "policies": sets[i % len(sets)], "entities": entities,
               "input": {"principal": {"type": "Agent::TaskAgent", "id": f"u{rng.randrange(25)}"},
                         "action": {"type": "Agent::Action", "id": "invoke_tool"},
                         "resource": {"type": "Agent::Tool", "id": "Bash"},
                         "context": {"level": rng.randrange(8), "tag": rng.choice(["ax1y", "b", f"x{i % 40}"])}}}
        answer = cedarpy.is_authorized(doc["input"], doc["policies"], json.dumps(entities))
        ids = [f"p{i % len(sets)}_{k}" for k in range(6)] + [f"f{i % len(sets)}"]
        reasons = sorted(ids[int(r.removeprefix("policy"))] for r in answer.diagnostics.reasons)
        doc["expected"] = {"decision": "allow" if answer.allowed else "deny", "matching_rule_ids": reasons}
        (root / f"case_{i:06d}.json").write_text(json.dumps(doc))


def whole_command(n: int, repeat: int) -> None:
    import json
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, n)
        files = sorted(root.glob("*.json"))

        def floor() -> None:
            docs = [json.loads(p.read_text()) for p in files]
            by_set: dict[str, list] = {}
            for d in docs:
                by_set.setdefault(d["policies"], []).append(d)
            for text, group in by_set.items():
                entities = json.dumps(group[0]["entities"])
                cedarpy.is_authorized_batch([d["input"] for d in group], text, entities)

        exe = str(Path(sys.executable).parent / "cedar-gates")
        env = {**os.environ}

        def command(jobs: int, cores: int | None = None):
            def pin() -> None:
                os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:cores]))

            def go() -> None:
                done = subprocess.run([exe, "parity", str(root), "--no-policies", "--jobs", str(jobs), "--format",
                                       "json"], capture_output=True, env=env, preexec_fn=pin if cores else None)
                if done.returncode not in (0, 1):
                    raise SystemExit(done.stderr.decode()[-500:])
            return go

        cores = len(os.sched_getaffinity(0))
        runs = (("floor", floor), ("jobs 1", command(1)), ("jobs 2", command(2)),
                ("one core", command(cores, cores=1)), ("all cores", command(cores)))
        timings = {label: [] for label, _ in runs}
        cpu = {label: [] for label in timings}
        for _ in range(repeat):
            for label, fn in runs:
                started, cpu_before = time.perf_counter(), cpu_seconds()
                fn()
                timings[label].append(time.perf_counter() - started)
                cpu[label].append(cpu_seconds() - cpu_before)
        peak_n = peak_kib(root)
        small = root / "first-1000"
        small.mkdir()
        for path in files[:1000]:
            (small / path.name).write_bytes(path.read_bytes())
        peak_small = peak_kib(small)
    med = {k: statistics.median(v) for k, v in timings.items()}
    busy = {k: statistics.median(c) / statistics.median(timings[k]) for k, c in cpu.items()}
    print(f"whole command, {n} corpus-shaped fixtures on disk (40 shared policy sets, 30 entities each), "
          f"median of {repeat}:")
    print(f"  raw floor (json.load + cedarpy batch)  {med['floor'] * 1000:8.0f} ms             "
          f"cores busy {busy['floor']:.2f}")
    print(f"  cedar-gates parity --jobs 1            {med['jobs 1'] * 1000:8.0f} ms  {med['jobs 1'] / med['floor']:.2f}x"
          f"        cores busy {busy['jobs 1']:.2f}")
    print(f"  cedar-gates parity --jobs 2            {med['jobs 2'] * 1000:8.0f} ms  {med['jobs 2'] / med['floor']:.2f}x"
          f"        cores busy {busy['jobs 2']:.2f}  (target <= 3x)")
    print(f"  scaling, --jobs {cores} pinned to 1 core {med['one core'] * 1000:8.0f} ms, on all {cores} cores "
          f"{med['all cores'] * 1000:.0f} ms: speed-up {med['one core'] / med['all cores']:.2f}x "
          f"(linear = {cores}x)")
    print(f"  peak memory, --jobs 1: {peak_n / 1024:.0f} MiB for {n} files, {peak_small / 1024:.0f} MiB for the "
          f"first 1,000 ({peak_n / peak_small:.2f}x; target <= 1.5x)")


def shards_command(n_files: int, shards: int, repeat: int) -> None:
    """CPU of N shard commands summed against one full run, and --jobs 2 against --jobs 1, on the same corpus."""
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    exe = str(Path(sys.executable).parent / "cedar-gates")

    def cpu_of(args: list[str]) -> float:
        before = cpu_seconds()
        done = subprocess.run([exe, "parity", *args, "--no-policies", "--format", "json"], capture_output=True)
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr.decode()[-500:])
        return cpu_seconds() - before

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, n_files)
        full, split, one, two = [], [], [], []
        for _ in range(repeat):
            full.append(cpu_of([str(root), "--jobs", "1"]))
            split.append(sum(cpu_of([str(root), "--jobs", "1", "--shard", f"{i}/{shards}"])
                             for i in range(1, shards + 1)))
            one.append(cpu_of([str(root), "--jobs", "1"]))
            two.append(cpu_of([str(root), "--jobs", "2"]))
    med = statistics.median
    cores = len(os.sched_getaffinity(0))
    print(f"shards, {n_files} corpus-shaped fixtures (40 shared policy sets, 30 entities each), CPU seconds "
          f"(children's rusage), median of {repeat}, {cores} cores:")
    print(f"  one full run --jobs 1           {med(full):7.2f} s")
    print(f"  {shards} shards --jobs 1, summed       {med(split):7.2f} s  {med(split) / med(full):.3f}x")
    print(f"  --jobs 1                        {med(one):7.2f} s")
    print(f"  --jobs 2                        {med(two):7.2f} s  {med(two) / med(one):.3f}x")


def cpu_seconds() -> float:
    """This process's CPU time plus that of every finished child (the command, its workers, their Node runners)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


PEAK_CHILD = """
import sys
from toolkit.entry import main
sys.argv = ["cedar-gates", "parity", sys.argv[1], "--no-policies", "--jobs", "1", "--format", "json"]
try:
    main()
except SystemExit:
    pass
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(peak, file=sys.stderr)
"""


def peak_kib(root) -> int:
    """The command's own peak resident set (VmHWM of the child, not ru_maxrss, which keeps the parent's)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", PEAK_CHILD, str(root)], capture_output=True, text=True)
    return int(done.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=20, help="copies of the corpus (100 cases each)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fuzz-cases", type=int, default=300)
    parser.add_argument("--corpus", type=int, default=0, help="also time the whole command on N corpus-shaped files")
    parser.add_argument("--shards", type=int, default=0, help="with --corpus: CPU of N shard commands vs one run")
    args = parser.parse_args()
    if args.corpus and args.shards:
        shards_command(args.corpus, args.shards, args.repeat)
        return
    if args.corpus:
        whole_command(args.corpus, max(1, args.repeat // 2))
        return

    cases = corpus_cases(args.copies)
    grouped = groups(cases)
    n_requests = sum(len(r) for r in grouped.values())
    harness_t, py_t, js_t, start_t = [], [], [], []
    with WasmRunner(recycle_after=10**9) as runner:
        run_cases(cases[:50], runner)  # warm-up
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = run_cases(cases, runner)
            harness_t.append(time.perf_counter() - started)
            py_t.append(raw_cedarpy(grouped))
            js_t.append(raw_runner(runner, grouped))
    assert report.exit_code == 0, "the corpus should pass; fix that first"
    first_text, first_requests = next(iter(grouped.items()))
    for _ in range(args.repeat):
        start_t.append(startup_to_first_answer(first_text, first_requests[0]))

    harness, py, js = (statistics.median(x) for x in (harness_t, py_t, js_t))
    print(f"harness over {len(cases)} cases ({n_requests} requests), median of {args.repeat}:")
    print(f"  harness run_cases        {harness * 1000:8.1f} ms")
    print(f"  raw cedarpy batch        {py * 1000:8.1f} ms  ({py / n_requests * 1e6:.0f} us/request)")
    print(f"  raw runner (pre-parsed)  {js * 1000:8.1f} ms  ({n_requests / js:.0f} requests/s)")
    print(f"  harness / (cedarpy + runner) = {harness / (py + js):.2f}x  (target <= 1.25x)")
    print(f"  harness / max(cedarpy, runner) = {harness / max(py, js):.2f}x  (the harness runs both engines at once)")
    print(f"start-up to first answer: {statistics.median(start_t) * 1000:.0f} ms (fresh Node process, warm-up included)")

    with WasmRunner() as runner:
        runner.start()
        fuzz = run_fuzz(runner, args.fuzz_cases, seed_value=1)
    print(f"parity fuzz: {fuzz.generated} cases ({fuzz.requests} requests) in {fuzz.duration_s:.1f} s = "
          f"{fuzz.cases_per_s:.0f} cases/s; hypothesis generation alone: {generation_only(args.fuzz_cases):.0f} cases/s")


if __name__ == "__main__":
    main()
