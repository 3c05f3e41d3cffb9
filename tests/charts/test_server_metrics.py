"""The server chart's metrics: the actuator exposure, the ServiceMonitor and the scrape
annotations, and the Grafana dashboard, whose metric names must be the ones docs/charts.md
lists for checking against a real server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.support.charts import CHARTS_DIR, Rendering, env_by_name, parse, render
from tests.support.paths import REPO_ROOT

DASHBOARD = CHARTS_DIR / "conductor-server" / "dashboards" / "conductor-server.json"
BASE = {"externalDatabase": {"host": "pg", "existingSecret": "db"},
        "externalRedis": {"host": "redis"}}


def _pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    template: dict[str, Any] = deployment["spec"]["template"]
    return template


def test_prometheus_is_exposed_by_default_and_can_be_turned_off(charts_dir: Path) -> None:
    def exposure(values: dict[str, Any]) -> str:
        container = _pod(parse(render(charts_dir, "conductor-server", values)))["spec"][
            "containers"][0]
        return str(env_by_name(container)["MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE"]["value"])

    assert exposure(BASE) == "health,prometheus"
    assert exposure({**BASE, "metrics": {"enabled": False}}) == "health"


def test_no_scrape_objects_by_default(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["server-defaults"]
    assert rendering.find("ServiceMonitor") == []
    assert rendering.find("ConfigMap", "dashboard") == []
    annotations = _pod(rendering.objects)["metadata"]["annotations"]
    assert not any(key.startswith("prometheus.io/") for key in annotations)


def test_the_service_monitor_scrapes_the_servers_service(
        renderings: dict[str, Rendering]) -> None:
    rendering = renderings["conductor-server-ci-cluster"]
    monitor = rendering.one("ServiceMonitor")
    service = rendering.one("Service")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert all(service["metadata"]["labels"][k] == v for k, v in selector.items())
    assert monitor["spec"]["namespaceSelector"] == {
        "matchNames": [service["metadata"]["namespace"]]}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert (endpoint["path"], endpoint["interval"], endpoint["scrapeTimeout"]) == (
        "/actuator/prometheus", "30s", "10s")


def test_scrape_annotations_name_the_container_port(renderings: dict[str, Rendering]) -> None:
    pod = _pod(renderings["conductor-server-ci-tls"].objects)
    annotations = pod["metadata"]["annotations"]
    port = pod["spec"]["containers"][0]["ports"][0]["containerPort"]
    assert (annotations["prometheus.io/scrape"], annotations["prometheus.io/port"],
            annotations["prometheus.io/path"]) == ("true", str(port), "/actuator/prometheus")


def test_the_dashboard_configmap_carries_the_sidecar_label_and_the_json(
        renderings: dict[str, Rendering]) -> None:
    configmap = renderings["conductor-server-ci-cluster"].one("ConfigMap", "dashboard")
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["conductor-server.json"]) == json.loads(
        DASHBOARD.read_text())


def _exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert panels
    exprs = []
    for panel in panels:
        assert panel["targets"], panel["title"]
        exprs += [target["expr"] for target in panel["targets"]]
    return exprs


_FUNCTIONS = {"sum", "max", "min", "avg", "rate", "increase", "by", "without", "on",
              "label_values"}


def _metric_names(expr: str) -> set[str]:
    """Names in a PromQL expression that are metrics: identifiers followed by `{`, not
    functions, aggregations or label names."""
    return {name for name in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{", expr)
            if name not in _FUNCTIONS}


def test_every_dashboard_query_names_a_metric() -> None:
    for expr in _exprs():
        assert _metric_names(expr), expr


def test_the_dashboards_metrics_are_the_documented_list() -> None:
    """docs/charts.md lists the metrics to check against a real /actuator/prometheus: the
    list and the dashboard must not drift apart."""
    used = set().union(*(_metric_names(e) for e in _exprs()))
    docs = (REPO_ROOT / "docs" / "charts.md").read_text()
    table = docs.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            documented.update(re.findall(r"`([a-z_]+)`", first_cell))
    assert used == documented
