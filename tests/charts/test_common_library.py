"""The common library chart: the helpers the charts share are defined there once."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.support.charts import CHARTS, CHARTS_DIR, VALUES_DIR, Rendering, parse, render

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


# --------------------------------------------------------------------------- shared objects

#: The objects the application charts make alike: each chart's file is one include.
SHARED_OBJECTS = {"hpa.yaml": "common.hpa", "pdb.yaml": "common.pdb",
                  "ingress.yaml": "common.ingress",
                  "serviceaccount.yaml": "common.serviceAccount"}


def _body(path: Path) -> str:
    return COMMENT.sub("", path.read_text()).strip()


@pytest.mark.parametrize("chart", ["conductor-server", "conductor-ui"])
def test_the_server_and_ui_state_their_shared_objects_as_one_include(chart: str) -> None:
    for name, helper in SHARED_OBJECTS.items():
        assert _body(CHARTS_DIR / chart / "templates" / name) == (
            f'{{{{- include "{helper}" . }}}}'), f"{chart}/templates/{name}"


def test_the_migrators_service_accounts_are_the_librarys() -> None:
    templates = CHARTS_DIR / "workflow-migrator" / "templates"
    assert _body(templates / "serviceaccount.yaml") == '{{- include "common.serviceAccount" . }}'
    assert 'include "common.serviceAccount" (dict "serviceAccount" .Values.drift.serviceAccount' \
        in _body(templates / "serviceaccount-drift.yaml")
    assert "kind: ServiceAccount" not in _body(templates / "serviceaccount-drift.yaml")


def _probe_chart(charts_dir: Path, destination: Path) -> Path:
    """A chart of nothing but the library's shared objects, with the values they read."""
    chart = destination / "probe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(yaml.safe_dump({
        "apiVersion": "v2", "name": "probe", "version": "0.0.1", "appVersion": "1.0",
        "annotations": {"component": "probe"},
        "dependencies": [{"name": "common", "version": "0.1.0",
                          "repository": f"file://{charts_dir / 'common'}"}]}))
    (chart / "values.yaml").write_text(yaml.safe_dump({
        "image": {"tag": ""}, "service": {"ports": {"http": 8080}},
        "autoscaling": {"enabled": False}, "pdb": {"create": False},
        "ingress": {"enabled": False, "hostname": "", "path": "/", "pathType": "Prefix",
                    "extraHosts": [], "tls": False, "extraTls": []},
        "serviceAccount": {"create": False}}))
    for name, helper in SHARED_OBJECTS.items():
        (chart / "templates" / name).write_text(f'{{{{- include "{helper}" . }}}}\n')
    helm.dependency_build(chart)
    return chart


def test_a_chart_that_includes_the_shared_objects_renders_them(
        charts_dir: Path, tmp_path: Path) -> None:
    chart = _probe_chart(charts_dir, tmp_path)
    with helm.Chart.load(chart) as loaded:
        assert parse(loaded.render({}, name="r", namespace="ns", is_install=True)) == []
        objects = parse(loaded.render({
            "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 5,
                            "targetCPU": 60},
            "pdb": {"create": True, "minAvailable": "", "maxUnavailable": ""},
            "ingress": {"enabled": True, "hostname": "probe.example.com", "tls": True},
            "serviceAccount": {"create": True, "annotations": {"a": "b"}},
        }, name="r", namespace="ns", is_install=True))
    by_kind = {o["kind"]: o for o in objects}
    assert sorted(by_kind) == ["HorizontalPodAutoscaler", "Ingress", "PodDisruptionBudget",
                               "ServiceAccount"]
    assert {o["metadata"]["name"] for o in objects} == {"r-probe"}
    assert {o["metadata"]["namespace"] for o in objects} == {"ns"}
    hpa = by_kind["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "r-probe"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 5)
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"]
    pdb = by_kind["PodDisruptionBudget"]["spec"]
    assert pdb == {"maxUnavailable": 1, "selector": {"matchLabels": {
        "app.kubernetes.io/name": "probe", "app.kubernetes.io/instance": "r",
        "app.kubernetes.io/component": "probe"}}}
    ingress = by_kind["Ingress"]["spec"]
    assert ingress["rules"][0]["http"]["paths"][0]["backend"] == {
        "service": {"name": "r-probe", "port": {"number": 8080}}}
    assert ingress["tls"] == [{"hosts": ["probe.example.com"],
                               "secretName": "probe.example.com-tls"}]
    account = by_kind["ServiceAccount"]
    assert account["automountServiceAccountToken"] is False
    assert account["metadata"]["annotations"] == {"a": "b"}


@pytest.mark.parametrize("case", ["server-production", "ui-production"])
def test_the_shared_objects_point_at_the_charts_own_pods(
        renderings: dict[str, Rendering], case: str) -> None:
    rendering = renderings[case]
    deployment = rendering.one("Deployment")
    pods = deployment["spec"]["template"]
    assert rendering.one("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"] == (
        deployment["metadata"]["name"])
    assert rendering.one("PodDisruptionBudget")["spec"]["selector"] == (
        deployment["spec"]["selector"])
    service = rendering.one("Service")
    (rule,) = rendering.one("Ingress")["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"] == {
        "name": service["metadata"]["name"],
        "port": {"number": service["spec"]["ports"][0]["port"]}}
    assert rendering.one("ServiceAccount")["metadata"]["name"] == (
        pods["spec"]["serviceAccountName"])


def test_the_drift_check_has_its_own_service_account(charts_dir: Path) -> None:
    values: dict[str, Any] = {
        "conductorBaseUrl": "http://conductor:8080",
        "drift": {"enabled": True, "serviceAccount": {"annotations": {"team": "x"}}}}
    objects = parse(render(charts_dir, "workflow-migrator", values))
    accounts = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ServiceAccount"}
    cron = next(o for o in objects if o["kind"] == "CronJob")
    name = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["serviceAccountName"]
    assert sorted(accounts) == ["conductor-workflow-migrator",
                                "conductor-workflow-migrator-drift"] and name in accounts
    assert accounts[name]["automountServiceAccountToken"] is False
    assert accounts[name]["metadata"]["annotations"] == {"team": "x"}


# --------------------------------------------------------------------------- values checks

def _templates(chart: str) -> dict[str, str]:
    folder = CHARTS_DIR / chart / "templates"
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_only_the_library_collects_and_fails_with_the_values_messages() -> None:
    for chart in CHARTS:
        for name, text in _templates(chart).items():
            assert "VALUES VALIDATION" not in text and "| fail" not in text, f"{chart}/{name}"
    for chart in APPLICATIONS:
        body = _defines(chart)[f"{chart}.validateValues"]
        assert 'include "common.validateValues.collect" (dict "checks" (list' in body, chart


def test_the_base_url_pattern_is_stated_once() -> None:
    for chart in CHARTS:
        for name, text in _templates(chart).items():
            assert "https?" not in text, f"{chart}/{name}: a URL pattern of its own"
    assert "https?://" in _defines("common")["common.conductor.baseUrlPattern"]


STACK: dict[str, Any] = yaml.safe_load((VALUES_DIR / "stack-defaults.yaml").read_text())
#: Every chart that takes a Conductor base URL: the chart rendered, the chart that checks it.
BASE_URL_TAKERS = {"conductor-ui": ("conductor-ui", "conductor-ui"),
                   "workflow-migrator": ("workflow-migrator", "workflow-migrator"),
                   "stack-ui": ("conductor-stack", "conductor-ui"),
                   "stack-migrator": ("conductor-stack", "workflow-migrator")}


def _render_with_base_url(charts_dir: Path, taker: str, url: str) -> dict[str, str]:
    chart, subchart = BASE_URL_TAKERS[taker]
    if chart == subchart:
        return render(charts_dir, chart, {"conductorBaseUrl": url})
    return render(charts_dir, chart, {**STACK, subchart: {"conductorBaseUrl": url}})


def _base_url_refusal(charts_dir: Path, taker: str, url: str) -> str:
    """The conductorBaseUrl message, without its "<chart>: " prefix."""
    with pytest.raises(helm.HelmRenderError) as caught:
        _render_with_base_url(charts_dir, taker, url)
    lines = str(caught.value).split("VALUES VALIDATION:\n", 1)[1].splitlines()
    start = lines.index(f"{BASE_URL_TAKERS[taker][1]}: conductorBaseUrl")
    own = lines[start + 1:]
    end = next((i for i, line in enumerate(own) if not line.startswith("    ")), len(own))
    return "\n".join(own[:end])


@pytest.mark.parametrize("url", [
    "", "conductor-server:8080", "ftp://conductor-server", "http://conductor_server:8080",
    "http://conductor-server:0", "http://conductor-server:65536", "http://-server",
    "http://conductor server", "https://conductor-server:8080?debug=1",
])
def test_a_bad_base_url_is_refused_with_the_same_message_by_every_chart_that_takes_one(
        charts_dir: Path, url: str) -> None:
    messages = {taker: _base_url_refusal(charts_dir, taker, url) for taker in BASE_URL_TAKERS}
    assert len(set(messages.values())) == 1, messages
    (message,) = set(messages.values())
    assert ("The Conductor server's URL is required" if not url
            else f"'{url}' is not an http(s)://host[:port] URL:") in message


@pytest.mark.parametrize("url", ["http://conductor-server.conductor.svc.cluster.local:8080",
                                 "https://10.0.0.7", "http://[fd00::7]:65535"])
def test_a_server_root_url_is_taken_by_every_chart(charts_dir: Path, url: str) -> None:
    for taker in BASE_URL_TAKERS:
        assert _render_with_base_url(charts_dir, taker, url), taker


def test_a_refused_base_url_never_shows_its_credentials(charts_dir: Path) -> None:
    for taker in BASE_URL_TAKERS:
        message = _base_url_refusal(charts_dir, taker, "http://admin:s3cret@conductor:8080")
        assert "s3cret" not in message and "'http://***@conductor:8080'" in message, taker


# --------------------------------------------------------------------------- checkov skips

def test_only_the_library_writes_checkov_skip_annotations() -> None:
    for chart in CHARTS:
        for name, text in _templates(chart).items():
            assert "checkov.io/" not in text, f"{chart}/{name}"
    for chart in APPLICATIONS:
        assert 'include "common.checkov.skips"' in _defines(chart)[f"{chart}.checkovSkips"]


def _skips(metadata: dict[str, Any]) -> dict[str, str]:
    return {key: value for key, value in (metadata.get("annotations") or {}).items()
            if key.startswith("checkov.io/skip")}


def test_each_image_skip_names_the_values_that_pin_it(charts_dir: Path) -> None:
    digest = "sha256:" + "ab" * 32
    values = {"conductorBaseUrl": "http://conductor:8080", "image": {"digest": digest},
              "metrics": {"enabled": True}}
    objects = parse(render(charts_dir, "conductor-ui", values))
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert _skips(deployment["spec"]["template"]["metadata"])["checkov.io/skip1"] == (
        "CKV_K8S_43=Immutable version tag by default; set metrics.exporter.image.digest to "
        "pin by digest")
    test_pod = next(o for o in objects if o["kind"] == "Pod")
    assert "set tests.image.digest to pin" in _skips(test_pod["metadata"])["checkov.io/skip4"]


def test_a_skip_keeps_its_key_whether_or_not_the_ones_before_it_apply(
        renderings: dict[str, Rendering]) -> None:
    # The server pins its image by digest in production: skip2 (the tag) is left out, and
    # the pull policy's skip stays skip3.
    pod = renderings["server-production"].one("Deployment")["spec"]["template"]
    assert sorted(_skips(pod["metadata"])) == ["checkov.io/skip1", "checkov.io/skip3"]
    # The migrator's test pod lists two skips of its own before its image's.
    test_pod = renderings["migrator-defaults"].one("Pod")
    assert [v.split("=")[0] for _, v in sorted(_skips(test_pod["metadata"]).items())] == [
        "CKV_K8S_8", "CKV_K8S_9", "CKV_K8S_43", "CKV_K8S_15"]
