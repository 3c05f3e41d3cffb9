"""The common library chart: the helpers the charts share are defined there once."""

from __future__ import annotations

import re
from collections import defaultdict

import yaml

from tests.support.charts import CHARTS, CHARTS_DIR

DEFINE = re.compile(r'\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}')
COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
APPLICATIONS = [c for c in CHARTS if c != "conductor-stack"]


def _defines(chart: str) -> dict[str, str]:
    """Helper name -> body, of every template file of the chart."""
    out = {}
    for path in sorted((CHARTS_DIR / chart / "templates").rglob("*.tpl")):
        # A body runs to the next define; comments (the next helper's) are left out.
        parts = DEFINE.split(COMMENT.sub("", path.read_text()))
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            out[name] = body
    return out


def test_the_library_is_a_library_chart_and_names_its_helpers_common() -> None:
    chart = yaml.safe_load((CHARTS_DIR / "common" / "Chart.yaml").read_text())
    assert (chart["name"], chart["type"], chart["version"]) == ("common", "library", "0.1.0")
    assert _defines("common")
    assert all(name.startswith("common.") for name in _defines("common"))


def test_every_application_chart_depends_on_the_library_with_a_lock() -> None:
    for chart in APPLICATIONS:
        meta = yaml.safe_load((CHARTS_DIR / chart / "Chart.yaml").read_text())
        assert {"name": "common", "version": "0.1.0", "repository": "file://../common"} \
            in meta["dependencies"], chart
        assert meta["annotations"]["component"], f"{chart}: component annotation"
        lock = yaml.safe_load((CHARTS_DIR / chart / "Chart.lock").read_text())
        assert [d["name"] for d in lock["dependencies"]] == ["common"], chart


def test_no_chart_defines_a_helper_the_library_provides() -> None:
    library = {name.rsplit(".", 1)[-1] for name in _defines("common")}
    for chart in CHARTS:
        names = {name.removeprefix(f"{chart}.") for name in _defines(chart)}
        assert not (names & {n.removeprefix("common.") for n in _defines("common")}), chart
        # The helm-create scaffold names, now common.names.* / common.labels.* / ...
        scaffold = {"name", "fullname", "namespace", "chart", "labels", "selectorLabels",
                    "annotations", "serviceAccountName", "image", "imageRef",
                    "imagePullSecrets", "affinity", "conductorBaseUrl"}
        assert not (names & scaffold), chart
    assert library


def test_no_two_charts_define_the_same_helper_body() -> None:
    """A helper written out in two charts (whatever its name) belongs in the library."""
    bodies: dict[str, list[str]] = defaultdict(list)
    for chart in CHARTS:
        for name, body in _defines(chart).items():
            bodies[body.replace(chart, "<chart>").strip()].append(name)
    assert [names for names in bodies.values() if len(names) > 1] == []


def test_no_chart_template_calls_another_charts_helpers() -> None:
    for chart in CHARTS:
        for path in (CHARTS_DIR / chart / "templates").rglob("*"):
            if path.is_file():
                called = re.findall(r'include "([a-z-]+)\.', path.read_text())
                assert set(called) <= {chart, "common"} | ({"conductor-stack"} if chart ==
                                                            "conductor-stack" else set()), path
