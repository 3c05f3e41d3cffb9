"""scripts/chart-schemas: each chart's values.schema.json is assembled from its
values.schema.src.json and the fragments in charts/common/schema/, and what is committed is
what the script writes."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.charts import CHARTS, CHARTS_DIR
from tests.support.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "chart-schemas"
FRAGMENTS = CHARTS_DIR / "common" / "schema"


def _load_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("chart_schemas", str(SCRIPT))
    spec = importlib.util.spec_from_loader("chart_schemas", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


chart_schemas = _load_script()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False)


def test_committed_schemas_are_what_the_script_writes(tmp_path: Path) -> None:
    assert _run("--output-dir", str(tmp_path)).returncode == 0
    for chart in CHARTS:
        generated = (tmp_path / chart / "values.schema.json").read_bytes()
        committed = (CHARTS_DIR / chart / "values.schema.json").read_bytes()
        assert generated == committed, f"{chart}: run scripts/chart-schemas"


def test_check_passes_on_the_repository_and_names_a_stale_schema(tmp_path: Path) -> None:
    current = _run("--check")
    assert (current.returncode, current.stdout) == (0, "")
    charts = tmp_path / "charts"
    chart = charts / "conductor-ui"
    chart.mkdir(parents=True)
    (chart / "values.schema.src.json").write_text('{"type": "object"}\n')
    (chart / "values.schema.json").write_text('{"type": "array"}\n')
    stale = _run("--check", "--charts-dir", str(charts))
    assert stale.returncode == 1
    assert "conductor-ui/values.schema.json" in stale.stdout
    assert (chart / "values.schema.json").read_text() == '{"type": "array"}\n'


def test_a_missing_fragment_is_an_error_naming_the_file_and_the_path(tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "demo"
    chart.mkdir(parents=True)
    (chart / "values.schema.src.json").write_text(
        '{"properties": {"image": {"$ref": "../common/schema/nope.json"}}}')
    result = _run("--charts-dir", str(tmp_path / "charts"))
    assert result.returncode == 1
    assert "values.schema.src.json at /properties/image: $ref ../common/schema/nope.json" \
        in result.stderr
    assert not (chart / "values.schema.json").exists()


def test_keys_beside_a_ref_are_merged_over_the_fragment(tmp_path: Path) -> None:
    (tmp_path / "image.json").write_text(json.dumps({
        "type": "object", "additionalProperties": False,
        "properties": {"repository": {"type": "string", "description": "Image repository"},
                       "tag": {"type": "string"}}}))
    source = tmp_path / "values.schema.src.json"
    source.write_text(json.dumps({"properties": {"image": {
        "$ref": "image.json", "properties": {"repository": {"description": "UI image"}},
        "required": ["repository"]}, "x": {"$ref": "#/definitions/x"}}}))
    assert json.loads(chart_schemas.render(source)) == {"properties": {
        "image": {"type": "object", "additionalProperties": False,
                  "properties": {"repository": {"type": "string", "description": "UI image"},
                                 "tag": {"type": "string"}},
                  "required": ["repository"]},
        "x": {"$ref": "#/definitions/x"}}}


def test_every_fragment_is_used() -> None:
    sources = "".join((CHARTS_DIR / c / "values.schema.src.json").read_text() for c in CHARTS)
    unused = [f.name for f in sorted(FRAGMENTS.glob("*.json"))
              if f'"../common/schema/{f.name}"' not in sources]
    assert unused == []


@pytest.mark.parametrize("chart", [c for c in CHARTS if c != "conductor-stack"])
def test_a_value_two_charts_share_comes_from_a_fragment(chart: str) -> None:
    """A top-level value whose schema is the same in two charts is written once, in a
    fragment, not copied into each chart's source."""
    def schema(name: str) -> dict[str, dict[str, object]]:
        loaded = json.loads((CHARTS_DIR / name / "values.schema.json").read_text())
        return dict(loaded["properties"])

    source = json.loads((CHARTS_DIR / chart / "values.schema.src.json").read_text())
    mine = schema(chart)
    copied = sorted(
        key for other in CHARTS if other not in (chart, "conductor-stack")
        for key, value in schema(other).items()
        if mine.get(key) == value and "$ref" not in source["properties"][key])
    assert copied == []
