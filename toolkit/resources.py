"""Locations of the data the toolkit ships with.

`contracts/` and `schemas/` live at the repository root (they are read by other
languages too); the wheel installs them as `toolkit/data/<name>/`.  A source checkout
or editable install reads them in place, so there is one copy of each file.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent


def _data_dir(name: str) -> Path:
    in_repo = _REPO_ROOT / name
    if in_repo.is_dir() and (_REPO_ROOT / "pyproject.toml").is_file():
        return in_repo
    return _PACKAGE_DIR / "data" / name


def contracts_dir() -> Path:
    return _data_dir("contracts")


def schemas_dir() -> Path:
    return _data_dir("schemas")


def constants_path() -> Path:
    return contracts_dir() / "constants.json"


def schema_path(name: str) -> Path:
    return schemas_dir() / name


def builtin_policies_dir() -> Path:
    return _PACKAGE_DIR / "policies"


def example_blueprint_path() -> Path:
    return _PACKAGE_DIR / "examples" / "blueprint.yaml"


def builtin_tests_path() -> Path:
    return builtin_policies_dir() / "builtins.tests.yaml"


def parity_fixtures_dir() -> Path:
    return contracts_dir() / "cedar-parity"
