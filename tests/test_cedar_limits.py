"""Cedar text too deep for the engines is refused before either engine sees it (toolkit.cedar.limits, CG006).

The command-line tests run in a subprocess with a timeout: the text they feed
would kill the Python process natively (SIGSEGV) if it ever reached cedarpy.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.cedar import limits
from toolkit.cedar.limits import MAX_CHAIN, MAX_NESTING, CedarTooComplex, ensure_within_limits, measure

REPO = Path(__file__).resolve().parent.parent
TIMEOUT_S = 60

# Each shape: the condition of one policy. All of them crash cedarpy or make cedar-wasm trap.
SHAPES = {
    "parentheses": "(" * 10_000 + "true" + ")" * 10_000,
    "attribute-chain": "context" + ".a" * 10_000 + " == 1",
    "nested-sets": "[" * 5_000 + "1" + "]" * 5_000 + ".contains(1)",
    "nested-records": "{a:" * 5_000 + "1" + "}" * 5_000 + " == context.x",
    "and-chain": " && ".join(["true"] * 50_001),
    "or-chain": " || ".join(["false"] * 50_001),
    "if-chain": "if false then false else " * 10_000 + "true",
}


def _cedar(condition: str) -> str:
    return f'@tier("soft")\n@rule_id("deep")\nforbid (principal, action, resource)\nwhen {{\n  {condition}\n}};\n'


BLUEPRINT_HEAD = "security:\n  approvalGateCap: 10\n  cedarPolicies:\n    soft: |\n"
BLUEPRINT_INDENT = 6
TESTS = "  tests:\n    - name: ls\n      tool: Bash\n      input: {command: ls}\n      expect: allow\n"


def _blueprint(condition: str, tests: bool = False) -> str:
    cedar = "".join(" " * BLUEPRINT_INDENT + line + "\n" for line in _cedar(condition).splitlines())
    return BLUEPRINT_HEAD + cedar + (TESTS if tests else "")


def _place(condition: str) -> tuple[int, int]:
    """Line and column, in the .cedar file, of the first place over a limit."""
    from toolkit.cedar.scan import LineIndex

    text = _cedar(condition)
    problem = limits.check(text)
    assert problem is not None
    return LineIndex(text).position(problem.start)


def _yaml_place(condition: str) -> tuple[int, int]:
    line, column = _place(condition)
    return line + BLUEPRINT_HEAD.count("\n"), column + BLUEPRINT_INDENT


def _run(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=cwd, capture_output=True, text=True,
                            timeout=TIMEOUT_S)
    elapsed = time.monotonic() - started
    assert result.returncode >= 0, f"killed by signal {-result.returncode}: {result.stderr[-2000:]}"
    assert result.returncode not in (134, 139), result.stderr[-2000:]
    return result, elapsed


def _where(output: str, path: str) -> list[tuple[int, int]]:
    return [(int(m.group(1)), int(m.group(2))) for m in re.finditer(re.escape(path) + r":(\d+):(\d+)", output)]


@pytest.fixture(params=list(SHAPES), ids=list(SHAPES))
def shape(request) -> tuple[str, str]:
    return request.param, SHAPES[request.param]


def test_every_shape_is_over_a_limit():
    for name, condition in SHAPES.items():
        assert limits.check(_cedar(condition)) is not None, name


def test_lint_cedar_file(tmp_path, shape):
    name, condition = shape
    path = tmp_path / f"{name}.cedar"
    path.write_text(_cedar(condition))
    result, elapsed = _run(["lint", path.name], tmp_path)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    line, column = _place(condition)
    assert line == 5
    assert f"{path.name}:{line}:{column}: CG006 error" in result.stdout
    assert "CG003" not in result.stdout and "CG004" not in result.stdout
    assert elapsed < 30


def test_lint_blueprint_yaml(tmp_path, shape):
    name, condition = shape
    path = tmp_path / f"{name}.yaml"
    path.write_text(_blueprint(condition))
    result, elapsed = _run(["lint", "--format", "json", path.name], tmp_path)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    findings = [f for f in json.loads(result.stdout)["findings"] if f["level"] == "error"]
    assert [f["code"] for f in findings if f["code"] != "CG050"] == ["CG006"]
    [finding] = [f for f in findings if f["code"] == "CG006"]
    assert (finding["line"], finding["column"]) == _yaml_place(condition)
    assert elapsed < 30


def test_eval_with_blueprint(tmp_path, shape):
    name, condition = shape
    path = tmp_path / f"{name}.yaml"
    path.write_text(_blueprint(condition))
    result, elapsed = _run(["eval", "--tool", "Bash", "--input", '{"command": "ls"}', "--blueprint", path.name],
                           tmp_path)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "CG006" in result.stderr
    assert _yaml_place(condition) in _where(result.stderr, path.name)
    assert elapsed < 30


def test_policy_tests(tmp_path, shape):
    name, condition = shape
    path = tmp_path / f"{name}.yaml"
    path.write_text(_blueprint(condition, tests=True))
    result, elapsed = _run(["test", path.name], tmp_path)
    assert result.returncode in (1, 2), result.stdout[-2000:] + result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "CG006" in output
    assert _yaml_place(condition) in _where(output, path.name)
    assert elapsed < 30


def _fixture(condition: str) -> dict:
    return {
        "name": "deep",
        "policies": '@rule_id("deep")\npermit (principal, action, resource)\nwhen { ' + condition + " };",
        "input": {
            "principal": {"type": "Agent::TaskAgent", "id": "t"},
            "action": {"type": "Agent::Action", "id": "invoke_tool"},
            "resource": {"type": "Agent::Tool", "id": "Bash"},
            "context": {},
        },
        "expected": {"decision": "allow", "matching_rule_ids": ["deep"]},
    }


def test_parity_fixture_dir(tmp_path, shape):
    name, condition = shape
    folder = tmp_path / "cases"
    folder.mkdir()
    fixture = _fixture(condition)
    (folder / f"{name}.json").write_text(json.dumps(fixture, indent=2))
    result, elapsed = _run(["parity", "cases"], tmp_path)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    # "policies" is on line 3 of the file: `  "policies": "` is 15 characters before the string's first one.
    offset = limits.check(fixture["policies"]).start
    prefix = json.dumps(fixture["policies"][:offset])[1:-1]
    assert (3, 15 + len(prefix) + 1) in _where(result.stderr, f"{name}.json"), result.stderr[-2000:]
    assert "refused unparsed" in result.stderr
    assert elapsed < 30


def test_lint_hands_no_refused_text_to_the_engine(tmp_path, monkeypatch):
    """In process: every cedarpy entry point the linter uses fails the test if it sees the deep text."""
    import cedarpy

    from toolkit.config import Config
    from toolkit.policytests.linting import linter as full_linter

    marker = "(" * 1000
    linter = full_linter(Config(root=tmp_path))  # built-ins parsed before the trap is set

    def guarded(real):
        def call(text, *args, **kwargs):
            assert marker not in str(text), f"{real.__name__} was handed refused text"
            return real(text, *args, **kwargs)

        return call

    for name in ("policies_to_json_str", "validate_policies", "format_policies"):
        monkeypatch.setattr(cedarpy, name, guarded(getattr(cedarpy, name)))
    monkeypatch.setattr(cedarpy.PolicySet, "from_str", guarded(cedarpy.PolicySet.from_str))
    path = tmp_path / "deep.yaml"
    path.write_text(_blueprint(SHAPES["parentheses"], tests=True))
    report = linter.lint_file(path)
    assert [f.code for f in report.findings if f.level == "error"] == ["CG006"]


def test_builtins_are_well_within_the_limits():
    from toolkit.config import Config
    from toolkit.policies import load_builtins

    builtins = load_builtins(Config(root=REPO).builtins, 1 << 20)
    for tier, blueprint in builtins.files.items():
        found = measure(blueprint.source.text)
        assert found.problem is None, tier
        assert found.nesting <= MAX_NESTING // 4 and found.chain <= MAX_CHAIN // 2, (tier, found)


def test_examples_and_fixture_blueprints_are_not_refused():
    texts = [p for p in (REPO / "fixtures").rglob("*") if p.suffix in (".yaml", ".yml", ".cedar")]
    texts += list((REPO / "contracts" / "cedar-parity").rglob("*.json"))
    for path in texts:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".json":
            try:
                text = json.loads(text).get("policies", "")
            except (ValueError, AttributeError):
                continue
        found = measure(text)
        # Only fixtures built to be hostile may go over; none of those is a blueprint of ordinary size.
        if found.problem is not None:
            assert "hostile" in str(path) or "bad" in str(path) or "deep" in str(path), (path, found.problem)


def test_place_is_line_and_column():
    text = 'permit (principal, action, resource)\nwhen {\n  ' + "(" * 40 + "true" + ")" * 40 + "\n};"
    with pytest.raises(CedarTooComplex) as caught:
        ensure_within_limits(text)
    assert (caught.value.line, caught.value.column) == (3, 2 + MAX_NESTING)  # `when {` is the first bracket
    assert caught.value.problem.kind == "nesting"


def test_strings_and_comments_do_not_count():
    deep = "(" * 500
    assert limits.check(f'permit (principal, action, resource) when {{ context.a == "{deep}" }};') is None
    assert limits.check(f"// {deep}\npermit (principal, action, resource);") is None
    assert limits.check('permit (principal, action, resource) when { context.a == "\\"(((" };') is None
    assert limits.check("permit (principal, action, resource) when { context.a == \"unterminated " + deep) is None


def test_depth_follows_precedence():
    assert measure("a || b || c").chain == 2
    assert measure('x.a like "1" || x.b like "2"').chain == 3
    assert measure("(((a && b) && c) && d)").chain == 6
    assert measure("if a then b else if c then d else e").chain == 2
    many_rules = "\n".join(f'@rule_id("r{i}") forbid (principal, action, resource) when {{ {" && ".join(["true"] * 100)} }};'
                           for i in range(50))
    assert measure(many_rules).problem is None  # the chain is per policy


def test_size_limit():
    text = "// " + "x" * limits.MAX_TEXT_BYTES
    problem = limits.check(text)
    assert problem is not None and problem.kind == "size"


# The worst texts inside the limits must run in both engines: the limits are only worth what this holds.
def _at_limit(build) -> str:
    """The largest text `build(n)` makes that is still within the limits."""
    n = 1
    while measure(build(n + 1)).problem is None:
        n += 1
    assert measure(build(n + 1)).problem is not None
    return build(n)


def _permit(condition: str) -> str:
    return '@rule_id("w") permit (principal, action, resource) when { ' + condition + " };\n"


WORST = {
    "brackets-around-erroring-chain": lambda: _at_limit(
        lambda n: _permit("(" * (MAX_NESTING - 1) + "context.a.b" + " && true" * n + ")" * (MAX_NESTING - 1))),
    "records-around-erroring-chain": lambda: _at_limit(
        lambda n: _permit("{a:" * (MAX_NESTING - 1) + "context.a.b" + " && true" * n + "}" * (MAX_NESTING - 1)
                          + " == context")),
    "erroring-and-chain": lambda: _at_limit(lambda n: _permit("context.a.b" + " && true" * n)),
    "if-chain": lambda: _at_limit(lambda n: _permit("if context.a.b then true else " * n + "true")),
    "attribute-chain": lambda: _at_limit(lambda n: _permit("context" + ".a" * n + " == 1")),
    "left-deep-brackets": lambda: _at_limit(
        lambda n: _permit("(" * n + "context.a.b" + "".join(" && true)" for _ in range(n)))),
}
_REQUEST = {"principal": 'A::"p"', "action": 'Action::"a"', "resource": 'R::"r"', "context": {"x": 1}}


@pytest.mark.parametrize("name", list(WORST))
def test_worst_text_within_limits_runs_in_cedarpy(name):
    text = WORST[name]()
    code = (
        "import json, sys, cedarpy\n"
        "text, request = json.loads(sys.stdin.read())\n"
        "cedarpy.policies_to_json_str(text)\n"
        "print(cedarpy.is_authorized(request, text, []).decision)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps([text, _REQUEST]), capture_output=True,
                            text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, (result.returncode, result.stderr[-1000:])


def test_worst_text_within_limits_runs_in_cedar_wasm():
    from toolkit.cedar.node import RunnerUnavailable
    from toolkit.cedar.wasm import WasmRunner

    request = {"principal": {"type": "A", "id": "p"}, "action": {"type": "Action", "id": "a"},
               "resource": {"type": "R", "id": "r"}, "context": {"x": 1}}
    try:
        runner = WasmRunner()
        runner.start()
    except RunnerUnavailable as exc:  # pragma: no cover - the runner is part of the install
        pytest.skip(str(exc))
    with runner:
        for name, build in WORST.items():
            text = build()
            loaded = runner.load(text)
            assert loaded.ok, (name, loaded.errors)
            [answer] = runner.authorize(text, [], [request])
            assert answer.ok, (name, answer)
            assert not any("memory access" in m for m in answer.messages), (name, answer)


# Property: the scan never raises and its nesting agrees with a plain count (strings and comments skipped).
def _reference_depth(text: str) -> int:
    depth = deepest = i = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}" and depth:
            depth -= 1
        i += 1
    return deepest


_BRACKETY = st.text(alphabet='()[]{}"\\/\n;,:. &|ab', max_size=300)


@settings(max_examples=400, deadline=None)
@given(_BRACKETY)
def test_scan_nesting_matches_a_plain_count(text):
    found = measure(text, max_nesting=10**9, max_chain=10**9)
    assert found.problem is None
    assert found.nesting == _reference_depth(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_scan_never_raises(text, nesting, chain):
    found = measure(text, max_nesting=nesting, max_chain=chain)
    if found.problem is not None:
        assert 0 <= found.problem.start <= found.problem.end <= len(text)
        assert found.problem.kind in ("nesting", "chain", "size")
