"""The `cedar-gates` command line: one module per command group, each a thin parse-call-render shell.

`toolkit.cli.app` holds the typer application and the helpers the groups share;
importing this package registers every command on it, in the order `--help`
lists them.
"""

from __future__ import annotations

import importlib

from toolkit.cli.app import app, main

GROUPS = ("init", "lint", "check", "testing", "engine", "parity", "simulate", "sync", "hook", "approvals")
for _group in GROUPS:
    importlib.import_module(f"toolkit.cli.{_group}")

__all__ = ["app", "main"]
