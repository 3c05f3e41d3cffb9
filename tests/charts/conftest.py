"""Each chart is rendered once per values file, for the whole session."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from tests.support.charts import CASES, Rendering, parse, prepare_charts, render
from tests.support.paths import REPO_ROOT

CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(scope="session")
def charts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of charts/ with the umbrella chart's dependencies built (no network)."""
    return prepare_charts(tmp_path_factory.mktemp("charts"))


@pytest.fixture(scope="session")
def renderings(charts_dir: Path) -> dict[str, Rendering]:
    """Case id -> what Helm rendered for it."""
    out = {}
    for case in CASES:
        files = render(charts_dir, case.chart, case.values)
        out[case.id] = Rendering(case=case, files=files, objects=parse(files))
    return out


@pytest.fixture(scope="session")
def checkov_report(renderings: dict[str, Rendering],
                   tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One checkov run over every rendered manifest (kubernetes framework, offline)."""
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV.relative_to(REPO_ROOT)}: "
                    "run `make setup`")
    folder = tmp_path_factory.mktemp("manifests")
    for case_id, rendering in renderings.items():
        (folder / f"{case_id}.yaml").write_text(yaml.safe_dump_all(rendering.objects))
    result = subprocess.run(
        [str(CHECKOV), "--skip-download", "--framework", "kubernetes",
         "--output", "json", "--directory", str(folder)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(
            f"checkov printed no JSON report:\n{result.stdout}\n{result.stderr}") from exc
    if isinstance(report, list):
        report = next(r for r in report if r.get("check_type") == "kubernetes")
    assert report.get("summary", {}).get("resource_count", 0) > 0, "checkov scanned nothing"
    return cast(dict[str, Any], report)
