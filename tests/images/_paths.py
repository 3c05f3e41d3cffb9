"""Paths shared by the image tests."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO_ROOT / "docker" / "server"
SERVER_DOCKERFILE = SERVER_DIR / "Dockerfile"
MIGRATOR_DOCKERFILE = REPO_ROOT / "Dockerfile"
PATCH_DIR = SERVER_DIR / "patches"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def tool(name: str) -> str:
    """A command-line tool: from the test virtualenv, the project's .tools/bin, or PATH."""
    import shutil
    import sys

    for candidate in (Path(sys.executable).parent / name, REPO_ROOT / ".tools" / "bin" / name):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed: run `make setup`")
    return found
