"""Shared helpers for the delivery tests: paths, tools, YAML loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.tools import REPO_ROOT, tool  # noqa: F401 - re-exported for the tests here

WORKFLOWS = REPO_ROOT / ".github" / "workflows"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def workflow(name: str) -> dict[str, Any]:
    data = load_yaml(WORKFLOWS / f"{name}.yml")
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in data:
        data["on"] = data.pop(True)
    return data
