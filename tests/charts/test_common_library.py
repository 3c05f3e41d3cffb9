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
                  "serviceaccount.yaml": "common.serviceAccount",
                  "networkpolicy.yaml": "common.networkPolicy"}
#: The server's and the UI's objects that differ by a parameter: each file is one include of
#: the library's template with that parameter.
PARAMETERISED_OBJECTS = {
    ("conductor-server", "svc.yaml"): '{{- include "common.service" . }}',
    ("conductor-ui", "svc.yaml"): (
        '{{- include "common.service" (dict "extraPorts" (list\n'
        '  (dict "name" "metrics" "port" .Values.metrics.exporter.port "when" '
        '.Values.metrics.enabled)) "context" .) }}'),
    ("conductor-server", "tests/test-connection.yaml"): (
        '{{- include "common.tests.connection" (dict "path" "/health" "context" .) }}'),
    ("conductor-ui", "tests/test-connection.yaml"): (
        '{{- include "common.tests.connection" (dict "path" "/healthz" "context" .) }}'),
    ("conductor-server", "servicemonitor.yaml"): (
        '{{- include "common.serviceMonitor" (dict "port" "http" "path" '
        '"/actuator/prometheus" "context" .) }}'),
    ("conductor-ui", "servicemonitor.yaml"): (
        '{{- include "common.serviceMonitor" (dict "port" "metrics" "path" "/metrics" '
        '"context" .) }}'),
}


def _body(path: Path) -> str:
    return COMMENT.sub("", path.read_text()).strip()


@pytest.mark.parametrize("chart", ["conductor-server", "conductor-ui"])
def test_the_server_and_ui_state_their_shared_objects_as_one_include(chart: str) -> None:
    for name, helper in SHARED_OBJECTS.items():
        assert _body(CHARTS_DIR / chart / "templates" / name) == (
            f'{{{{- include "{helper}" . }}}}'), f"{chart}/templates/{name}"
    for (owner, name), include in PARAMETERISED_OBJECTS.items():
        if owner == chart:
            assert _body(CHARTS_DIR / chart / "templates" / name) == include, (
                f"{chart}/templates/{name}")


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
        "image": {"tag": ""},
        "autoscaling": {"enabled": False}, "pdb": {"create": False},
        "ingress": {"enabled": False, "hostname": "", "path": "/", "pathType": "Prefix",
                    "extraHosts": [], "tls": False, "extraTls": []},
        "serviceAccount": {"create": False},
        "service": {"type": "ClusterIP", "clusterIP": "", "sessionAffinity": "None",
                    "ports": {"http": 8080}, "nodePorts": {"http": ""}, "annotations": {}},
        "networkPolicy": {"enabled": False, "allowedClients": [], "allowedNamespaces": []},
        "tests": {"enabled": False, "image": {
            "registry": "docker.io", "repository": "library/busybox", "tag": "1.37.0",
            "digest": "", "pullPolicy": "IfNotPresent"}},
        "metrics": False, "global": {}}))
    for name, helper in SHARED_OBJECTS.items():
        (chart / "templates" / name).write_text(f'{{{{- include "{helper}" . }}}}\n')
    (chart / "templates" / "svc.yaml").write_text(
        '{{- include "common.service" (dict "extraPorts" (list\n'
        '  (dict "name" "metrics" "port" 9113 "when" .Values.metrics)\n'
        '  (dict "name" "admin" "port" 9000)) "context" .) }}\n')
    (chart / "templates" / "test-connection.yaml").write_text(
        '{{- include "common.tests.connection" (dict "path" "/ping" "context" .) }}\n')
    helm.dependency_build(chart)
    return chart


def test_a_chart_that_includes_the_shared_objects_renders_them(
        charts_dir: Path, tmp_path: Path) -> None:
    chart = _probe_chart(charts_dir, tmp_path)
    pdb_selector = {"matchLabels": {"app.kubernetes.io/name": "probe",
                                    "app.kubernetes.io/instance": "r",
                                    "app.kubernetes.io/component": "probe"}}
    with helm.Chart.load(chart) as loaded:
        (service,) = parse(loaded.render({}, name="r", namespace="ns", is_install=True))
        objects = parse(loaded.render({
            "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 5,
                            "targetCPU": 60},
            "pdb": {"create": True, "minAvailable": "", "maxUnavailable": ""},
            "ingress": {"enabled": True, "hostname": "probe.example.com", "tls": True},
            "serviceAccount": {"create": True, "annotations": {"a": "b"}},
            "networkPolicy": {"enabled": True, "allowedNamespaces": ["gateway"]},
            "tests": {"enabled": True}, "metrics": True,
        }, name="r", namespace="ns", is_install=True))
    # Only the Service is always there; an extra port whose "when" is false is left out.
    assert service["kind"] == "Service"
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [
        ("http", 8080, "http"), ("admin", 9000, "admin")]
    by_kind = {o["kind"]: o for o in objects}
    assert sorted(by_kind) == ["HorizontalPodAutoscaler", "Ingress", "NetworkPolicy",
                               "Pod", "PodDisruptionBudget", "Service", "ServiceAccount"]
    assert [p["name"] for p in by_kind["Service"]["spec"]["ports"]] == [
        "http", "metrics", "admin"]
    assert by_kind["Service"]["spec"]["selector"] == pdb_selector["matchLabels"]
    (rule,) = by_kind["NetworkPolicy"]["spec"]["ingress"]
    assert by_kind["NetworkPolicy"]["spec"]["podSelector"] == pdb_selector
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert rule["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "probe",
                                         "app.kubernetes.io/instance": "r",
                                         "app.kubernetes.io/component": "test"}}},
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway"}}}]
    pod = by_kind["Pod"]
    assert pod["metadata"]["name"] == "r-probe-test-connection"
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["spec"]["containers"][0]["args"][-1] == "http://r-probe:8080/ping"
    objects = [o for o in objects if o["kind"] not in ("Service", "Pod", "NetworkPolicy")]
    assert {o["metadata"]["name"] for o in objects} == {"r-probe"}
    assert {o["metadata"]["namespace"] for o in objects} == {"ns"}
    hpa = by_kind["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "r-probe"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 5)
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"]
    pdb = by_kind["PodDisruptionBudget"]["spec"]
    assert pdb == {"maxUnavailable": 1, "selector": pdb_selector}
    ingress = by_kind["Ingress"]["spec"]
    assert ingress["rules"][0]["http"]["paths"][0]["backend"] == {
        "service": {"name": "r-probe", "port": {"number": 8080}}}
    assert ingress["tls"] == [{"hosts": ["probe.example.com"],
                               "secretName": "probe.example.com-tls"}]
    account = by_kind["ServiceAccount"]
    assert account["automountServiceAccountToken"] is False
    assert account["metadata"]["annotations"] == {"a": "b"}


def test_the_network_policy_opens_to_anyone_only_where_the_chart_offers_allow_external(
        charts_dir: Path, tmp_path: Path) -> None:
    chart = _probe_chart(charts_dir, tmp_path)
    with helm.Chart.load(chart) as loaded:
        (policy,) = [o for o in parse(loaded.render(
            {"networkPolicy": {"enabled": True, "allowExternal": True,
                               "allowedNamespaces": ["gateway"]}},
            name="r", namespace="ns", is_install=True)) if o["kind"] == "NetworkPolicy"]
    assert policy["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]


def _service_monitor(charts_dir: Path, tmp_path: Path,
                     monitor: dict[str, Any]) -> dict[str, Any]:
    chart = _probe_chart(charts_dir, tmp_path)
    (chart / "templates" / "servicemonitor.yaml").write_text(
        '{{- include "common.serviceMonitor" (dict "port" "metrics" "path" "/metrics" '
        '"context" .) }}\n')
    with helm.Chart.load(chart) as loaded:
        objects = parse(loaded.render({"metrics": {"serviceMonitor": monitor}},
                                      name="r", namespace="ns", is_install=True))
    (found,) = [o for o in objects if o["kind"] == "ServiceMonitor"]
    return found


def test_a_service_monitor_scrapes_the_port_and_path_the_chart_gives(
        charts_dir: Path, tmp_path: Path) -> None:
    # A chart that offers only the basic values (the UI): no annotation or relabeling keys.
    monitor = _service_monitor(charts_dir, tmp_path, {
        "enabled": True, "namespace": "monitoring", "interval": "30s",
        "scrapeTimeout": "10s", "labels": {"release": "prometheus"}})
    assert monitor["metadata"]["name"] == "r-probe"
    assert monitor["metadata"]["namespace"] == "monitoring"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert "annotations" not in monitor["metadata"]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["ns"]}
    assert monitor["spec"]["endpoints"] == [{"port": "metrics", "path": "/metrics",
                                             "scheme": "http", "interval": "30s",
                                             "scrapeTimeout": "10s"}]


def test_a_service_monitor_takes_the_optional_values_a_chart_offers(
        charts_dir: Path, tmp_path: Path) -> None:
    monitor = _service_monitor(charts_dir, tmp_path, {
        "enabled": True, "namespace": "", "interval": "", "scrapeTimeout": "",
        "labels": {}, "annotations": {"a": "b"}, "honorLabels": False,
        "relabelings": [{"action": "keep"}], "metricRelabelings": [{"action": "drop"}]})
    assert monitor["metadata"]["namespace"] == "ns"
    assert monitor["metadata"]["annotations"] == {"a": "b"}
    assert monitor["spec"]["endpoints"] == [{
        "port": "metrics", "path": "/metrics", "scheme": "http", "honorLabels": False,
        "relabelings": [{"action": "keep"}], "metricRelabelings": [{"action": "drop"}]}]


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


# --------------------------------------------------------------------------- pod specs

#: What each chart's pods take from the library rather than writing out: a value read there
#: alone, and the library helper that reads it.
POD_VALUES = {".Values.podLabels": "common.labels.pod",
              ".Values.podSecurityContext": "common.pods.spec",
              ".Values.priorityClassName": "common.pods.spec",
              ".Values.nodeSelector": "common.pods.spec",
              ".Values.tolerations": "common.pods.spec",
              ".Values.topologySpreadConstraints": "common.pods.spec",
              ".Values.tmpDirSizeLimit": "common.volumes.tmp",
              "mountPath: /tmp": "common.volumes.tmpMount",
              "$.Values $probe": "common.probes.http"}


def test_the_pod_settings_every_chart_shares_are_read_by_the_library_alone() -> None:
    for chart in APPLICATIONS:
        for name, text in _templates(chart).items():
            for read in POD_VALUES:
                assert read not in text, f"{chart}/{name} reads {read} itself"
        used = "".join(_templates(chart).values())
        for helper in sorted(set(POD_VALUES.values()) - {"common.probes.http"}):
            assert f'include "{helper}"' in used, f"{chart}: {helper}"
    for chart in ("conductor-server", "conductor-ui"):
        assert 'include "common.probes.http"' in _templates(chart)["deployment.yaml"], chart


POD_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "common.names.fullname" . }}
spec:
  selector:
    matchLabels:
      {{- include "common.labels.matchLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "common.labels.pod" . | nindent 8 }}
    spec:
      {{- include "common.pods.spec" (dict "restartPolicy" .Values.restartPolicy
            "context" .) | nindent 6 }}
      containers:
        - name: app
          image: app
          {{- with include "common.probes.http" (dict "probes" (list "startupProbe"
                "livenessProbe" "readinessProbe") "omit" (list "include") "context" .) }}
          {{- . | nindent 10 }}
          {{- end }}
          volumeMounts:
            {{- include "common.volumes.tmpMount" . | nindent 12 }}
      volumes:
        {{- include "common.volumes.tmp" . | nindent 8 }}
"""
POD_VALUES_BASE: dict[str, Any] = {
    "podLabels": {}, "podSecurityContext": {"enabled": False}, "priorityClassName": "",
    "affinity": {}, "podAntiAffinityPreset": "", "nodeSelector": {}, "tolerations": [],
    "topologySpreadConstraints": [], "tmpDirSizeLimit": "64Mi", "restartPolicy": "",
    "startupProbe": {"enabled": False}, "livenessProbe": {"enabled": False},
    "readinessProbe": {"enabled": False}}


def _pod(charts_dir: Path, tmp_path: Path, values: dict[str, Any]) -> dict[str, Any]:
    chart = _probe_chart(charts_dir, tmp_path)
    (chart / "templates" / "deployment.yaml").write_text(POD_TEMPLATE)
    with helm.Chart.load(chart) as loaded:
        objects = parse(loaded.render({**POD_VALUES_BASE, **values}, name="r", namespace="ns",
                                      is_install=True))
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    pod: dict[str, Any] = deployment["spec"]["template"]
    return pod


def test_a_pod_with_nothing_set_gets_the_shared_defaults_only(
        charts_dir: Path, tmp_path: Path) -> None:
    pod = _pod(charts_dir, tmp_path, {})
    assert pod["metadata"]["labels"]["app.kubernetes.io/name"] == "probe"
    (container,) = pod["spec"].pop("containers")
    assert pod["spec"] == {"serviceAccountName": "default",
                           "automountServiceAccountToken": False, "enableServiceLinks": False,
                           "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]}
    assert container == {"name": "app", "image": "app",
                         "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}


def test_a_pod_takes_the_shared_settings_from_the_charts_values(
        charts_dir: Path, tmp_path: Path) -> None:
    spread = [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"release": "{{ .Release.Name }}"}}}]
    pod = _pod(charts_dir, tmp_path, {
        "podLabels": {"team": "x"}, "restartPolicy": "Never",
        "global": {"imagePullSecrets": ["registry"]},
        "podSecurityContext": {"enabled": True, "fsGroup": 10001},
        "priorityClassName": "high", "podAntiAffinityPreset": "hard",
        "nodeSelector": {"pool": "apps"}, "tolerations": [{"key": "k", "operator": "Exists"}],
        "topologySpreadConstraints": spread,
        "startupProbe": {"enabled": True, "path": "/started", "periodSeconds": 5},
        "livenessProbe": {"enabled": False, "path": "/live"},
        "readinessProbe": {"enabled": True, "path": "/ready", "include": "db",
                           "failureThreshold": 3}})
    assert pod["metadata"]["labels"]["team"] == "x"
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["imagePullSecrets"] == [{"name": "registry"}]
    assert spec["securityContext"] == {"fsGroup": 10001}
    assert spec["priorityClassName"] == "high"
    assert spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert (spec["nodeSelector"], spec["tolerations"]) == (
        {"pool": "apps"}, [{"key": "k", "operator": "Exists"}])
    assert spec["topologySpreadConstraints"][0]["labelSelector"] == {
        "matchLabels": {"release": "r"}}
    (container,) = spec["containers"]
    assert "livenessProbe" not in container
    assert container["startupProbe"] == {"httpGet": {"path": "/started", "port": "http"},
                                         "periodSeconds": 5}
    # "include" configures the application, not the probe: it is left out.
    assert container["readinessProbe"] == {"httpGet": {"path": "/ready", "port": "http"},
                                           "failureThreshold": 3}


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
