"""How fast a human's decision reaches the hook that waits for it: p50 and p99 from decision to wake-up.

    python scripts/bench_approvals.py [--runs 40] [--store postgresql://…]

Each run parks a request (as the hook does in `wait` mode), starts a waiter in
another process-like context (its own store connection, its own thread), then
decides the request from this thread and times how long the waiter takes to
return. Default store: a temporary SQLite file. Target: p99 under 1 s. No
assertion: the numbers are for people.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from toolkit.approvals import ApprovalService  # noqa: E402
from toolkit.engine.records import REQUIRE_APPROVAL, Decision, InputDigest  # noqa: E402


def ask(n: int) -> Decision:
    return Decision(f"call-{n}", "Bash", time.time(), REQUIRE_APPROVAL, "Approval required: bench", "approval",
                    soft_rule_ids=("bench",), severity="medium", timeout_s=300,
                    input_digest=InputDigest(lambda: f"{n:064x}"))


def one(location: str, n: int) -> float:
    parker = ApprovalService.open(location)
    request = parker.create(ask(n), session_id="bench", tool_input={"command": f"echo {n}"})
    woke: list[float] = []
    ready = threading.Event()

    def waiter() -> None:
        service = ApprovalService.open(location)
        ready.set()
        service.wait(request.id)
        woke.append(time.perf_counter())
        service.close()

    thread = threading.Thread(target=waiter)
    thread.start()
    ready.wait()
    time.sleep(random.uniform(0.0, 0.5))  # decisions come at any point of the waiter's poll cycle
    decided = time.perf_counter()
    parker.approve(request.id, "this_call", by="bench")
    thread.join(30)
    parker.close()
    return woke[0] - decided


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--store", help="a postgresql:// DSN or an SQLite path (default: a temporary file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        location = args.store or str(Path(tmp) / "approvals.sqlite3")
        samples = sorted(one(location, n) for n in range(args.runs))
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    print(f"store: {'PostgreSQL' if location.startswith('postgres') else 'SQLite'}; {args.runs} decisions")
    print(f"decision -> waiting hook: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {samples[-1] * 1000:.0f} ms")
    print("target: p99 under 1 s")


if __name__ == "__main__":
    main()
