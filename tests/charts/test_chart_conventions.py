"""House conventions of the charts: every value documented for the README generator, no
image hard-coded in a template."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.support.charts import CHARTS, CHARTS_DIR


def _leaves(node: Any, path: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items()
                for leaf in _leaves(value, f"{path}.{key}" if path else key)]
    return [path]


@pytest.mark.parametrize("chart", CHARTS)
def test_every_value_is_documented(chart: str) -> None:
    text = (CHARTS_DIR / chart / "values.yaml").read_text()
    documented = set(re.findall(r"^## @(?:param|skip) (\S+)", text, re.MULTILINE))
    leaves = _leaves(yaml.safe_load(text))
    undocumented = [leaf for leaf in leaves if leaf not in documented
                    and not any(leaf.startswith(d + ".") for d in documented)]
    stale = [d for d in documented if d not in leaves
             and not any(leaf.startswith(d + ".") for leaf in leaves)]
    assert (undocumented, stale) == ([], [])


@pytest.mark.parametrize("chart", CHARTS)
def test_no_image_is_hard_coded_in_a_template(chart: str) -> None:
    for template in (CHARTS_DIR / chart / "templates").rglob("*.yaml"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if re.match(r"\s*image:\s", line):
                assert "include" in line, f"{template.name}:{number}: {line.strip()}"
