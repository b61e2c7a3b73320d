"""The three-outcome gate of one task (DESIGN §8): evaluate a tool call, then resolve its approval.

`evaluate` never raises: whatever goes wrong inside it becomes a `deny` with
`fail_closed = true` naming the failure class. `resolve` raises only for
caller mistakes (a scope that may not enter, a gate that is not open); the
gate then stays open so the caller can answer again.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from toolkit.contract import Constants
from toolkit.engine.bundle import CedarEvaluationError, Matches, PolicyBundle
from toolkit.engine.caches import RateWindow, RecentDecisions
from toolkit.engine.clock import Clock, SystemClock
from toolkit.engine.failures import (
    EngineUnavailable,
    InputNotSerialisable,
    InvalidToolInput,
    ResolveError,
)
from toolkit.engine.inputs import canonical_json, check_json_value, input_digest
from toolkit.engine.records import (
    ALLOW,
    DENY,
    REQUIRE_APPROVAL,
    Approve,
    Decision,
    Deny,
    InputDigest,
    Resolution,
    Response,
    Timeout,
)
from toolkit.engine.sanitize import (
    STEERING_DENIED,
    STEERING_TIMED_OUT,
    agent_reason,
    denial_envelope,
    truncate,
)
from toolkit.engine.scopes import (
    CallFacts,
    Scope,
    ScopeError,
    covers_command,
    covers_path,
    matcher,
    parse_scope,
    tool_group,
)
from toolkit.engine.settings import TaskSettings, TaskSettingsError
from toolkit.engine.shadow import disabled_matches, shadow_report
from toolkit.engine.state import DENIED, TIMED_OUT, OpenGate, TaskState
from toolkit.scopes import BREADTH, SESSION_KINDS
from toolkit.shell import ShellAnalyser
from toolkit.toolcall import WRITE_PATH_KEYS, default_analyser, requests_for

if TYPE_CHECKING:
    from toolkit.config import Config

TOOL_MEMO_MAX = 256
__all__ = ["Gate", "canonical_json", "check_json_value", "input_digest"]


class Gate:
    """One task's gate over a compiled policy bundle; the clock and the Cedar adapter are injected."""

    def __init__(
        self,
        bundle: PolicyBundle,
        constants: Constants,
        task: TaskSettings | None = None,
        clock: Clock | None = None,
        timer: Callable[[], float] = time.perf_counter,
        tool_memo_size: int = TOOL_MEMO_MAX,
        analyser: ShellAnalyser | None = None,
        saved_state: Mapping[str, Any] | None = None,
    ) -> None:
        """`saved_state` is a `TaskState.to_json()` of an earlier process of the same task (the hook)."""
        self.bundle = bundle
        self.constants = constants
        self.task = task or TaskSettings()
        self.clock = clock or SystemClock()
        self._timer = timer
        self._analyser = analyser
        self._facts = self.task.facts()
        self._write_keys = {**WRITE_PATH_KEYS, **self.task.write_tools}
        problems = self.task.problems(constants)
        c = constants
        self.state = TaskState(
            started_at=self.clock.now(),
            gate_cap=self.task.gate_cap or bundle.gate_cap or c.approval_gate_cap.default,
            max_lifetime_s=self.task.max_lifetime_s or c.default_max_lifetime_s,
            default_timeout_s=self.task.approval_timeout_s or c.approval_timeout_s.default,
            input_cache=RecentDecisions(c.recent_decision_cache_entries, c.recent_decision_cache_ttl_s),
            rule_cache=RecentDecisions(c.recent_decision_cache_entries, c.recent_decision_cache_ttl_s),
            rate=RateWindow(c.approval_rate_limit, c.approval_rate_window_s),
        )
        if saved_state is not None:
            self.state.restore(saved_state, constants.scope_max_length)
        self._last_now = self.state.started_at
        self._tool_memo: dict[str, Matches] = {}
        self._tool_memo_size = tool_memo_size
        self._memo_owner: PolicyBundle | None = bundle
        for i, entry in enumerate(self.task.initial_approvals):
            try:
                self._grant(self._admit_preapproval(entry))
            except ScopeError as exc:
                problems.append(f"initial_approvals[{i}] {entry!r}: {exc}")
        if problems:
            raise TaskSettingsError("task settings", "invalid task settings:\n  - " + "\n  - ".join(problems))

    @classmethod
    def from_blueprint(
        cls,
        blueprint: Path | str | None = None,
        *,
        builtins: Path | str | None = None,
        config: Config | None = None,
        task: TaskSettings | None = None,
        clock: Clock | None = None,
    ) -> Gate:
        """Lint, compile and start a task; lint errors raise PolicyLoadError with the findings.

        A convenience for Python callers: linting sits above the engine, so this reaches up to
        `toolkit.policyset` when called (never at import); code in the toolkit calls that directly."""
        from toolkit.policyset import load_policies

        bundle, constants = load_policies(
            Path(blueprint) if blueprint is not None else None, config, Path(builtins) if builtins else None
        )
        return cls(bundle, constants, task, clock)

    # -- evaluate -------------------------------------------------------------

    def evaluate(self, tool_name: str, tool_input: Mapping[str, Any]) -> Decision:
        start = self._timer()
        self.state.calls += 1
        request_id = f"call-{self.state.calls}"
        digest = None
        try:
            now = self._last_now = self.clock.now()
            if self.bundle is None or self.bundle.policy_set is None:
                raise EngineUnavailable("no policy set is loaded")
            call = self._call_facts(tool_name, tool_input)
            check_json_value(tool_input)
            digest = input_digest(tool_input)
            return self._decide(request_id, now, call, tool_input, digest, start)
        except Exception as exc:  # noqa: BLE001 - fail closed on anything
            errored = exc.rule_ids if isinstance(exc, CedarEvaluationError) else ()
            return Decision(
                request_id, str(tool_name)[:200], self._last_now, DENY, f"fail-closed: {type(exc).__name__}",
                "precheck" if isinstance(exc, (EngineUnavailable, InvalidToolInput, InputNotSerialisable)) else "error",
                errored_rule_ids=errored, fail_closed=True,
                policy_hash=getattr(self.bundle, "policy_hash", None), input_digest=digest,
                eval_us=self._elapsed_us(start),
            )

    def _elapsed_us(self, start: float) -> int:
        try:
            return max(0, int((self._timer() - start) * 1e6))
        except Exception:  # noqa: BLE001 - a broken timer must not turn a deny into an exception
            return 0

    def _call_facts(self, tool_name: object, tool_input: object) -> CallFacts:
        if not isinstance(tool_name, str) or not tool_name.strip():
            raise InvalidToolInput("the tool name must be a non-empty string")
        if not isinstance(tool_input, Mapping):
            raise InvalidToolInput("the tool input must be a JSON object")
        path_key = self._write_keys.get(tool_name)
        write_path = None
        if path_key is not None:
            write_path = tool_input.get(path_key)
            if not isinstance(write_path, str) or not write_path:
                raise InvalidToolInput(f"{tool_name} needs a non-empty string `{path_key}`")
        command = None
        analysis = None
        if tool_name == "Bash":
            command = tool_input.get("command")
            if not isinstance(command, str):
                raise InvalidToolInput("Bash needs a string `command`")
            if command.strip():
                analysis = (self._analyser or default_analyser()).analyse(command)
        return CallFacts(tool_name, tool_group(tool_name, self.task.write_tools), command, write_path,
                         tuple(c.canonical() for c in analysis.commands) if analysis else (), analysis)

    def _decide(self, request_id: str, now: float, call: CallFacts, tool_input: Mapping[str, Any],
                digest: InputDigest, start: float) -> Decision:
        state, bundle = self.state, self.bundle
        requests = requests_for(call.tool_name, tool_input, self._facts, self.task.write_tools,
                                analysis=call.analysis, keep=bundle.keep)
        matches = Matches.merge(self._match(requests))

        def decision(outcome: str, reason: str, stage: str, **extra: Any) -> Decision:
            shadow, flip = shadow_report(matches, bundle.rules, outcome, stage, state.rule_grants)
            return Decision(request_id, call.tool_name, now, outcome, reason, stage,
                            policy_hash=bundle.policy_hash, input_digest=digest,
                            eval_us=self._elapsed_us(start), shadow=shadow, shadow_flip=flip, **extra)

        disabled = disabled_matches(matches, bundle.rules)
        soft = tuple(r for r in matches.soft if not bundle.rules[r].disabled)
        ids = {"soft_rule_ids": soft, "disabled_rule_ids": disabled}
        if matches.hard:
            return decision(DENY, f"Hard-deny: {', '.join(matches.hard)}", "hard", hard_rule_ids=matches.hard, **ids)
        grant = state.allowlist.match(call)
        if grant is not None:
            return decision(ALLOW, f"allowed by approval scope {grant.text}", "allowlist", granted_by=grant.text, **ids)
        cached = None if state.input_cache.empty() else state.input_cache.get((call.tool_name, digest.hex), now)
        if cached is not None:
            what = "denied" if cached[0] == DENIED else "timed out"
            return decision(DENY, f"the same call was {what} {now - cached[1]:.0f} s ago", "input_cache",
                            cache_hit="input", **ids)
        if not soft:
            reason = f"no active rule matched (disabled: {', '.join(disabled)})" if disabled else "no rule matched"
            return decision(ALLOW, reason, "no_match", **ids)
        severity = self._severity(soft)
        if all(r in state.rule_grants for r in soft):
            granted = ", ".join(f"rule:{r}" for r in soft)
            return decision(ALLOW, f"allowed by approval scope {granted}", "rule_grant", granted_by=granted,
                            severity=severity, **ids)
        for rule_id in soft:
            if state.rule_cache.get((call.tool_name, rule_id), now) is not None:
                return decision(DENY, f"rule {rule_id} was denied for {call.tool_name} less than "
                                f"{self.constants.recent_decision_cache_ttl_s} s ago", "rule_cache",
                                cache_hit="rule", severity=severity, **ids)
        if state.gates_opened >= state.gate_cap:
            return decision(DENY, f"approval gate cap reached: {state.gates_opened} of {state.gate_cap} gates "
                            "already opened in this task", "gate_cap", severity=severity, **ids)
        if state.rate.full(now):
            c = self.constants
            return decision(DENY, f"approval rate limit reached: {c.approval_rate_limit} gates in the last "
                            f"{c.approval_rate_window_s} s", "rate_limit", severity=severity, **ids)
        window = state.remaining_window(now, self.constants.lifetime_cleanup_margin_s)
        floor = self.constants.approval_timeout_s.min
        if window < floor:
            return decision(DENY, f"the task has {max(window, 0):.0f} s of approval time left, less than the "
                            f"{floor} s a human needs", "lifetime", severity=severity, **ids)
        timeout = min(self._merged_timeout(soft), int(window))
        digest.hex  # an open gate's answer is cached under the input as it was asked
        opened = decision(REQUIRE_APPROVAL, f"Approval required: {', '.join(soft)}", "approval",
                          severity=severity, timeout_s=timeout, **ids)
        state.gates_opened += 1
        state.rate.record(now)
        state.open_gates[request_id] = OpenGate(opened, call)
        return opened

    def _match(self, requests: list[dict[str, Any]]) -> list[Matches]:
        """Cedar's matches per request; the `invoke_tool` answer is remembered per tool name.

        That request carries nothing but the task's fixed facts and the tool name,
        so its answer cannot change within a task. Only clean answers are kept.
        It always reaches Cedar the first time, so a broken engine shows on the
        first call of every tool even when the prefilter would skip the rest.
        """
        if self._memo_owner is not self.bundle:
            self._tool_memo, self._memo_owner = {}, self.bundle
        tool_name = requests[0]["resource"]["id"]
        known = self._tool_memo.get(tool_name)
        if known is not None:
            return [known, *self.bundle.match(requests[1:])]
        found = self.bundle.match(requests, always=1)
        if self._tool_memo_size > 0:
            if len(self._tool_memo) >= self._tool_memo_size:
                self._tool_memo.clear()
            self._tool_memo[tool_name] = found[0]
        return found

    def _severity(self, soft: tuple[str, ...]) -> str:
        order = self.constants.severities
        return max((self.bundle.rules[r].severity for r in soft), key=order.index)

    def _merged_timeout(self, soft: tuple[str, ...]) -> int:
        timeouts = [t for t in (self.bundle.rules[r].timeout_s for r in soft) if t is not None]
        return max(self.constants.approval_timeout_s.min, min([*timeouts, self.state.default_timeout_s]))

    # -- resolve --------------------------------------------------------------

    def resolve(self, decision: Decision, response: Response) -> Resolution:
        """Apply a human's answer (or its absence) to an open gate."""
        if decision.outcome != REQUIRE_APPROVAL:
            raise ResolveError(f"{decision.request_id} is `{decision.outcome}`; only require_approval is resolved")
        gate = self.state.open_gates.get(decision.request_id)
        if gate is None or gate.decision != decision:
            raise ResolveError(f"{decision.request_id} is not an open gate of this task (already resolved?)")
        if not isinstance(response, (Approve, Deny, Timeout)):
            raise ResolveError(f"unknown response {response!r}; use Approve(scope), Deny(reason) or Timeout()")
        now = self._last_now = self.clock.now()
        late = now - decision.at > (decision.timeout_s or 0)
        scope = None
        if isinstance(response, Approve) and not late:
            scope = self._admit_approval(response.scope, gate)
        del self.state.open_gates[decision.request_id]
        limit = self.constants.agent_reason_max_chars
        try:
            if isinstance(response, Timeout) or late:
                self.state.input_cache.put((decision.tool_name, decision.input_sha256 or ""), TIMED_OUT, now)
                return Resolution(decision.request_id, _kind(response), DENY, agent_reason(STEERING_TIMED_OUT, None, limit),
                                  now, late=late and not isinstance(response, Timeout))
            if isinstance(response, Deny):
                self.state.input_cache.put((decision.tool_name, decision.input_sha256 or ""), DENIED, now)
                for rule_id in decision.soft_rule_ids:
                    self.state.rule_cache.put((decision.tool_name, rule_id), DENIED, now)
                human = truncate(str(response.reason), self.constants.deny_reason_max_length)
                reason = agent_reason(STEERING_DENIED, human, limit)
                return Resolution(decision.request_id, "deny", DENY, reason, now,
                                  envelope=denial_envelope(decision.request_id, now, reason))
            if scope is None:
                raise ResolveError("an approval without a scope")
            self._grant(scope)
            return Resolution(decision.request_id, "approve", ALLOW, f"approved with scope {scope.text}", now,
                              scope=scope.text)
        except Exception as exc:  # noqa: BLE001 - fail closed on anything
            return Resolution(decision.request_id, _kind(response), DENY, f"fail-closed: {type(exc).__name__}", now,
                              fail_closed=True)

    def reopen(self, decision: Decision, tool_input: Mapping[str, Any]) -> None:
        """Register again an ask opened by an earlier process (a deferred call being resumed), so `resolve`
        can apply its answer. The input must be the one that was asked about; the gate was counted then."""
        if decision.outcome != REQUIRE_APPROVAL:
            raise ResolveError(f"{decision.request_id} is `{decision.outcome}`; only an ask is reopened")
        if input_digest(tool_input).hex != decision.input_sha256:
            raise ResolveError(f"{decision.request_id} was asked about another input; its answer cannot apply")
        self.state.open_gates[decision.request_id] = OpenGate(decision, self._call_facts(decision.tool_name,
                                                                                         tool_input))

    def _grant(self, scope: Scope) -> None:
        if scope.kind == "this_call":
            return
        if scope.kind == "rule":
            self.state.rule_grants[scope.value or ""] = scope
        else:
            self.state.allowlist.add(scope)

    def _admit_approval(self, raw: object, gate: OpenGate) -> Scope:
        """A human's scope, made concrete for this call; it must cover the call it approves."""
        scope = parse_scope(raw, self.constants.scope_max_length)
        call, decision = gate.call, gate.decision
        if scope.kind == "tool_type_session":
            return Scope("tool_type", call.tool_name)
        if scope.kind == "tool_group_session":
            if call.group is None:
                raise ScopeError(f"{call.tool_name} belongs to no tool group; use tool_type_session")
            return Scope("tool_group", call.group)
        value = scope.value
        if scope.kind == "rule" and value not in decision.soft_rule_ids:
            raise ScopeError(f"rule:{value} is not a rule this call is waiting on "
                             f"({', '.join(decision.soft_rule_ids)})")
        if scope.kind == "tool_type" and value != call.tool_name:
            raise ScopeError(f"tool_type:{value} does not cover this {call.tool_name} call")
        if scope.kind == "tool_group" and value != call.group:
            raise ScopeError(f"tool_group:{value} does not cover {call.tool_name} (group: {call.group or 'none'})")
        if scope.kind == "bash_pattern" and (call.command is None or not covers_command(matcher(scope), call)):
            raise ScopeError(f"bash_pattern:{value} does not cover every segment of this call's command")
        if scope.kind == "write_path" and (call.write_path is None or not covers_path(matcher(scope), call.write_path)):
            raise ScopeError(f"write_path:{value} does not cover this call's path")
        return scope

    def _admit_preapproval(self, raw: object) -> Scope:
        scope = parse_scope(raw, self.constants.scope_max_length)
        if scope.kind == "this_call" or scope.kind in SESSION_KINDS:
            raise ScopeError(f"`{scope.kind}` refers to the call being approved; a pre-approval has none "
                             "(use tool_type:<Tool> or tool_group:<group>)")
        if scope.kind == "rule":
            rule = self.bundle.rules.get(scope.value or "")
            if rule is None:
                raise ScopeError(f"no rule {scope.value!r} in the effective rule set")
            if rule.tier == "hard":
                raise ScopeError(f"{scope.value} is a hard rule; hard rules cannot be pre-approved")
        ceiling = self.bundle.max_scope
        if ceiling:
            limit = BREADTH.get(ceiling.split(":", 1)[0].strip())
            if limit is not None and BREADTH[scope.kind] > limit:
                raise ScopeError(f"`{scope.kind}` is broader than the blueprint's maxPreApprovalScope `{ceiling}`")
        return scope

    # -- introspection --------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The task's approval state as JSON, for logs and `eval --format json`."""
        s = self.state
        return {
            "gates_opened": s.gates_opened,
            "gate_cap": s.gate_cap,
            "open_gates": sorted(s.open_gates),
            "grants": sorted(s.allowlist.scopes() + [g.text for g in s.rule_grants.values()]),
            "input_cache_entries": len(s.input_cache),
            "rule_cache_entries": len(s.rule_cache),
            "rate_window": len(s.rate),
            "calls": s.calls,
        }


def _kind(response: Response) -> str:
    return {Approve: "approve", Deny: "deny", Timeout: "timeout"}[type(response)]

