"""Reading the GitHub workflows and the other YAML the delivery tests check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def workflow(name: str) -> dict[str, Any]:
    # Keyed by Any: YAML 1.1 reads the key `on` as the boolean true.
    data: dict[Any, Any] = load_yaml(WORKFLOWS / f"{name}.yml")
    if True in data:
        data["on"] = data.pop(True)
    return data
