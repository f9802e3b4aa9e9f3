"""The engine is pure Python: importing all of simengine.core never imports Django."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import simengine.core

ROOT = Path(__file__).resolve().parents[2]


def core_modules() -> list[str]:
    found = ["simengine.core"]
    for module in pkgutil.walk_packages(simengine.core.__path__, "simengine.core."):
        found.append(module.name)
    return found


def run_fresh(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def probe(modules: list[str], *, bare_parent: bool) -> str:
    """Code that imports `modules` and prints CLEAN or DJANGO with what leaked."""
    prelude = ""
    if bare_parent:  # skip simengine/__init__.py (the Django project package's own setup)
        prelude = (
            "import sys, types\n"
            "parent = types.ModuleType('simengine')\n"
            f"parent.__path__ = [{str(ROOT / 'simengine')!r}]\n"
            "sys.modules['simengine'] = parent\n"
        )
    return prelude + (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print('DJANGO' if leaked else 'CLEAN', leaked[:5])\n"
    )


def test_no_core_module_imports_django_itself() -> None:
    modules = core_modules()
    assert len(modules) > 20
    result = run_fresh(probe(modules, bare_parent=True))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("CLEAN"), result.stdout


def test_importing_every_core_module_leaves_django_out_of_sys_modules() -> None:
    result = run_fresh(probe(core_modules(), bare_parent=False))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("CLEAN"), (
        "importing the parent package `simengine` pulls in Django (its __init__ loads the"
        f" Celery app, whose Django fixup imports django): {result.stdout}"
    )
