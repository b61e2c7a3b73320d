"""How sound are the built-in gates? Run the bypass corpus through the real engine and print the shares.

    python scripts/bench_bypass.py [--corpus fixtures/bypass/corpus.jsonl] [--show missed,weaker,asked]

Prints, per class, how many attack spellings were gated as intended, how many
were gated more weakly (asked where a deny was meant), missed (allowed) or
crashed (fail-closed), and for benign near misses how many were hard-denied
(must be zero) or asked. Exit 1 when fewer than 95% are gated as intended, or
on any false hard deny or crash.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from toolkit.engine import soundness as S  # noqa: E402
from toolkit.policyset import load_policies  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO / "fixtures" / "bypass" / "corpus.jsonl")
    parser.add_argument("--show", default="missed,weaker,crash,false_hard_deny",
                        help="verdicts whose calls are listed (comma-separated)")
    args = parser.parse_args()
    bundle, constants = load_policies()
    entries = list(S.read_corpus(args.corpus))
    start = time.perf_counter()
    tally = S.run(bundle, constants, entries)
    elapsed = time.perf_counter() - start
    columns = [S.GATED, S.WEAKER, S.MISSED, S.CRASH, S.ALLOWED, S.ASKED, S.FALSE_HARD_DENY]
    print(f"{'class':24}" + "".join(f"{c:>16}" for c in columns) + f"{'as intended':>13}")
    for cls, counts in tally.by_class().items():
        attacks = sum(counts.get(c, 0) for c in (S.GATED, S.WEAKER, S.MISSED)) + sum(
            1 for v in tally.verdicts if v.entry.cls == cls and v.verdict == S.CRASH and v.entry.intent != "allow")
        share = f"{counts.get(S.GATED, 0) / attacks:.1%}" if attacks else "-"
        print(f"{cls:24}" + "".join(f"{counts.get(c, 0):>16}" for c in columns) + f"{share:>13}")
    attacks = tally.attacks()
    benign = len(tally.verdicts) - len(attacks)
    print()
    print(f"attack spellings: {len(attacks)}; gated as intended: {tally.gated_share():.1%} "
          f"({sum(v.verdict == S.GATED for v in attacks)}); weaker: {tally.count(S.WEAKER)}; "
          f"missed: {tally.count(S.MISSED)}")
    print(f"benign near misses: {benign}; false hard denies: {tally.count(S.FALSE_HARD_DENY)}; "
          f"asked: {tally.count(S.ASKED)}")
    print(f"crashes (fail-closed): {tally.count(S.CRASH)}")
    print(f"{len(entries)} calls in {elapsed * 1e3:.0f} ms ({elapsed / max(len(entries), 1) * 1e6:.0f} µs per call, "
          "fresh task each)")
    wanted = {w.strip() for w in args.show.split(",") if w.strip()}
    listed = [v for v in tally.verdicts if v.verdict in wanted]
    if listed:
        print()
    for v in listed:
        d = v.decision
        print(f"  {v.verdict:16} {v.entry.ident:24} {d.outcome:17} hard={','.join(d.hard_rule_ids) or '-'} "
              f"soft={','.join(d.soft_rule_ids) or '-'}  {v.entry.tool_input!r:.110}")
    ok = tally.gated_share() >= 0.95 and not tally.count(S.FALSE_HARD_DENY) and not tally.count(S.CRASH)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
