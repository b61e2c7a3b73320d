"""Drift checker cost: wall time per invocation, and the share of it spent starting Node.

    python scripts/bench_sync.py [--repeat N]

1. `sync types` on a canonical/mirror pair of ~2,000-line TypeScript files
   (interfaces with nested unions, aliases, enums, consts); the mirror
   reorders every union, so the run finds nothing and still compares
   everything.
2. `sync types` on a platform-shaped pair: a canonical `api/index.ts` of
   1,000+ lines that declares dozens of interfaces, re-exports types from
   sibling modules (`import type` + `export type {...}`, `export {X as Y}`,
   `export * from`), imports one from a package and exports functions and a
   class, against a mirror that declares everything in one file with one
   planted drift; the findings must be exactly that drift and one warning
   for the package.
3. `sync constants` on ten consumers (five Python, five TypeScript), each
   holding every owned name of the bundled contract.
The Node start-up share is a `describe([])` call (start Node, load the
TypeScript compiler, answer an empty request) divided by the invocation's
wall time.  The runner is started once per invocation.  Medians of N runs; no
assertion, the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lint import median_time  # noqa: E402

from toolkit.resources import constants_path  # noqa: E402
from toolkit.sync import Consumer, SyncSettings, check_constants, check_types, tsparse  # noqa: E402
from toolkit.sync.constants import flatten, owned_name  # noqa: E402


def ts_pair(lines: int) -> tuple[str, str]:
    canonical, mirror, i = [], [], 0
    while sum(t.count("\n") for t in canonical) < lines:
        members = [f"  field{j}: {'string' if j % 3 else 'number'};" for j in range(6)]
        union = ['"a"', '"b"', '"c"', f'"v{i}"']
        canonical.append(
            f"export interface Thing{i} {{\n" + "\n".join(members) +
            f"\n  readonly kind: {' | '.join(union)};\n  nested?: {{ mode: \"x\" | \"y\" | \"z\"; list: string[] }};\n}}\n"
            f"export type Alias{i} = {' | '.join(union)} | null;\n"
            f"export enum Color{i} {{ Red = \"red\", Green = \"green\" }}\n"
            f"export const LIMIT_{i} = {i};\n"
        )
        mirror.append(
            f"export interface Thing{i} {{\n" + "\n".join(reversed(members)) +
            f"\n  readonly kind: {' | '.join(reversed(union))};\n  nested?: {{ list: Array<string>; mode: \"z\" | \"x\" | \"y\" }};\n}}\n"
            f"export type Alias{i} = null | {' | '.join(reversed(union))};\n"
            f"export enum Color{i} {{ Red = \"red\", Green = \"green\" }}\n"
            f"export const LIMIT_{i} = {i};\n"
        )
        i += 1
    return "".join(canonical), "".join(mirror)


def platform_pair(root: Path, interfaces: int = 60) -> tuple[Path, Path]:
    """A canonical API package spread over modules, and a one-file mirror with one planted drift."""
    (root / "api").mkdir()
    (root / "model").mkdir()
    canonical = ['import type { Readable } from "node:stream";', "export type { Readable };"]
    mirror = ["export type Readable = unknown;"]
    for m in range(6):
        (root / "model" / f"m{m}.ts").write_text(
            f"export type Tier{m} = \"free\" | \"pro\" | \"team{m}\";\n"
            f"export interface Owner{m} {{\n  id: string;\n  tier: Tier{m};\n  seats?: number;\n}}\n")
        canonical += [f'import type {{ Owner{m}, Tier{m} }} from "../model/m{m}";', f"export type {{ Owner{m} }};",
                      f'export {{ Tier{m} as PlanTier{m} }} from "../model/m{m}";']
        drift = "enterprise" if m == 3 else f"team{m}"
        mirror += [f"export interface Owner{m} {{\n  id: string;\n  tier: \"free\" | \"pro\" | \"{drift}\";\n"
                   f"  seats?: number;\n}}", f"export type PlanTier{m} = \"pro\" | \"free\" | \"team{m}\";"]
    (root / "api" / "extra.ts").write_text("export interface Page { cursor?: string; limit: number }\n"
                                           "export type Sort = \"asc\" | \"desc\";\n")
    canonical.append('export * from "./extra";')
    mirror += ["export interface Page { limit: number; cursor?: string }", "export type Sort = \"desc\" | \"asc\";"]
    for i in range(interfaces):
        m = i % 6
        fields = [f"  field{j}: {'string' if j % 3 else 'number'};" for j in range(8)]
        body = "\n".join(fields) + f"\n  owner: Owner{m};\n  tier: Tier{m};\n  status: \"open\" | \"closed\" | \"s{i}\";"
        canonical += [f"/** Resource {i}. */", f"export interface Resource{i} {{\n{body}\n}}",
                      f"export function toResource{i}(id: string): Resource{i} {{\n  return {{}} as Resource{i};\n}}"]
        mbody = "\n".join(reversed(fields)) + (f"\n  owner: Owner{m};\n  tier: PlanTier{m};"
                                               f"\n  status: \"s{i}\" | \"open\" | \"closed\";")
        mirror.append(f"export interface Resource{i} {{\n{mbody}\n}}")
    canonical.append("export class ApiClient {\n  base = \"/api\";\n}")
    (root / "api" / "index.ts").write_text("\n".join(canonical) + "\n")
    (root / "mirror.ts").write_text("\n".join(mirror) + "\n")
    return root / "api" / "index.ts", root / "mirror.ts"


def consumers(directory: Path) -> list[Consumer]:
    values = flatten(json.loads(constants_path().read_text()))
    out = []
    for n in range(5):
        py = directory / f"limits_{n}.py"
        py.write_text("".join(f"{owned_name(k)} = {v!r}\n" for k, v in values.items()))
        ts = directory / f"limits_{n}.ts"
        ts.write_text("".join(f"export const {owned_name(k)} = {json.dumps(v)};\n" for k, v in values.items()))
        out += [Consumer(py, "python", "mirror"), Consumer(ts, "typescript", "mirror")]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        canonical_text, mirror_text = ts_pair(2000)
        (root / "canonical.ts").write_text(canonical_text)
        (root / "mirror.ts").write_text(mirror_text)
        types = SyncSettings(canonical=root / "canonical.ts", mirror=root / "mirror.ts")
        consts = SyncSettings(consumers=tuple(consumers(root)))
        assert check_types(types).findings == []
        assert check_constants(consts).exit_code == 0
        canon_file, mirror_file = platform_pair(root)
        platform = SyncSettings(canonical=canon_file, mirror=mirror_file)
        found = [(f.code, f.level, f.name) for f in check_types(platform).findings]
        assert sorted(found) == [("CG308", "error", "Owner3.tier"), ("CG311", "warning", "Readable")], found
        t_platform = median_time(lambda: check_types(platform), args.repeat)
        platform_lines = sum(p.read_text().count("\n") for p in [canon_file, *(root / "model").glob("*.ts"),
                                                                  root / "api" / "extra.ts"])
        startup = median_time(lambda: tsparse.describe([]), args.repeat)
        t_types = median_time(lambda: check_types(types), args.repeat)
        t_consts = median_time(lambda: check_constants(consts), args.repeat)
    lines = (canonical_text.count("\n"), mirror_text.count("\n"))
    print(f"Node start-up + TypeScript load (empty request): {startup * 1e3:7.1f} ms")
    print(f"sync types, {lines[0]:,} + {lines[1]:,} lines:        {t_types * 1e3:7.1f} ms   "
          f"Node start-up share {startup / t_types:.0%}")
    print(f"sync types, platform-shaped ({platform_lines:,} canonical lines in 8 modules, re-exports, functions): "
          f"{t_platform * 1e3:7.1f} ms   Node start-up share {startup / t_platform:.0%}; findings: the planted "
          "drift and one package warning")
    print(f"sync constants, 10 consumers (5 py, 5 ts):   {t_consts * 1e3:7.1f} ms   "
          f"Node start-up share {startup / t_consts:.0%}")


if __name__ == "__main__":
    main()
