"""The cedar-wasm adapter: a client that owns one long-lived Node runner process.

The process is started lazily, warmed up, and restarted after a crash, a hang or
garbage on its stdout; the caller learns about each failure as a `RunnerError` for
the call that hit it and the next call gets a fresh process. Policy sets are
pre-parsed once per process and referenced by a slot id. A bounded number of slots
is reused so a long fuzz run does not grow the runner's memory, and the process is
recycled after a bounded number of requests (one V8 process died after ~62k).

Calls can be pipelined: `submit` sends a batch and returns at once, `collect`
reads its answers later, so the caller works (cedarpy, loading the next
fixtures) while Node works. Answers come in request order; a failure is charged
to the request Node was on, and requests in flight behind it are sent again to
the fresh process when collected.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, NoReturn

from toolkit.cedar.answers import EngineAnswer
from toolkit.cedar.node import RunnerInstall, locate
from toolkit.cedar.pyengine import EnginePolicy

DEFAULT_TIMEOUT_S = 10.0
STARTUP_TIMEOUT_S = 30.0


class RunnerError(Exception):
    """A runner call failed. `kind` is crash, timeout, protocol or refused."""

    def __init__(self, kind: str, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.stderr = stderr

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\nrunner stderr:\n{self.stderr}" if self.stderr else text


@dataclass(frozen=True)
class RunnerInfo:
    node: str
    cedar: str
    lang: str
    sdk: str
    package: str
    pid: int


@dataclass(frozen=True)
class LoadedSet:
    """A policy set as cedar-wasm saw it: its policies, or why it refused the text."""

    slot: str
    policies: tuple[EnginePolicy, ...]
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def _answer(raw: dict[str, Any]) -> EngineAnswer:
    if raw.get("type") != "success":
        return EngineAnswer.input_error([str(m) for m in raw.get("errors", [])])
    return EngineAnswer.decided(raw["decision"], raw["reasons"], raw["errored"], raw["messages"])


def _loaded(slot: str, raw: dict[str, Any]) -> LoadedSet:
    if raw.get("type") != "success":
        return LoadedSet(slot, (), tuple(str(m) for m in raw.get("errors", [])) or ("refused",))
    policies = tuple(EnginePolicy(p["id"], p["effect"], p["annotations"], False) for p in raw["policies"])
    return LoadedSet(slot, policies, ())


class _Lost(Exception):
    """The request was in flight behind one that killed the process; it never ran."""


_WAITING = object()


class _Ticket:
    """One request line sent to the runner, and later its answer or its error."""

    __slots__ = ("id", "op", "answer", "error", "lost")

    def __init__(self, request_id: int, op: str) -> None:
        self.id = request_id
        self.op = op
        self.answer: Any = _WAITING
        self.error: RunnerError | None = None
        self.lost = False


@dataclass
class Pending:
    """A submitted `authorize`: what to send again if its process dies under it, and its tickets."""

    text: str
    entities: list[Any]
    requests: list[dict[str, Any]]
    fault: str | None
    tickets: list[_Ticket]
    refused: LoadedSet | None = None


class WasmRunner:
    def __init__(
        self,
        install: RunnerInstall | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        startup_timeout_s: float = STARTUP_TIMEOUT_S,
        max_batch: int = 256,
        recycle_after: int = 20_000,
        max_sets: int = 256,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        self._install = install
        self._command = command
        self._env = env
        self.timeout_s = timeout_s
        self.startup_timeout_s = startup_timeout_s
        self.max_batch = max_batch
        self.recycle_after = recycle_after
        self.max_sets = max_sets
        self._proc: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._inflight: deque[_Ticket] = deque()
        self._stderr: deque[str] = deque(maxlen=200)
        self._next_id = 0
        self._served = 0
        self._slots: OrderedDict[str, LoadedSet] = OrderedDict()
        self._live: set[str] = set()
        self.info: RunnerInfo | None = None
        self.starts = 0
        self.failures: list[RunnerError] = []

    def __enter__(self) -> WasmRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stderr_tail(self) -> str:
        return "".join(self._stderr).rstrip()

    def start(self) -> RunnerInfo:
        if self.running and self.info is not None:
            return self.info
        command = self._command
        if command is None:
            install = self._install or locate()
            command = [str(install.node), str(install.script)]
        env = dict(os.environ, **(self._env or {}))
        self._stderr.clear()
        try:
            proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
            )
        except OSError as exc:
            raise RunnerError("crash", f"cannot start the runner ({command[0]}): {exc.strerror}") from None
        self._proc = proc
        self._lines = queue.Queue()
        self._outbox = queue.Queue()
        self._lose_inflight()
        self._live = set()
        self._served = 0
        self.starts += 1
        threading.Thread(target=self._pump_stdin, args=(proc, self._outbox), daemon=True).start()
        threading.Thread(target=self._pump_stdout, args=(proc, self._lines), daemon=True).start()
        threading.Thread(target=self._pump_stderr, args=(proc,), daemon=True).start()
        raw = self._call({"op": "hello"})
        try:
            self.info = RunnerInfo(**{k: raw[k] for k in ("node", "cedar", "lang", "sdk", "package", "pid")})
        except (KeyError, TypeError):
            self._fail("protocol", f"unexpected hello answer: {str(raw)[:200]}")
        return self.info

    def _pump_stdin(self, proc: subprocess.Popen[bytes], outbox: queue.Queue[bytes | None]) -> None:
        """Writes happen here: Node reads nothing while it computes, and a full pipe must not stall the caller."""
        assert proc.stdin is not None
        try:
            while (line := outbox.get()) is not None:
                proc.stdin.write(line)
                if outbox.empty():
                    proc.stdin.flush()
            proc.stdin.close()
        except (OSError, ValueError):
            pass  # the process is gone; the reader sees its end and charges the request it was on

    def _pump_stdout(self, proc: subprocess.Popen[bytes], lines: queue.Queue[bytes | None]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def _pump_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace"))

    def _kill(self, kind: str, message: str) -> RunnerError:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - kill does not fail on Linux
                pass
        self._proc = None
        self.info = None
        self._outbox.put(None)
        self._lose_inflight()
        error = RunnerError(kind, message, self.stderr_tail())
        self.failures.append(error)
        return error

    def _fail(self, kind: str, message: str) -> NoReturn:
        raise self._kill(kind, message)

    def _lose_inflight(self) -> None:
        for ticket in self._inflight:
            ticket.lost = True
        self._inflight.clear()

    def _send(self, payload: dict[str, Any]) -> _Ticket:
        if not self.running:
            self.start()
        self._next_id += 1
        ticket = _Ticket(self._next_id, payload["op"])
        line = json.dumps({"id": ticket.id, **payload}, ensure_ascii=False, separators=(",", ":"))
        self._inflight.append(ticket)
        self._outbox.put(line.encode("utf-8") + b"\n")
        return ticket

    def _await(self, ticket: _Ticket) -> Any:
        """Reads answers in order until `ticket` has one; a process failure is charged to the request it hit."""
        while ticket.answer is _WAITING and ticket.error is None:
            if ticket.lost:
                raise _Lost
            head = self._inflight[0]
            try:
                self._read_into(head)
            except RunnerError as exc:
                head.error = exc
        if ticket.error is not None:
            raise ticket.error
        return ticket.answer

    def _read_into(self, head: _Ticket) -> None:
        """The next answer line, which must be the oldest request's; each request gets the full timeout."""
        proc = self._proc
        timeout_s = self.startup_timeout_s if head.op == "hello" else self.timeout_s
        try:
            raw_line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            self._fail("timeout", f"no answer within {timeout_s:g} s to `{head.op}`")
        if raw_line is None:
            try:
                code = proc.wait(timeout=5) if proc is not None else None
            except subprocess.TimeoutExpired:  # pragma: no cover
                code = None
            self._fail("crash", f"the runner exited (exit code {code}) during `{head.op}`")
        try:
            answer = json.loads(raw_line)
        except ValueError:
            self._fail("protocol", f"the runner printed something that is not JSON: {raw_line[:120]!r}")
        if not isinstance(answer, dict) or answer.get("id") != head.id:
            self._fail("protocol", f"answer does not match request {head.id}: {str(answer)[:120]}")
        self._inflight.popleft()
        if answer.get("ok"):
            head.answer = answer.get("result")
        else:
            head.error = RunnerError("refused", str(answer.get("error", "the runner refused the request")))

    def _call(self, payload: dict[str, Any]) -> Any:
        while True:
            try:
                return self._await(self._send(payload))
            except _Lost:
                continue  # a request ahead of it killed the process; the retry goes to a fresh one

    def load(self, text: str) -> LoadedSet:
        """Pre-parse `text` once per runner process; later calls reuse the slot."""
        known = self._slots.get(text)
        if known is not None and (not known.ok or (known.slot in self._live and self.running)):
            self._slots.move_to_end(text)
            return known
        if known is not None:
            slot = known.slot
        elif len(self._slots) >= self.max_sets:
            _, evicted = self._slots.popitem(last=False)
            slot = evicted.slot
            self._live.discard(slot)
        else:
            slot = f"s{len(self._slots)}"
        raw = self._call({"op": "load", "set": slot, "policies": text})
        loaded = _loaded(slot, raw)
        self._slots[text] = loaded
        self._slots.move_to_end(text)
        if loaded.ok:
            self._live.add(slot)
        return loaded

    def authorize(
        self, text: str, entities: list[Any], requests: list[dict[str, Any]], *, fault: str | None = None
    ) -> list[EngineAnswer]:
        """Answers in request order. Raises RunnerError for the whole batch the failure hit."""
        return self.collect(self.submit(text, entities, requests, fault=fault))

    def submit(
        self, text: str, entities: list[Any], requests: list[dict[str, Any]], *, fault: str | None = None
    ) -> Pending:
        """Sends the batch without waiting; `collect` returns its answers (batches may be collected in any order)."""
        if self._served >= self.recycle_after and not self._inflight:
            self.close()
        loaded = self.load(text)
        pending = Pending(text, entities, requests, fault, [])
        if not loaded.ok:
            pending.refused = loaded
            return pending
        for start in range(0, len(requests), self.max_batch):
            chunk = requests[start : start + self.max_batch]
            payload: dict[str, Any] = {"op": "authorize", "set": loaded.slot, "entities": entities, "requests": chunk}
            if fault:
                payload["fault"] = fault
            pending.tickets.append(self._send(payload))
            self._served += len(chunk)
        return pending

    def collect(self, pending: Pending) -> list[EngineAnswer]:
        """Answers in request order. A chunk that was queued behind another's crash is sent again here."""
        if pending.refused is not None:
            return [EngineAnswer.input_error(list(pending.refused.errors)) for _ in pending.requests]
        answers: list[EngineAnswer] = []
        for index, ticket in enumerate(pending.tickets):
            chunk = pending.requests[index * self.max_batch : (index + 1) * self.max_batch]
            try:
                raw = self._await(ticket)
            except _Lost:
                answers.extend(self.authorize(pending.text, pending.entities, chunk, fault=pending.fault))
                continue
            if not isinstance(raw, list) or len(raw) != len(chunk):
                self._fail("protocol", f"expected {len(chunk)} answers, got {str(raw)[:120]}")
            answers.extend(_answer(item) for item in raw)
        return answers

    def describe(self, text: str) -> LoadedSet:
        """Policies and annotations as cedar-wasm extracts them, without keeping the set."""
        return _loaded("-", self._call({"op": "describe", "policies": text}))

    def close(self) -> None:
        proc, self._proc = self._proc, None
        self.info = None
        self._live = set()
        self._lose_inflight()
        if proc is None:
            return
        self._outbox.put(None)
        try:
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
