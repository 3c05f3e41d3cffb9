"""Where the repository is, and the paths tests in several folders read."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
#: The shipped processes (tasks, workflows, event handlers, workflow tests).
CONFIG_DIR = REPO_ROOT / "config"
