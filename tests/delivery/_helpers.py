"""Shared helpers for the delivery tests: paths, tools, YAML loading."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"


def tool(name: str) -> str:
    """A command-line tool: from the test virtualenv, the project's .tools/bin, or PATH."""
    for candidate in (Path(sys.executable).parent / name, REPO_ROOT / ".tools" / "bin" / name):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed: run `make setup`")
    return found


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def workflow(name: str) -> dict[str, Any]:
    data = load_yaml(WORKFLOWS / f"{name}.yml")
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in data:
        data["on"] = data.pop(True)
    return data
