"""`sync constants|types`: the drift checkers."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import List, Optional

import typer

from toolkit.cli.app import (
    ConfigOption,
    SyncMode,
    config_from,
    emit,
    fail,
    input_errors_exit_2,
    sync_app,
)
from toolkit.cli.options import REPORT_FORMATS, OutputOption, format_option, formats

SyncFormat = formats("SyncFormat", *REPORT_FORMATS)


def _sync_exit(report, output_format, output: Optional[Path], spooled: Optional[Path] = None) -> None:
    from dataclasses import replace

    from toolkit.sync.findings import RENDERERS

    if spooled is not None:  # findings in the file read from stdin are shown at `-`, not at the spool
        shown = str(spooled)
        report.findings = [replace(f, path="-") if f.path == shown else f for f in report.findings]
    emit(RENDERERS[output_format.value](report), output)
    raise typer.Exit(report.exit_code)


def _stdin_option(stack: ExitStack, given: dict[str, list[Path]]) -> tuple[dict[str, list[Path]], Optional[Path]]:
    """At most one option may be `-`; its stdin is spooled to a file with the suffix its parser expects."""
    from toolkit.cli.options import stdin_as_file

    dashed = [name for name, paths in given.items() if any(str(p) == "-" for p in paths)]
    if sum(str(p) == "-" for paths in given.values() for p in paths) > 1:
        fail(f"{' and '.join(dashed) or 'two options'} both read stdin (`-`); give all but one as a file")
    if not dashed:
        return given, None
    name = dashed[0]
    spooled = stack.enter_context(stdin_as_file(Path("-"), STDIN_FILES[name], f"{name[2:]} file"))
    return {key: [spooled if str(p) == "-" else p for p in paths] for key, paths in given.items()}, spooled


STDIN_FILES = {"--contract": "stdin.json", "--schema": "stdin.schema.json", "--python": "stdin.py",
               "--typescript": "stdin.ts", "--canonical": "canonical-stdin.ts", "--mirror": "mirror-stdin.ts"}
"""What `-` is spooled as, per option: the parsers tell Python from TypeScript and JSON by the suffix."""


def _sync_settings(config: Optional[Path]):
    from toolkit.sync.settings import SyncSettings

    cfg = config_from(config)
    return cfg.sync or SyncSettings(max_file_bytes=cfg.max_file_bytes)


@sync_app.command("constants")
@input_errors_exit_2
def sync_constants(
    contract: Optional[Path] = typer.Option(None, "--contract", metavar="FILE", help="Constants contract: any JSON object (scalars, "
                                            "nested objects, ranges). Default: from [sync] contract, else the "
                                            "bundled contracts/constants.json. `-` reads it from stdin."),
    schema: Optional[Path] = typer.Option(None, "--schema", metavar="FILE", help="Your JSON Schema for the contract (default: "
                                          "[sync] schema; without one, JSON syntax and range invariants only)."),
    python: List[Path] = typer.Option([], "--python", metavar="FILE", help="A Python consumer (repeatable; "
                                      "`-` reads one from stdin)."),
    typescript: List[Path] = typer.Option([], "--typescript", metavar="FILE",
                                          help="A TypeScript consumer (repeatable; `-` reads one from stdin)."),
    mode: SyncMode = typer.Option(SyncMode.mirror, "--mode", help="For consumers given as options: `mirror` "
                                  "(literals allowed, must equal the contract) or `derive` (any literal of an owned "
                                  "name is drift)."),
    output_format: SyncFormat = format_option(SyncFormat),  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Check Python and TypeScript consumers against the constants contract.

    The contract is checked first (every problem in one list): JSON syntax, your --schema if given, and for
    every range (an object with numeric min/max/default members, any of them) min <= default <= max. Python is
    parsed with `ast`, TypeScript with the TypeScript compiler in the bundled runner. Owned names map to
    contract keys through [sync.names] (also for files given as options), by default the upper-snake-case of
    each leaf path (max_budget_usd.max -> MAX_BUDGET_USD_MAX). Numbers compare as numbers (1 == 1.0).
    Findings: CG202 literal where a derived value is required, CG203 mirrored value differs, CG204 contract key no
    consumer uses (warning). Files given as options replace the configured consumers.
    """
    with ExitStack() as stack:
        files, spooled = _stdin_option(stack, {"--contract": [contract] if contract else [],
                                               "--schema": [schema] if schema else [], "--python": list(python),
                                               "--typescript": list(typescript)})
        report = _check_constants(_sync_settings(config), (files["--contract"] or [None])[0],
                                  (files["--schema"] or [None])[0], files["--python"], files["--typescript"], mode)
        _sync_exit(report, output_format, output, spooled)


def _check_constants(settings, contract: Optional[Path], schema: Optional[Path], python: List[Path],
                     typescript: List[Path], mode: SyncMode):
    """Options given on the command line replace the configured contract, schema and consumers."""
    from dataclasses import replace

    from toolkit.safeio import kind_of
    from toolkit.sync import check_constants
    from toolkit.sync.settings import Consumer

    given = [Consumer(p, "python", mode.value) for p in python] + [Consumer(p, "typescript", mode.value)
                                                                   for p in typescript]
    for consumer in given:
        try:
            kind = consumer.path.stat().st_mode
        except OSError as exc:
            fail(f"{consumer.path}: {'file not found' if exc.errno == 2 else exc.strerror}")
        if not consumer.path.is_file():
            fail(f"{consumer.path}: is {kind_of(kind)}, not a regular file; refused unread")
    if given:
        settings = replace(settings, consumers=tuple(given))
    if contract is not None:
        settings = replace(settings, contract=contract)
    if schema is not None:
        settings = replace(settings, schema=schema)
    if not settings.consumers:
        fail("no consumers to check; configure [[sync.consumers]] or pass --python / --typescript")
    return check_constants(settings)


@sync_app.command("types")
@input_errors_exit_2
def sync_types(
    canonical: Optional[Path] = typer.Option(None, "--canonical", metavar="FILE", help="The TypeScript file that defines "
                                            "the types (`-`: stdin; its relative re-exports are not followed)."),
    mirror: Optional[Path] = typer.Option(None, "--mirror", metavar="FILE", help="The TypeScript file that copies "
                                         "them (`-`: stdin)."),
    canonical_only: List[str] = typer.Option([], "--canonical-only", metavar="NAME", help="A name only the canonical side exports "
                                             "(repeatable)."),
    mirror_only: List[str] = typer.Option([], "--mirror-only", metavar="NAME", help="A name only the mirror exports (repeatable)."),
    functions: bool = typer.Option(False, "--functions", help="Also compare exported functions (signatures) and "
                                   "classes; by default they are outside the type contract and never reported."),
    output_format: SyncFormat = format_option(SyncFormat),  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Compare the exported declarations of a canonical and a mirror TypeScript file, structurally.

    Interfaces member by member (name, optional, readonly, type) with local `extends` chains flattened; type
    aliases structurally (unions as sets, also nested inside objects and generics); consts by value, resolving
    values read from a JSON import; enums by members. Re-exports are followed into relative modules, to any
    depth (`export {X} from './m'`, `import type {X} from './m'; export type {X}`, `export * from './m'`);
    names from packages are reported once as not followed (warning). Findings CG301-CG311 say which side is
    canonical and what to change.
    """
    from dataclasses import replace

    from toolkit.sync import check_types

    settings = _sync_settings(config)
    stack = ExitStack()
    files, spooled = _stdin_option(stack, {"--canonical": [canonical] if canonical else [],
                                           "--mirror": [mirror] if mirror else []})
    canonical, mirror = (files["--canonical"] or [None])[0], (files["--mirror"] or [None])[0]
    if canonical or mirror:
        if not (canonical and mirror):
            fail("give both --canonical and --mirror")
        settings = replace(settings, canonical=canonical, mirror=mirror)
    if canonical_only or mirror_only:
        settings = replace(settings, canonical_only=tuple(canonical_only), mirror_only=tuple(mirror_only))
    if functions:
        settings = replace(settings, include_functions=True)
    if not settings.has_types:
        fail("nothing to compare; configure [sync.types] or pass --canonical and --mirror")
    with stack:
        _sync_exit(check_types(settings), output_format, output, spooled)
