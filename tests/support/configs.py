"""Copies of the shipped processes that a test owns on a server other tests share, and the
names a config directory defines and a server holds."""

from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from pathlib import Path

import yaml

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


def definition_names(directory: Path) -> set[str]:
    """Names of the definitions in a config directory (JSON or YAML; one object or a list)."""
    names: set[str] = set()
    for path in sorted(directory.rglob("*")):
        if path.suffix not in (".json", ".yaml", ".yml"):
            continue
        text = path.read_text()
        loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        for item in loaded if isinstance(loaded, list) else [loaded]:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.add(item["name"])
    return names


def names_on_server(base_url: str) -> set[str]:
    """Names of every workflow and task definition a server holds."""
    names: set[str] = set()
    for endpoint in ("/api/metadata/workflow", "/api/metadata/taskdefs"):
        url = base_url.rstrip("/") + endpoint
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local server)
            names |= {definition["name"] for definition in json.load(response)}
    return names
