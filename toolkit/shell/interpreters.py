"""Interpreters that take code inline (where the code is) and the primitives toolkit.shell.inline looks for, per language: regular expressions of the call names.

`shell`: runs a shell string; `argv`: runs an argument vector; deletes (recursive,
then single); writes (the destination is the first argument, or the last for
copies and moves); opens (a mode decides); dynamic: builds or loads code at run
time. A call is matched by name, with or without its module prefix.
"""

from __future__ import annotations

import re

_PYTHON = re.compile(r"^(?:python|pypy)(?:\d+(?:\.\d+)?)?$")
LANGUAGES = {"perl": "perl", "ruby": "ruby", "node": "js", "nodejs": "js", "php": "php", "deno": "js", "bun": "js"}


def language(program: str) -> str | None:
    if _PYTHON.match(program):
        return "python"
    return LANGUAGES.get(program)


def inline_code(program: str, args: list[str]) -> tuple[str | None, list[str], bool]:
    """(language, code pieces given as arguments, whether the program is read from stdin)."""
    lang = language(program)
    if lang is None:
        return None, [], False
    code: list[str] = []
    i = 0
    if program == "deno":
        if args[:1] == ["eval"]:
            rest = [a for a in args[1:] if not a.startswith("-")]
            return lang, rest[:1], False
        return None, [], False
    takes = {"python": "c", "perl": "eE", "ruby": "e", "js": "ep", "php": "r"}[lang]
    valued = {"python": "WXQm", "perl": "IMmxdlC0", "ruby": "IrCEFxTK", "js": "rC", "php": "cdfzt"}[lang]
    long_code = ("--eval", "--print") if lang == "js" else ()
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--" or arg == "-":
            return lang, code, not code and arg == "-"
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in long_code:
                if eq:
                    code.append(value)
                elif i < len(args):
                    code.append(args[i])
                    i += 1
            continue
        if not arg.startswith("-") or len(arg) < 2:
            return lang, code, False
        letters = arg[1:]
        for k, letter in enumerate(letters):
            if letter in takes:
                value = letters[k + 1:]
                if lang == "js" and value and value[0] in takes:
                    continue
                if value:
                    code.append(value)
                elif i < len(args):
                    code.append(args[i])
                    i += 1
                break
            if letter in valued:
                if letter == "m" and lang == "python":
                    return lang, code, False
                if lang == "perl":
                    if letter in "l0":
                        continue
                    break
                if not letters[k + 1:]:
                    i += 1
                break
    return lang, code, not code


_SHELL_CALLS = {
    "python": r"(?:os\.)?(?:system|popen)|(?:os\.)?popen[234]|(?:subprocess\.|commands\.)?get(?:status)?output"
              r"|pty\.spawn",
    "js": r"(?:child_process\.|cp\.)?exec(?:Sync)?|Deno\.run",
    "ruby": r"system|exec|spawn|IO\.popen|Open3\.\w+|Kernel\.system|Kernel\.exec|%x",
    "perl": r"system|exec|qx",
    "php": r"system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec",
}
_ARGV_CALLS = {
    "python": r"(?:subprocess\.)?(?:run|call|check_call|check_output|Popen)|os\.exec\w*|os\.spawn\w*"
              r"|os\.posix_spawnp?|asyncio\.create_subprocess_\w+",
    "js": r"(?:child_process\.|cp\.)?(?:execFile|execFileSync|spawn|spawnSync|fork)|Bun\.spawn(?:Sync)?"
          r"|(?:new\s+)?Deno\.Command",
}
_DELETES = {
    "python": (r"shutil\.rmtree|rmtree", r"(?:os\.)?(?:remove|unlink|rmdir|removedirs)"),
    "js": (r"(?:fs\.|fsp\.|fs\.promises\.|promises\.)?(?:rmSync|rm|rmdirSync|rmdir)|Deno\.remove(?:Sync)?",
           r"(?:fs\.|fsp\.|fs\.promises\.|promises\.)?(?:unlinkSync|unlink)"),
    "ruby": (r"FileUtils\.(?:rm_rf|rm_r|remove_dir|remove_entry(?:_secure)?|rmtree)",
             r"FileUtils\.(?:rm|rm_f|remove|rmdir)|File\.(?:delete|unlink)|Dir\.(?:rmdir|delete|unlink)"),
    "perl": (r"(?:File::Path::)?(?:rmtree|remove_tree)", r"unlink|rmdir"),
    "php": (r"(?!)", r"unlink|rmdir"),
}
_WRITES = {
    "python": r"(?:os\.)?(?:makedirs|mkdir|rename|replace|chmod|chown"
              r"|symlink|link|truncate|mkfifo)|shutil\.(?:copy\w*|move|copytree)",
    "js": r"(?:fs\.|fsp\.|fs\.promises\.|promises\.)?(?:writeFileSync|writeFile|appendFileSync|appendFile"
          r"|createWriteStream|copyFileSync|copyFile|cpSync|cp|renameSync|rename|mkdirSync|mkdir|symlinkSync"
          r"|truncateSync|chmodSync)|Deno\.(?:writeTextFile|writeFile|mkdir|rename|copyFile)(?:Sync)?|Bun\.write",
    "ruby": r"File\.(?:write|binwrite|rename|symlink|chmod)|IO\.(?:write|binwrite)"
            r"|FileUtils\.(?:cp|cp_r|mv|touch|mkdir_p|mkdir|ln_s|ln|install|copy\w*|move|chmod\w*)",
    "perl": r"rename|mkdir|symlink|link|chmod|truncate|File::Copy::(?:copy|move)|copy|move",
    "php": r"file_put_contents|copy|rename|mkdir|touch|symlink|chmod|tempnam",
}
_OPENS = {
    "python": r"(?:io\.|codecs\.)?open",
    "js": r"(?:fs\.)?openSync|(?:fs\.)?open|Deno\.open(?:Sync)?",
    "ruby": r"File\.open|File\.new|open",
    "perl": r"open|sysopen",
    "php": r"fopen",
}
_DYNAMIC = {
    "python": r"eval|exec|compile|__import__|getattr|importlib\.\w+|execfile|runpy\.\w+|ctypes\.\w+",
    "js": r"eval|Function|new\s+Function|require|import|vm\.\w+|process\.binding|globalThis\[|process\.dlopen",
    "ruby": r"eval|instance_eval|class_eval|send|public_send|__send__|const_get|require|load|Object\.const_get",
    "perl": r"eval|require",
    "php": r"eval|assert|create_function|call_user_func(?:_array)?|include|require(?:_once)?|\$\w+\s*(?=\()",
}
_BACKTICK_LANGS = frozenset({"ruby", "perl", "php"})
_SAFE_REQUIRES = re.compile(r"""^(?:require|import)\s*\(\s*(['"])[^'"`$]*\1\s*\)""")
"""Loading a module named by a literal (its code lives in a file: out of reach, like `node script.js`)."""
