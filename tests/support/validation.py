"""The validation fixtures (tests/migrator/fixtures/validation/): one directory or file per
case, named ``RULE--what.json``, under valid/ and invalid/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.paths import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "migrator" / "fixtures" / "validation"
APP_ENV = "test"


def fixture_names(kind: str) -> list[str]:
    return sorted(p.name for p in (FIXTURES / kind).iterdir())


def as_config_dir(fixture: Path, destination: Path) -> Path:
    """A fixture as a config directory: a directory is one already; a single file goes
    under workflows/ when it defines workflows (it has 'tasks'), else under tasks/."""
    if fixture.is_dir():
        return fixture
    body = json.loads(fixture.read_text(encoding="utf-8"))
    first = body[0] if isinstance(body, list) else body
    folder = destination / ("workflows" if "tasks" in first else "tasks")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(fixture, folder / fixture.name)
    return destination
