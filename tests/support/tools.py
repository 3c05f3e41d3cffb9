"""Finds the checking tools the suite runs (linters, schema checkers)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.support.paths import REPO_ROOT


def tool(name: str) -> str:
    """A command-line tool: from the test virtualenv, the project's .tools/bin, or PATH."""
    for candidate in (Path(sys.executable).parent / name, REPO_ROOT / ".tools" / "bin" / name):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed: run `make setup`")
    return found
