"""What shadow rules (`@enforcement("log_only")`) cost the runtime gate, as ratios measured in one run.

    python scripts/bench_shadow.py [--rounds N] [--per-round M] [--kib K]

Log-only rules are compiled into a small policy set of their own, asked after
the enforced set, and only for requests one of them could match. Measured:

- log-only/enforced: the same ~K KiB blueprint (bench_lint's generator,
  matching none of the calls), first enforced, then with every rule marked
  log-only (trying a whole blueprint before enforcing it). Target ~1.0x;
- +shadow/enforced: the enforced blueprint plus three log-only rules that match
  every call (a hard one on every write_file, soft ones on every run_command
  and invoke_tool), so each decision carries a shadow report and a would-have
  outcome (trying one new rule on top of an enforced policy). The extra cost is
  one batch against the three rules for the requests they could match; the
  enforced set still sees only the requests its own rules could match.

Calls are bench_engine's; rounds interleave the variants so drift hits all
alike; medians of per-call times. No assertion: the numbers are for people.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import CALLS, per_call_us  # noqa: E402
from bench_lint import build_blueprint, to_yaml  # noqa: E402

from toolkit.engine import Gate, ManualClock, TaskSettings  # noqa: E402
from toolkit.policyset import load_policies  # noqa: E402

MATCH_ALL_HARD = ('@tier("hard")\n@rule_id("shadow_every_write")\n@enforcement("log_only")\n'
                  'forbid (principal, action == Agent::Action::"write_file", resource);\n')
MATCH_ALL_SOFT = ('@tier("soft")\n@rule_id("shadow_every_command")\n@enforcement("log_only")\n'
                  'forbid (principal, action == Agent::Action::"run_command", resource);\n'
                  '@tier("soft")\n@rule_id("shadow_every_tool")\n@enforcement("log_only")\n'
                  'forbid (principal, action == Agent::Action::"invoke_tool", resource);\n')


def log_only(text: str) -> str:
    return re.sub(r'(@rule_id\("[^"]+"\)\n)', r'\1@enforcement("log_only")\n', text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--kib", type=int, default=32, help="Size of the generated blueprint's Cedar text.")
    args = parser.parse_args()

    hard, soft = build_blueprint(args.kib * 1024)
    variants = {
        "enforced": to_yaml(hard, soft),
        "log-only": to_yaml(log_only(hard), log_only(soft)),
        "+shadow": to_yaml(hard + MATCH_ALL_HARD, soft + MATCH_ALL_SOFT),
    }
    task = TaskSettings(repo="acme/app")
    gates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in variants.items():
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(text)
            bundle, constants = load_policies(path)
            gates[name] = Gate(bundle, constants, task, ManualClock(1_800_000_000.0))

    print(f"{'call':<9} {'enforced':>10} {'log-only':>10} {'+shadow':>10}  {'log-only/enforced':>17} "
          f"{'+shadow/enforced':>16}  shadow flip")
    for label, tool, tool_input, _ in CALLS:
        outcomes = {name: gate.evaluate(tool, tool_input) for name, gate in gates.items()}
        assert len({d.outcome for d in outcomes.values()}) == 1, outcomes  # shadow rules never decide
        fns = {name: (lambda g=gate, t=tool, i=tool_input: g.evaluate(t, i)) for name, gate in gates.items()}
        for fn in fns.values():
            per_call_us(fn, 20)
        samples: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(args.rounds):
            for key, fn in fns.items():
                samples[key].append(per_call_us(fn, args.per_round))
        m = {k: statistics.median(v) for k, v in samples.items()}
        print(f"{label:<9} {m['enforced']:>8.1f}µs {m['log-only']:>8.1f}µs {m['+shadow']:>8.1f}µs  "
              f"{m['log-only'] / m['enforced']:>16.2f}x {m['+shadow'] / m['enforced']:>15.2f}x  "
              f"{outcomes['+shadow'].shadow_flip}")
    print(f"\n~{args.kib} KiB of generated rules matching none of the calls; +shadow adds three log-only rules that "
          "match every write_file, run_command and invoke_tool request. Same outcome in every variant (checked).")


if __name__ == "__main__":
    main()
