"""Copies of the shipped processes that a test owns on a server other tests share."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from tests.support.paths import CONFIG_DIR


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def copy_config(destination: Path, prefix: str) -> Path:
    """A copy of the shipped processes whose names all start with ``prefix`` instead of
    ``ol``, so that a test owns its definitions on a server other tests share."""
    shutil.copytree(CONFIG_DIR, destination)
    for file in destination.rglob("*"):
        if file.is_file():
            file.write_text(file.read_text().replace("ol_", f"{prefix}_"))
    return destination


def keep_all_but(prefix: str) -> list[str]:
    """``--keep`` options that protect every name not starting with ``prefix``, so that a
    prune on a server other tests share deletes only this test's definitions."""
    patterns = [f"{prefix[:i]}[!{prefix[i]}]*" for i in range(len(prefix))]
    patterns += [prefix[:i] for i in range(1, len(prefix))]
    return [option for pattern in patterns for option in ("--keep", pattern)]
