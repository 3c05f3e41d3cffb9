"""What the charts workflow's lint step runs, run here with Helm's engine (helm-python-sdk).

Like the workflow: dependencies built first, a chart's own file:// dependencies before it (in a
copy without any built charts/ folder, so the repository is untouched), then
`helm lint --strict`, once per ci/*-values.yaml file when the chart has any, else with its
defaults.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

helm = pytest.importorskip("helm_python")

CHARTS = sorted(p.parent.name for p in (REPO_ROOT / "charts").glob("*/Chart.yaml"))


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_passes_the_workflow_lint(chart: str, tmp_path: Path) -> None:
    from tests.support.charts import build_dependencies

    charts = tmp_path / "charts"
    shutil.copytree(REPO_ROOT / "charts", charts,
                    ignore=lambda folder, names: ["charts"] if Path(folder).parent.name == "charts"
                    else [])
    directory = charts / chart
    build_dependencies(charts, chart)
    value_files: list[Path | None] = [*sorted((directory / "ci").glob("*-values.yaml"))] or [None]
    for value_file in value_files:
        values = helm.values_from_yaml(value_file.read_text()) if value_file else None
        result = helm.lint(str(directory), values, strict=True)
        assert result["errors"] == [], (value_file, result["messages"])
