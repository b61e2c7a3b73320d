"""Windows (issue 21, class 2): backslash and drive-letter paths, Windows working directories, the `nul`
device, and `powershell`/`pwsh`/`cmd` command lines read by their own light analysis, never as Bash."""

from __future__ import annotations

import base64

import pytest

from toolkit.engine import Gate, TaskSettings
from toolkit.engine.settings import _field_problem
from toolkit.shell import ShellAnalyser
from toolkit.shell.paths import normalise
from toolkit.shell.windows import program_name
from toolkit.toolcall import TaskFacts, relativise, requests_for

ANALYSER = ShellAnalyser()


@pytest.fixture(scope="module")
def gate(builtin_bundle):
    bundle, constants = builtin_bundle
    return lambda **task: Gate(bundle, constants, TaskSettings(**task) if task else None)


def outcome(gate, command: str, **task) -> tuple[str, list[str], list[str]]:
    d = gate(**task).evaluate("Bash", {"command": command})
    return d.outcome, list(d.hard_rule_ids), list(d.soft_rule_ids)


def enc(text: str) -> str:
    return base64.b64encode(text.encode("utf-16-le")).decode()


def contexts(command: str, action: str, cwd: str | None = None) -> list[dict]:
    return [r["context"] for r in requests_for("Bash", {"command": command}, TaskFacts(cwd=cwd))
            if r["action"]["id"] == action]


# -- paths ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, expected", [
    ("C:\\repo\\.git\\config", "C:/repo/.git/config"), (".GIT\\Config", ".GIT/Config"), ("C:\\", "C:/"),
    ("c:/repo/../..", "c:/"), ("sub/C:\\x", "C:/x"), ("src\\..\\.git\\HEAD", ".git/HEAD")])
def test_windows_spellings_normalise_to_slash_paths(path, expected):
    assert normalise(path) == expected


def test_a_windows_cwd_resolves_and_relativises_case_insensitively():
    assert normalise("x\\..\\..\\..", "C:\\repo") == "C:/"
    assert normalise("..\\lib", "C:\\work\\repo") == "C:/work/lib"
    assert normalise("src\\a.py", "c:\\Work\\Repo") == "src/a.py"
    assert relativise({"file_path": "C:\\Repo\\.Env"}, "c:\\repo") == {"file_path": ".Env"}
    assert relativise({"file_path": "C:\\other\\.env"}, "C:\\repo") == {"file_path": "C:\\other\\.env"}
    assert relativise({"file_path": "/w/r/a/../b"}, "/w/r") == {"file_path": "b"}


def test_task_settings_accept_a_windows_cwd():
    assert _field_problem("cwd", "C:\\work\\repo") is None
    assert _field_problem("cwd", "c:/work") is None
    assert _field_problem("cwd", "work\\repo") is not None


@pytest.mark.parametrize("tool_input, rule", [
    ({"file_path": "C:\\repo\\.git\\config"}, "write_git_internals_nested"),
    ({"file_path": ".GIT\\Config"}, "write_git_internals"),
    ({"file_path": "D:\\code\\.Git\\hooks\\pre-push"}, "write_git_internals_nested")])
def test_windows_paths_hit_the_git_rules(gate, tool_input, rule):
    d = gate().evaluate("Write", {**tool_input, "content": "x"})
    assert d.outcome == "deny" and rule in d.hard_rule_ids


def test_windows_env_path_is_asked_and_relativised_inside_a_windows_cwd(gate):
    d = gate(cwd="C:\\repo").evaluate("Edit", relativise({"file_path": "C:\\Repo\\.Env", "old_string": "a",
                                                           "new_string": "b"}, "c:\\repo"))
    assert "write_env_files" in d.soft_rule_ids
    [ctx] = [r["context"] for r in requests_for("Write", {"file_path": ".git\\config"}, TaskFacts(cwd="C:\\repo"))
             if r["action"]["id"] == "write_file"]
    assert ctx["file_path_lower"] == ".git/config"


@pytest.mark.parametrize("command, rule", [
    ("rm -rf 'C:\\'", "rm_slash"), ("rm -rf D:/", "rm_slash"), ("rm -rf /c/", "rm_slash"),
    ("rm -rf 'C:\\Users\\bob'", "destroy_home"), ("rm -rf /c/Users/bob", "destroy_home"),
    ("rm -rf 'C:\\Windows\\System32'", "destroy_system"), ("RM.EXE -rf /", "rm_slash"),
    ("cd sub && rm -rf 'C:\\'", "rm_slash"), ("echo x > 'C:\\repo\\.git\\config'", "write_git_internals_nested")])
def test_bash_with_windows_paths_is_denied(gate, command, rule):
    result, hard, _ = outcome(gate, command)
    assert result == "deny" and rule in hard


def test_parent_of_a_windows_cwd(gate):
    assert "destroy_parent" in outcome(gate, "rm -rf ..", cwd="C:\\work\\repo")[2]
    assert "rm_slash" in outcome(gate, "rm -rf '..\\..'", cwd="C:\\work\\repo")[1]
    assert outcome(gate, "rm -rf '.\\build'", cwd="C:\\work\\repo")[0] == "allow"


def test_program_names_fold_case_and_drop_exe():
    assert program_name("C:\\Program Files\\Git\\bin\\GIT.EXE") == "git"
    assert program_name("/usr/bin/rm.exe") == "rm" and program_name("pwsh") == "pwsh"


# -- nul --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["echo hi > nul", "dir 2>NUL", "git status > NUL 2>&1", "cd sub && ls > nul",
                                     "cmd /c 'dir > nul'", "powershell -c 'Get-ChildItem > $null'"])
def test_nul_is_not_a_write_in_read_only_tasks(gate, command):
    assert outcome(gate, command, read_only=True)[0] == "allow"
    assert contexts(command, "write_file") == []


def test_a_real_file_next_to_nul_is_still_a_write(gate):
    assert "read_only_forbid_write" in outcome(gate, "echo x > nul; echo y > out.txt", read_only=True)[1]
    assert "read_only_forbid_write" in outcome(gate, "echo x > null", read_only=True)[1]


# -- PowerShell -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command, rule", [
    ("powershell -Command 'Remove-Item -Recurse -Force C:\\'", "rm_slash"),
    ("pwsh -c 'rm -r -fo ~'", "destroy_home"),
    ("powershell -c 'Remove-Item -Path $env:USERPROFILE -Recurse -Force'", "destroy_home"),
    ("pwsh -c 'ri C:\\Windows -r -fo'", "destroy_system"),
    ("powershell -EncodedCommand " + enc("Remove-Item -Recurse -Force C:\\"), "rm_slash"),
    ("echo 'Remove-Item -Recurse -Force C:\\' | powershell -Command -", "rm_slash"),
    ("powershell -c 'cmd /c \"rd /s /q C:\\\"'", "rm_slash"),
    ("powershell -c 'if ($true) { Remove-Item -Recurse -Force C:\\ }'", "rm_slash"),
    ("powershell -c 'Set-Content -Path .git\\hooks\\pre-commit -Value evil'", "write_git_internals"),
    ("powershell -c '\"x\" | Out-File -FilePath C:\\repo\\.git\\config'", "write_git_internals_nested"),
    ("powershell -c 'Copy-Item evil.ps1 -Destination .git\\hooks\\pre-push'", "write_git_internals"),
    ("pwsh -c 'cd .git; Set-Content config evil'", "write_git_internals"),
    ("powershell -c 'psql -c \"DROP TABLE users\"'", "drop_table")])
def test_powershell_deletes_writes_and_programs_are_denied(gate, command, rule):
    result, hard, _ = outcome(gate, command)
    assert result == "deny" and rule in hard, (result, hard)


def test_powershell_git_push_is_the_same_request_as_bash(gate):
    ps = contexts("powershell -c 'git push --force origin main'", "run_command")
    bash = contexts("git push --force origin main", "run_command")
    assert [c for c in ps if c["program"] == "git"] == bash
    assert "force_push_main" in outcome(gate, "pwsh -enc " + enc("git push --force origin main"))[2]


@pytest.mark.parametrize("command", [
    "powershell -c 'iex \"rm -r -fo C:\\\"'", "powershell -c 'Invoke-Expression (Get-Content p.ps1 -Raw)'",
    "powershell -c 'Start-Process cmd -ArgumentList \"/c rd /s /q C:\\\"'",
    "powershell -c '[System.IO.Directory]::Delete(\"C:\\repo\", $true)'",
    "powershell -c '$p = \"C:\\\"; Remove-Item $p -Recurse -Force'", "powershell -enc not-base64!!",
    "powershell -c 'Get-ChildItem C:\\ | Remove-Item -Recurse -Force'", "cat script.ps1 | pwsh -Command -",
    "powershell -c 'Format-Volume -DriveLetter D'"])
def test_powershell_that_cannot_be_read_is_asked_never_allowed(gate, command):
    result, hard, soft = outcome(gate, command)
    assert result != "allow" and "dynamic_command" in soft + hard


@pytest.mark.parametrize("command", [
    "powershell -c 'Get-ChildItem -Recurse -Filter *.py'", "pwsh -c 'Remove-Item -Recurse -Force .\\build'",
    "powershell -c 'git status; git log --oneline -5'", "powershell -c 'Write-Output \"rm -rf /\"'",
    "powershell -c 'Get-Process | Where-Object { $_.CPU -gt 100 } | Sort-Object CPU'",
    "pwsh -c '$env:NODE_ENV = \"test\"; npm run build'", "pwsh -NoProfile -File build.ps1"])
def test_benign_powershell_is_allowed(gate, command):
    assert outcome(gate, command)[0] == "allow"


def test_powershell_text_is_never_parsed_as_bash():
    # A PowerShell subexpression runs (Remove-Item through its `rm` alias)...
    assert ("rm", ("-r", "-f", "--", "/")) in [(c.program, c.args) for c in ANALYSER.analyse(
        "powershell -c 'echo $(rm -rf /)'").commands]
    # ...but Bash would run `rm -rf /` from this backquote, and PowerShell reads the backtick as an escape.
    assert "rm" not in [c.program for c in ANALYSER.analyse("pwsh -c 'echo `rm -rf /`'").commands]


# -- cmd --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command, rule", [
    ("cmd /c 'rd /s /q C:\\'", "rm_slash"), ("cmd /c 'del /s /q /f C:\\*'", "rm_slash"),
    ("cmd /c 'rd /s /q %USERPROFILE%'", "destroy_home"), ("cmd /c 'rd /s /q %SystemRoot%'", "destroy_system"),
    ("cmd /c 'robocopy empty C:\\ /MIR'", "rm_slash"), ("CMD //C 'RD /S /Q D:\\'", "rm_slash"),
    ("echo 'rd /s /q C:\\' | cmd", "rm_slash"), ("cmd /c 'r^d /s /q C:\\'", "rm_slash"),
    ("cmd /c 'echo evil > .git\\hooks\\pre-commit'", "write_git_internals"),
    ("cmd /c 'copy /y evil.bat .git\\hooks\\pre-commit'", "write_git_internals"),
    ("cmd /c 'xcopy /e /i hooks .git\\hooks'", "write_git_internals")])
def test_cmd_deletes_and_writes_are_denied(gate, command, rule):
    result, hard, _ = outcome(gate, command)
    assert result == "deny" and rule in hard, (result, hard)


def test_cmd_push_and_unreadable_cmd(gate):
    assert "force_push_main" in outcome(gate, "cmd /c 'cd /d C:\\repo && git push -f origin main'")[2]
    for command in ("cmd /c '%COMSPEC% /c rd /s /q C:\\'", "cmd /c 'for /d %i in (*) do rd /s /q %i'",
                    "cmd /c 'set X=rd /s /q C:\\ && %X%'", "cat script.bat | cmd"):
        result, hard, soft = outcome(gate, command)
        assert result != "allow" and "dynamic_command" in soft + hard, command


@pytest.mark.parametrize("command", [
    "cmd /c dir /b", "cmd /c 'rd /s /q build'", "cmd /c 'del /q *.log'", "cmd /c 'git status && git diff --stat'",
    "cmd /c 'echo rd /s /q C:\\'", "cmd /c 'mkdir out\\logs 2>nul'", "cmd /c 'git push origin feature/x'"])
def test_benign_cmd_is_allowed(gate, command):
    assert outcome(gate, command)[0] == "allow"


def test_read_only_powershell_and_cmd_writes_are_denied(gate):
    for command in ("powershell -c 'Set-Content x.txt hi'", "cmd /c 'echo x > out.txt'"):
        assert "read_only_forbid_write" in outcome(gate, command, read_only=True)[1]
