"""Definitions the tests put through the migrator's whole path.

The project's own corpus is always there: written for this project, it covers every task
type the validator knows (``every-task-type``, a valid validation fixture) next to the
shipped processes. Conductor's published sample definitions are an extra input, read only
when ``CONDUCTOR_TEST_SAMPLES_DIR`` names a folder of them: a clone of the repository runs
every test without them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import CONFIG_DIR
from tests.support.validation import FIXTURES

#: A config directory holding every task type, nested as real workflows nest them.
OWN_CORPUS = FIXTURES / "valid" / "every-task-type"
_SAMPLES = os.environ.get("CONDUCTOR_TEST_SAMPLES_DIR", "")
#: Conductor's sample definitions (one JSON document a file), when a developer has them.
SAMPLES_DIR: Path | None = Path(_SAMPLES) if _SAMPLES else None


def sample_files() -> list[Path]:
    """Every sample definition file; skips the calling test when there are none."""
    if SAMPLES_DIR is None or not SAMPLES_DIR.is_dir():
        pytest.skip("no sample definitions: CONDUCTOR_TEST_SAMPLES_DIR names a folder of them")
    return sorted(p for p in SAMPLES_DIR.glob("*.json") if p.name != "INDEX.json")


def _documents(folder: Path) -> list[tuple[str, Any]]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".json":
            found.append((str(path.relative_to(folder)), json.loads(path.read_text())))
        elif path.suffix in (".yaml", ".yml"):
            found.append((str(path.relative_to(folder)), yaml.safe_load(path.read_text())))
    return found


def corpus_workflows(with_samples: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """(where, workflow) of the own corpus and the shipped processes, then of the samples
    when there are any."""
    documents = [(f"own/{name}", doc) for name, doc in _documents(OWN_CORPUS / "workflows")]
    documents += [(f"config/{name}", doc) for name, doc in _documents(CONFIG_DIR / "workflows")]
    if with_samples and SAMPLES_DIR is not None and SAMPLES_DIR.is_dir():
        documents += [(path.name, json.loads(path.read_text())) for path in sample_files()]
    found = []
    for where, document in documents:
        for index, item in enumerate(document if isinstance(document, list) else [document]):
            if isinstance(item, dict) and "tasks" in item:
                found.append((f"{where}[{index}]", item))
    return found
