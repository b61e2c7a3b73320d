"""`sync types`: does the mirror TypeScript file still export what the canonical one does, structurally?

Declarations arrive in canonical form from the TypeScript compiler (see
runner/tsinfo.js): unions are sets, `Array<T>` is `T[]`, interfaces are
flattened over local `extends` chains. So a reordered union is never drift,
and a change deep inside a nested union always is.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from toolkit.sync import tsparse
from toolkit.sync.constants import check_sizes
from toolkit.sync.findings import SyncFinding, SyncReport
from toolkit.sync.settings import SyncSettings


def render(t: Any) -> str:
    """A canonical type back as TypeScript-like text, for messages."""
    if not isinstance(t, dict):
        return str(t)
    if "kw" in t:
        return t["kw"]
    if "literal" in t:
        return t["literal"]
    if "union" in t:
        return " | ".join(render(m) for m in t["union"])
    if "intersection" in t:
        return " & ".join(render(m) for m in t["intersection"])
    if "array" in t:
        inner = render(t["array"])
        return f"({inner})[]" if " " in inner else f"{inner}[]"
    if "ref" in t:
        return t["ref"] + (f"<{', '.join(render(a) for a in t['args'])}>" if t.get("args") else "")
    if "object" in t:
        parts = [f"{'readonly ' if m['readonly'] else ''}{k}{'?' if m['optional'] else ''}: {render(m['type'])}"
                 for k, m in t["object"].items()]
        return "{ " + "; ".join(parts) + " }"
    if "tuple" in t:
        return "[" + ", ".join(render(m) for m in t["tuple"]) + "]"
    if "fn" in t:
        params = ", ".join(f"{p['name']}{'?' if p['optional'] else ''}: {render(p['type'])}" for p in t["fn"]["params"])
        return f"({params}) => {render(t['fn']['returns'])}"
    if "op" in t:
        return f"{t['op']} {render(t['type'])}"
    if "index" in t:
        return f"{render(t['index'][0])}[{render(t['index'][1])}]"
    if "typeof" in t:
        return f"typeof {t['typeof']}"
    return t.get("template") or t.get("text") or json.dumps(t)


def _strip(t: Any) -> Any:
    """A canonical type without source positions, for comparing."""
    if isinstance(t, dict):
        return {k: _strip(v) for k, v in t.items() if k not in ("line", "column")}
    if isinstance(t, list):
        return [_strip(v) for v in t]
    return t


def union_delta(a: Any, b: Any) -> str:
    """Where two types first differ inside a union, say what the mirror lacks and adds."""
    if isinstance(a, dict) and isinstance(b, dict):
        if "union" in a and "union" in b:
            left = {json.dumps(m, sort_keys=True): m for m in a["union"]}
            right = {json.dumps(m, sort_keys=True): m for m in b["union"]}
            lacks = [render(m) for k, m in left.items() if k not in right]
            adds = [render(m) for k, m in right.items() if k not in left]
            bits = ([f"the mirror lacks {', '.join(lacks)}"] if lacks else []) + (
                [f"the mirror adds {', '.join(adds)}"] if adds else [])
            if bits:
                return " (" + "; ".join(bits) + ")"
        for key in a.keys() & b.keys():
            if a[key] != b[key]:
                found = union_delta(a[key], b[key])
                if found:
                    return found
    if isinstance(a, list) and isinstance(b, list):
        for x, y in zip(a, b):
            found = union_delta(x, y)
            if found:
                return found
    return ""


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def referenced_names(t: Any) -> set[str]:
    """Names a canonical type refers to (`ref`, `typeof`), by their first segment (`ns.X` -> `ns`)."""
    out: set[str] = set()
    if isinstance(t, dict):
        for key in ("ref", "typeof"):
            if isinstance(t.get(key), str):
                out.add(t[key].split(".")[0].split("<")[0])
        for key, value in t.items():
            if key not in ("ref", "typeof"):
                out |= referenced_names(value)
    elif isinstance(t, list):
        for value in t:
            out |= referenced_names(value)
    return out


class _Compare:
    def __init__(self, report: SyncReport, canonical: Path, mirror: Path, mirror_names: set[str] | None = None):
        self.report, self.canonical, self.mirror = report, canonical, mirror
        self.packages: set[tuple[str, str]] = set()
        self.mirror_names = mirror_names

    def change_to(self, t: Any) -> str:
        """The fix for a type that differs: the canonical type, unless it names something the mirror lacks."""
        if self.mirror_names is not None and referenced_names(t) - self.mirror_names:
            return (f"write the canonical type out in {self.mirror.name} (the canonical side builds it from "
                    f"declarations {self.mirror.name} does not have)")
        return f"change it to `{render(t)}`"

    def add(self, code: str, decl: dict[str, Any] | None, name: str, message: str, fix: str,
            side: str = "mirror", level: str = "error") -> None:
        path = self.mirror if side == "mirror" else self.canonical
        line, column = (decl or {}).get("line", 1), (decl or {}).get("column", 1)
        if decl and decl.get("file") and (decl.get("via") or decl.get("kind") == "unresolved"):
            path = Path(decl["file"])
        self.report.findings.append(SyncFinding(code, level, str(path), line, column, name, message, fix))

    def unresolved(self, side: str, name: str, decl: dict[str, Any]) -> None:
        """A package import is said once per package and side, as a warning: it is not drift."""
        package = decl.get("package")
        if package is None:
            self.add("CG311", decl, name, f"{name} on the {side} side cannot be resolved: {decl['reason']}",
                     "re-export it from a relative module that declares it, or declare it in place", side)
        elif (side, package) not in self.packages:
            self.packages.add((side, package))
            self.add("CG311", decl, name, f"{name} on the {side} side comes from package '{package}', which is "
                     "not followed, so it is not compared", "compare the package's types where they are declared, "
                     "or list the name in canonical-only/mirror-only", side, level="warning")

    def declaration(self, name: str, canon: dict[str, Any], mirror: dict[str, Any]) -> None:
        for side, decl in (("canonical", canon), ("mirror", mirror)):
            if decl.get("kind") == "unresolved":
                self.unresolved(side, name, decl)
        if "unresolved" in (canon.get("kind"), mirror.get("kind")):
            return
        if canon["kind"] != mirror["kind"]:
            self.add("CG303", mirror, name, f"{name} is {_a(mirror['kind'])} in the mirror but {_a(canon['kind'])} in "
                     f"the canonical {self.canonical.name}", f"declare it as {_a(canon['kind'])} like the canonical side")
            return
        kind = canon["kind"]
        if kind == "interface":
            self.interface(name, canon, mirror)
        elif kind in ("type", "function"):
            if _strip(canon["type"]) != _strip(mirror["type"]):
                self.add("CG308", mirror, name,
                         f"{name} is `{render(mirror['type'])}` in the mirror but `{render(canon['type'])}` in the "
                         f"canonical {self.canonical.name}{union_delta(canon['type'], mirror['type'])}",
                         self.change_to(canon["type"]))
        elif kind in ("const", "let"):
            self.const(name, canon, mirror)
        elif kind == "enum" and canon["members"] != mirror["members"]:
            self.add("CG310", mirror, name, f"enum {name} has members {json.dumps(mirror['members'])} in the mirror "
                     f"but {json.dumps(canon['members'])} in the canonical {self.canonical.name}",
                     "make the members and their values match the canonical enum")

    def interface(self, name: str, canon: dict[str, Any], mirror: dict[str, Any]) -> None:
        a, b = canon["members"], mirror["members"]
        at = {m: {**mirror, "line": b[m].get("line", mirror.get("line")), "column": b[m].get("column", 1)}
              for m in b}
        origin = f"the canonical {self.canonical.name}"
        for member in a:
            if member not in b:
                spelled = f"{member}{'?' if a[member]['optional'] else ''}"
                fix = (f"add `{spelled}: {render(a[member]['type'])}` to {name}"
                       if self.mirror_names is None or not referenced_names(a[member]["type"]) - self.mirror_names
                       else f"add `{spelled}` to {name}, with the canonical member's type written out")
                self.add("CG304", mirror, f"{name}.{member}", f"{name}.{member} is missing from the mirror "
                         f"({origin} declares it)", fix)
                continue
            x, y = a[member], b[member]
            if x["optional"] != y["optional"]:
                self.add("CG306", at[member], f"{name}.{member}", f"{name}.{member} is "
                         f"{'optional' if y['optional'] else 'required'} in the mirror but "
                         f"{'optional' if x['optional'] else 'required'} in {origin}",
                         f"{'add' if x['optional'] else 'remove'} the `?` on {member}")
            if x["readonly"] != y["readonly"]:
                self.add("CG307", at[member], f"{name}.{member}", f"{name}.{member} is "
                         f"{'readonly' if y['readonly'] else 'mutable'} in the mirror but "
                         f"{'readonly' if x['readonly'] else 'mutable'} in {origin}",
                         f"{'add' if x['readonly'] else 'remove'} `readonly` on {member}")
            if _strip(x["type"]) != _strip(y["type"]):
                self.add("CG308", at[member], f"{name}.{member}", f"{name}.{member} is `{render(y['type'])}` in the "
                         f"mirror but `{render(x['type'])}` in {origin}{union_delta(x['type'], y['type'])}",
                         self.change_to(x["type"]))
        for member in b:
            if member not in a:
                self.add("CG305", at[member], f"{name}.{member}", f"{name}.{member} exists only in the mirror "
                         f"({origin} does not declare it)", f"remove it, or add it to the canonical {name} first")
        if sorted(canon.get("extends", [])) != sorted(mirror.get("extends", [])):
            self.add("CG308", mirror, name, f"{name} extends {mirror.get('extends') or 'nothing'} (not declared in "
                     f"the file) in the mirror but {canon.get('extends') or 'nothing'} in {origin}",
                     "extend the same interfaces as the canonical side")

    def const(self, name: str, canon: dict[str, Any], mirror: dict[str, Any]) -> None:
        if canon["has_value"] and mirror["has_value"]:
            if canon["value"] != mirror["value"]:
                self.add("CG309", mirror, name, f"{name} is {json.dumps(mirror['value'])} in the mirror but "
                         f"{json.dumps(canon['value'])} in the canonical {self.canonical.name}",
                         f"make it {json.dumps(canon['value'])}")
        elif canon["text"] != mirror["text"]:
            self.add("CG309", mirror, name, f"{name} is `{mirror['text']}` in the mirror but `{canon['text']}` in the "
                     f"canonical {self.canonical.name} (values not resolvable, compared as text)",
                     "use the same expression, or a literal or contract value both sides can resolve")


OUTSIDE_CONTRACT = ("function", "class")
"""Exports that are code, not type contract: compared only with `include_functions`."""


def check_types(settings: SyncSettings, timer=time.perf_counter) -> SyncReport:
    start = timer()
    canonical, mirror = settings.canonical, settings.mirror
    assert canonical is not None and mirror is not None
    check_sizes([canonical, mirror], settings.max_file_bytes)
    described = tsparse.describe([canonical, mirror])
    report = SyncReport("types", files=2, node_s=described.node_s)
    sides = {}
    for path in (canonical, mirror):
        info = described.get(path)
        problem = tsparse.first_syntax_error(path, info)
        if problem:
            raise problem
        sides[path] = {name: decl for name, decl in info["exports"].items()
                       if settings.include_functions or decl.get("kind") not in OUTSIDE_CONTRACT}
    a, b = sides[canonical], sides[mirror]
    names = described.get(mirror).get("names")
    compare = _Compare(report, canonical, mirror, set(names) if isinstance(names, list) else None)
    for name, decl in a.items():
        if name not in b:
            if decl.get("kind") == "unresolved" and decl.get("package"):
                compare.unresolved("canonical", name, decl)
            elif name not in settings.canonical_only:
                compare.add("CG301", None, name, f"{name} is exported by the canonical {canonical.name}:"
                            f"{decl.get('line', 1)} but not by the mirror",
                            f"add {name} to {mirror.name}, or list it in sync.types.canonical-only")
            continue
        compare.declaration(name, decl, b[name])
    for name, decl in b.items():
        if name not in a and decl.get("kind") == "unresolved" and decl.get("package"):
            compare.unresolved("mirror", name, decl)
        elif name not in a and name not in settings.mirror_only:
            compare.add("CG302", decl, name, f"{name} is exported by the mirror but not by the canonical "
                        f"{canonical.name}", f"add it to {canonical.name} first, or list it in sync.types.mirror-only")
    report.sort()
    report.total_s = timer() - start
    return report
