"""Measure what the real Claude Code shows in an *interactive* session (no ``-p``).

    python tests/live/measure_interactive.py [--only CASE ...] [--screens DIR] [--ask-wait 90]

Not a test: it drives the CLI's TUI through a private tmux server (``tmux -L <unique>``),
answers its prompts with ``send-keys``, and prints, for each PreToolUse hook behaviour,
the screens (``capture-pane``), the hook events that fired, whether the Bash call ran
and the tool_result the (fake) model received. FACTS.md "Interactive sessions" holds the
results. Every case runs with its own HOME (a temp dir; never the real ``~/.claude``),
the environment from ``claude_env`` (fake model on 127.0.0.1) and is bounded by
timeouts; its tmux server is killed afterwards.

First-run screens are pre-seeded in ``$HOME/.claude.json`` (onboarding done, theme
chosen, the API key "test" approved, the project trusted); without the seed the CLI's
onboarding tries to reach api.anthropic.com and exits ("Unable to connect to Anthropic
services").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from claude import (  # noqa: E402
    RecordingHook,
    bash_call,
    claude_env,
    hooks_settings,
    locate_cli,
    make_project,
    pre_tool_decision,
    write_settings,
)
from fake_model import FakeModel, result_text  # noqa: E402

TOOL_ID = "toolu_live_00_00"
PROMPT = "Do the scripted task."
ASK_REASON = "cedar-gates: approval required by force_push_main (severity high, answer within 600 s)"
DENY_REASON = "cedar-gates: denied by force_push_main (severity high)"
PROCEED = "Do you want to proceed?"
FINAL_TEXT = "finished-scripted-task"
EVENTS = ("PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "PermissionDenied")
TOUCH = "touch ran.txt && echo TOOL-RAN"
FAILING = "touch ran.txt && echo TOOL-RAN-FAILING && exit 3"


def seed_home(home: Path, project: Path) -> None:
    """Pre-answer the first-run screens: onboarding/theme, API-key confirmation, trust dialog."""
    home.mkdir(parents=True, exist_ok=True)
    state = {
        "hasCompletedOnboarding": True,
        "theme": "dark",
        "customApiKeyResponses": {"approved": ["test"], "rejected": []},  # last 20 chars of the key
        "projects": {str(project): {"hasTrustDialogAccepted": True}},
    }
    (home / ".claude.json").write_text(json.dumps(state, indent=2))


def trim(screen: str) -> str:
    """Screen text without trailing blanks, blank lines or the long rule lines."""
    lines = []
    for line in screen.splitlines():
        line = line.rstrip()
        if not line.strip():
            continue
        if re.fullmatch(r"\s*[─╌]{20,}\s*", line):
            line = "----"
        lines.append(line)
    return "\n".join(lines)


def conversation(screen: str) -> str:
    """The part of a trimmed screen from the user's prompt on (drops the logo/banner)."""
    text = trim(screen)
    index = text.find("❯ " + PROMPT)
    return text[index:] if index >= 0 else text


class TmuxClaude:
    """``claude`` (interactive) in a detached session of a private tmux server."""

    def __init__(self, cli: list[str], env: dict[str, str], cwd: Path, args: list[str], name: str,
                 log: list[tuple[str, str]]):
        self.socket = f"cedar-gates-live-{os.getpid()}-{name}"
        self.log = log
        command = ["env", "-i", *[f"{k}={v}" for k, v in env.items()], *cli, *args]
        shell = shlex.join(command) + "; echo CLAUDE-EXITED=$?; sleep 600"
        self._tmux("new-session", "-d", "-s", "main", "-x", "160", "-y", "60", "-c", str(cwd), shell, check=True)

    def _tmux(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                              text=True, check=check, timeout=20)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-t", "main").stdout

    def snap(self, label: str) -> str:
        text = self.screen()
        self.log.append((label, text))
        return text

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, label: str) -> tuple[bool, str]:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                time.sleep(0.5)  # let the frame settle
                return True, self.snap(label)
            time.sleep(0.25)
        return False, self.snap(label + " (TIMED OUT)")

    def stop(self) -> None:
        socket_path = self._tmux("display-message", "-p", "#{socket_path}").stdout.strip()
        self._tmux("kill-server")
        if socket_path and Path(socket_path).name == self.socket:
            Path(socket_path).unlink(missing_ok=True)


def ready(text: str) -> bool:
    return "for shortcuts" in text or "shift+tab to cycle" in text or re.search(r"^❯ *$", text, re.M) is not None


def send_prompt(session: TmuxClaude, prompt: str) -> None:
    session.type(prompt)
    time.sleep(0.4)
    session.keys("Enter")


def run_case(cli: list[str], model: FakeModel, root: Path, name: str, behaviour: dict[str, Any],
             drive: Callable[..., dict[str, Any]], *, command: str = TOUCH, mode: str | None = "default",
             ask_wait: float = 90.0) -> dict[str, Any]:
    case_dir = root / name
    project = make_project(case_dir)
    home = case_dir / "home"
    seed_home(home, project)
    hook = RecordingHook(case_dir / "hook", behaviour)
    write_settings(project, hooks_settings(hook.command, EVENTS))
    model.load([[bash_call(command)], FINAL_TEXT])
    env = claude_env(model, home, extra={"TERM": "xterm-256color", "COLUMNS": "160", "LINES": "60"})
    args = ["--permission-mode", mode] if mode else []
    screens: list[tuple[str, str]] = []
    session = TmuxClaude(cli, env, project, args, name, screens)
    started = time.monotonic()
    notes: dict[str, Any] = {}
    try:
        ok, _ = session.wait_for(ready, 30, "start")
        if not ok:
            notes["error"] = "input box never appeared"
        else:
            send_prompt(session, PROMPT)
            notes.update(drive(session, model, ask_wait=ask_wait))
    finally:
        session.stop()
    block = model.tool_results().get(TOOL_ID)
    pre = hook.events("PreToolUse")
    env_seen = hook.records()[0]["env"] if hook.records() else {}
    return {
        "case": name,
        "mode_flag": mode,
        "ran": (project / "ran.txt").exists(),
        "model_saw": result_text(block) if block else None,
        "is_error": None if block is None else bool(block.get("is_error")),
        "main_requests": len(model.main_requests()),
        "other_requests": [f"{r.method} {r.path} {r.kind}" for r in model.requests if r.kind != "main"],
        "hook_events": [e.get("hook_event_name") for e in hook.events()],
        "post_events": [
            {k: e.get(k) for k in ("hook_event_name", "tool_response", "error", "is_interrupt")}
            for e in hook.events() if e.get("hook_event_name") != "PreToolUse"
        ],
        "permission_mode": pre[0].get("permission_mode") if pre else None,
        "hook_env": {k: env_seen.get(k) for k in ("CLAUDE_CODE_SESSION_ATTENDED", "CLAUDE_CODE_ENTRYPOINT",
                                                   "CLAUDECODE", "AI_AGENT")},
        "elapsed": round(time.monotonic() - started, 1),
        **notes,
        "screens": [(label, conversation(text)) for label, text in screens],
    }


def has_final(text: str) -> bool:
    return FINAL_TEXT in text


# -- drivers: what the "human" does once the prompt has been sent ---------------------------
def answer_prompt(choice: str) -> Callable[..., dict[str, Any]]:
    def drive(session: TmuxClaude, model: FakeModel, **_: Any) -> dict[str, Any]:
        ok, _ = session.wait_for(lambda t: PROCEED in t, 30, "permission prompt")
        if not ok:
            return {"prompt_shown": False}
        if choice == "yes":
            session.keys("Enter")  # "1. Yes" is preselected
        else:
            for _ in range(6):  # move the highlight down to the "N. No" line
                if re.search(r"^ *❯ \d\. No *$", session.screen(), re.M):
                    break
                session.keys("Down")
                time.sleep(0.3)
            session.snap("No highlighted")
            session.keys("Enter")
        done, _ = session.wait_for(lambda t: has_final(t) or PROCEED not in t, 30, f"after {choice}")
        if choice == "yes":
            session.wait_for(has_final, 20, "final answer")
        else:
            time.sleep(3)
            session.snap(f"3 s after {choice}")
            before = len(model.main_requests())
            notes = {"main_requests_after_no_before_followup": before}
            send_prompt(session, "please continue")
            session.wait_for(has_final, 20, "after follow-up prompt")
            return {"prompt_shown": True, **notes}
        return {"prompt_shown": True}

    return drive


def wait_on_prompt(session: TmuxClaude, model: FakeModel, *, ask_wait: float = 90.0) -> dict[str, Any]:
    ok, _ = session.wait_for(lambda t: PROCEED in t, 30, "permission prompt")
    if not ok:
        return {"prompt_shown": False}
    shown_at = time.monotonic()
    still = True
    while time.monotonic() - shown_at < ask_wait:
        time.sleep(15)
        text = session.snap(f"prompt after {time.monotonic() - shown_at:.0f} s")
        if PROCEED not in text:
            still = False
            break
    result = {"prompt_shown": True, "waited_s": round(time.monotonic() - shown_at), "prompt_still_open": still,
              "main_requests_while_waiting": len(model.main_requests())}
    session.keys("Escape")
    session.wait_for(lambda t: PROCEED not in t, 10, "after Escape")
    time.sleep(2)
    session.snap("2 s after Escape")
    result["main_requests_after_escape_before_followup"] = len(model.main_requests())
    send_prompt(session, "please continue")
    session.wait_for(has_final, 20, "after follow-up prompt")
    return result


def no_prompt(session: TmuxClaude, model: FakeModel, **_: Any) -> dict[str, Any]:
    ok, _ = session.wait_for(lambda t: has_final(t) or PROCEED in t, 30, "after tool call")
    text = session.screen()
    notes = {"prompt_shown": PROCEED in text}
    if PROCEED in text:
        session.keys("Escape")
        session.wait_for(lambda t: PROCEED not in t, 10, "after Escape")
    else:
        time.sleep(1)
        session.snap("final")
    return notes


CASES: dict[str, dict[str, Any]] = {
    "ask-yes": {"behaviour": {"PreToolUse": {"stdout": pre_tool_decision("ask", ASK_REASON)}},
                "drive": answer_prompt("yes")},
    "ask-yes-failing": {"behaviour": {"PreToolUse": {"stdout": pre_tool_decision("ask", ASK_REASON)}},
                        "drive": answer_prompt("yes"), "command": FAILING},
    "ask-no": {"behaviour": {"PreToolUse": {"stdout": pre_tool_decision("ask", ASK_REASON)}},
               "drive": answer_prompt("no")},
    "ask-wait": {"behaviour": {"PreToolUse": {"stdout": pre_tool_decision("ask", ASK_REASON)}},
                 "drive": wait_on_prompt},
    "deny": {"behaviour": {"PreToolUse": {"stdout": pre_tool_decision("deny", DENY_REASON)}},
             "drive": no_prompt},
    "exit2-block-json": {"behaviour": {"PreToolUse": {"stdout": {"decision": "block", "reason": "R-BLOCK-REASON"},
                                                      "stderr": "EXIT2-STDERR-TEXT", "exit": 2}},
                         "drive": no_prompt},
    "no-decision-yes": {"behaviour": {"PreToolUse": {"stdout": {}}}, "drive": answer_prompt("yes")},
    "no-decision-no": {"behaviour": {"PreToolUse": {"stdout": {}}}, "drive": answer_prompt("no")},
    "ask-automode": {"behaviour": {"PreToolUse": {"stdout": pre_tool_decision("ask", ASK_REASON)}},
                     "drive": no_prompt, "mode": None},
    # Interactive sessions start in auto mode unless told otherwise: what happens to `touch`?
    "no-decision-automode": {"behaviour": {"PreToolUse": {"stdout": {}}}, "drive": no_prompt, "mode": None},
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--ask-wait", type=float, default=90.0, help="seconds to leave the ask prompt open")
    parser.add_argument("--out", default=None, help="write all rows (with screens) as JSON here")
    parser.add_argument("--quiet-screens", action="store_true", help="print only the last screen of each case")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed (apt-get install -y tmux)", file=sys.stderr)
        return 2
    cli, version = locate_cli()
    print(f"# Claude Code {version}: {shlex.join(cli)} (interactive, through tmux)", flush=True)
    rows = []
    with FakeModel() as model, tempfile.TemporaryDirectory(prefix="cedar-live-tui-", ignore_cleanup_errors=True) as tmp:
        for name, spec in CASES.items():
            if args.only and name not in args.only:
                continue
            row = run_case(cli, model, Path(tmp), name, spec["behaviour"], spec["drive"],
                           command=spec.get("command", TOUCH), mode=spec.get("mode", "default"),
                           ask_wait=args.ask_wait)
            rows.append(row)
            print(f"\n######## {name}")
            print(json.dumps({k: v for k, v in row.items() if k != "screens"}, indent=1))
            screens = row["screens"][-1:] if args.quiet_screens else row["screens"]
            last = None
            for label, text in screens:
                if text == last:
                    continue
                last = text
                print(f"--- screen: {label}\n{text}")
            sys.stdout.flush()
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
