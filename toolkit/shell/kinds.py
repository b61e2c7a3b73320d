"""What a path is, for the rules that care where a command points: the root, a home, the system, a parent, a secret.

Cedar cannot match a `like` pattern against the members of a set, so the
engine classes each path operand of a command here and hands the rules a set of
kinds (`path_kinds`). Everything is lexical: a path is taken as written after
normalisation (toolkit.shell.paths), case-folded, with Windows separators read
as `/`. Nothing touches the file system.

- `root`: `/`, everything in it (`/*`), a drive's root (`C:\\`).
- `home`: a home directory or everything in it — `~`, `~/*`, `/home`,
  `/home/<user>`, `/home/<user>/*`, the same under `/Users` and `C:\\Users`,
  `/root`. A directory *inside* a home (`~/project`) is not one.
- `system`: an operating-system directory or everything in it (`/etc`, `/usr`,
  `/usr/lib`, `/var`, `/boot`, `/System`, `C:\\Windows`, …); not deeper paths
  (`/usr/local/lib/node_modules/x`, `/var/tmp/build`).
- `parent`: a strict ancestor of the task's working directory, or everything in
  one (`..` from `/work/app/repo` is `/work/app`), that is not already the
  root, a home or a system directory; only when the working directory is known
  (without it `..` normalises to `/`, which is `root`).
- `secret`: key and credential material (private keys of every common name and
  format, keystores, cloud, container, cluster, database, registry and CLI
  credential stores, `.env` files) and the directories that hold them
  (`~/.ssh`, `~/.aws`, `~/.gnupg`, …). Public keys (`*.pub`), `known_hosts`,
  `.env.example` and the like are not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from toolkit.shell.paths import normalise
from toolkit.shell.winpaths import is_absolute, is_null_device

ROOT, HOME, SYSTEM, PARENT, SECRET = "root", "home", "system", "parent", "secret"

_HOME_PARENTS = ("/home", "/users", "c:/users")
_SYSTEM_DIRS = frozenset({
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc", "/sbin", "/srv",
    "/sys", "/usr", "/var", "/snap", "/nix", "/mnt", "/media", "/volumes", "/private", "/private/etc",
    "/private/var", "/system", "/library", "/applications", "/cores",
    "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/usr/include", "/usr/share",
    "/usr/local", "/usr/local/bin", "/usr/local/lib", "/usr/local/sbin", "/var/lib", "/var/db", "/etc/ssh",
    "/system/library", "/library/launchdaemons", "/library/launchagents",
    "c:/windows", "c:/windows/system32", "c:/program files", "c:/program files (x86)", "c:/programdata",
})
_MOUNTED_DRIVE = re.compile(r"^/(?:mnt/)?[a-z](?:/|$)")
"""A drive as Git Bash (`/c/Users`) and WSL (`/mnt/c/Users`) mount it."""
_ROOTS = frozenset({"/", "/*", "c:", "c:/", "c:/*"})

_SECRET_NAMES = frozenset({
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "identity", ".pgpass", "pgpass.conf",
    ".my.cnf", ".mylogin.cnf", ".netrc", "_netrc", ".git-credentials", ".npmrc", ".pypirc", ".dockercfg",
    "kubeconfig", ".vault-token", "credentials", "credentials.toml", "credentials.json", "credentials.db",
    "access_tokens.db", "application_default_credentials.json", "secring.gpg", ".env",
})
_SECRET_SUFFIXES = (".pem", ".key", ".ppk", ".p12", ".pfx", ".jks", ".keystore", ".kdbx", ".p8", ".kubeconfig")
_SECRET_DIRS = frozenset({".ssh", ".aws", ".gnupg", ".kube", ".docker", ".azure", ".password-store"})
"""Directories whose content is credentials (sending the directory sends the keys)."""
_SECRET_FILES_IN = {".docker": "config.json", ".kube": "config", "gh": "hosts.yml"}
_SECRET_TREES = ("/.config/gcloud/", "/.azure/", "/.gnupg/", "/.password-store/")
_ENV_HARMLESS = ("example", "sample", "template", "dist", "defaults", "schema")
_SSH_NOT_SECRET = frozenset({"known_hosts", "known_hosts.old", "authorized_keys", "authorized_keys2", "config",
                             "environment", "rc"})


def is_secret(path: str) -> bool:
    """Key or credential material (or a directory of it), by name: see the module docstring."""
    form = _form(path).rstrip("/")
    segments = [s for s in form.split("/") if s]
    if not segments:
        return False
    name = segments[-1]
    parent = segments[-2] if len(segments) > 1 else ""
    if name.endswith(".pub"):
        return False
    if name in _SECRET_NAMES or name.endswith(_SECRET_SUFFIXES) or name in _SECRET_DIRS:
        return True
    if parent == ".ssh":
        return name not in _SSH_NOT_SECRET
    if _SECRET_FILES_IN.get(parent) == name:
        return parent != "gh" or segments[-3:-2] == [".config"]
    if name.startswith(".env.") and not any(word in name for word in _ENV_HARMLESS):
        return True
    if name.startswith(("ssh_host_", ".git-credentials")) and not name.endswith(".pub"):
        return name.startswith(".git") or name.endswith("_key")
    if name.startswith("credentials") and parent in (".cargo", ".gem", ".aws"):
        return True
    return any(tree in "/" + form + "/" for tree in _SECRET_TREES)


def _form(path: str) -> str:
    return path.replace("\\", "/").casefold()


@lru_cache(maxsize=4096)
def kinds_of(path: str, cwd: str | None = None) -> frozenset[str]:
    """The kinds of one normalised path (an operand after toolkit.shell.paths.normalise)."""
    if not path:
        return frozenset()
    form = _form(path).rstrip("/") or "/"
    if len(form) > 2 and form[1] == ":" and form[2] != "/":
        form = form[:2] + "/" + form[2:]
    if len(form) > 1 and form[1] == ":" and form[0].isalpha():
        form = "c" + form[1:]  # every drive is classed as C: is
    elif _MOUNTED_DRIVE.match(form):
        form = "c:" + (form[form.index("/", 1) + 2:] if form.startswith("/mnt/") else form[2:]) or "c:"
    out: set[str] = set()
    if form in _ROOTS:
        out.add(ROOT)
    base = form[:-2] if form.endswith("/*") else form
    if _is_home(base):
        out.add(HOME)
    if base in _SYSTEM_DIRS:
        out.add(SYSTEM)
    if not out and cwd and is_absolute(cwd) and is_absolute(path):
        anchor = _form(normalise(cwd)).rstrip("/") or "/"
        anchor = "c" + anchor[1:] if anchor[1:2] == ":" else anchor
        if base != anchor and anchor.startswith(base.rstrip("/") + "/"):
            out.add(PARENT)
    if is_secret(form):
        out.add(SECRET)
    return frozenset(out)


def _is_home(base: str) -> bool:
    if base in ("~", "/root", "%userprofile%", "$env:userprofile") or base in _HOME_PARENTS:
        return True
    return any(base.startswith(parent + "/") and "/" not in base[len(parent) + 1:] for parent in _HOME_PARENTS)


DEVICES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/1", "/dev/fd/2", "nul", "nul:",
                     "//./nul"})
"""Write targets that are not files: writing to them changes nothing on disk (`nul` is Windows' null device)."""


def is_device(path: str) -> bool:
    return _form(path) in DEVICES or is_null_device(path)
