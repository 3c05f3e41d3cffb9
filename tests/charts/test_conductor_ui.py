"""What the conductor-ui chart renders."""

from __future__ import annotations

from tests.support.charts import Rendering, env_by_name


def test_defaults(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["ui-defaults"]
    deployment = rendering.one("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "docker.io/btechlabs/conductor-ui:v1.0.0"
    assert env_by_name(container)["CONDUCTOR_BASE_URL"]["value"] == (
        "http://conductor-server.conductor.svc.cluster.local:8080")
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    # nginx writes its rendered configuration and its temp files: both on emptyDirs.
    assert "emptyDir" in volumes[mounts["/etc/nginx/conf.d"]]
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1,
                                                               "maxUnavailable": 0}
    assert rendering.one("PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    policy = rendering.one("NetworkPolicy")
    peers = policy["spec"]["ingress"][0]["from"]
    assert [p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in peers] == [
        "test"]
    assert "Add your ingress controller's namespace" in rendering.notes


def test_production_trims_the_url_and_exposes_the_ui(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["ui-production"]
    (container,) = rendering.one("Deployment")["spec"]["template"]["spec"]["containers"]
    # A trailing slash would make nginx strip the /api prefix: the chart removes it.
    assert env_by_name(container)["CONDUCTOR_BASE_URL"]["value"] == (
        "http://conductor-server.conductor.svc.cluster.local:8080")
    ingress = rendering.one("Ingress")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": rendering.one("Service")["metadata"]["name"],
                       "port": {"number": 80}}
    assert rendering.one("HorizontalPodAutoscaler")["spec"]["maxReplicas"] == 6
    policy = rendering.one("NetworkPolicy")
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
            } in policy["spec"]["ingress"][0]["from"]


def test_metrics_wire_stub_status_to_the_exporter_and_the_service_monitor(
        renderings: dict[str, Rendering]) -> None:
    rendering = renderings["conductor-ui-ci-metrics"]
    pod = rendering.one("Deployment")["spec"]["template"]
    ui, exporter = pod["spec"]["containers"]
    stub_port = {e["name"]: e for e in ui["env"]}["CONDUCTOR_UI_STUB_STATUS_PORT"]["value"]
    assert f"--nginx.scrape-uri=http://127.0.0.1:{stub_port}/stub_status" in exporter["args"]
    assert stub_port not in {str(p["containerPort"]) for p in ui["ports"]}  # pod-internal only
    (metrics_port,) = exporter["ports"]
    service_ports = {p["name"]: p for p in rendering.one("Service")["spec"]["ports"]}
    assert service_ports["metrics"]["targetPort"] == metrics_port["name"]
    (endpoint,) = rendering.one("ServiceMonitor")["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("metrics", "/metrics")
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(metrics_port["containerPort"])


def test_no_stub_status_by_default(renderings: dict[str, Rendering]) -> None:
    (container,) = renderings["ui-defaults"].one("Deployment")["spec"]["template"]["spec"][
        "containers"]
    assert "CONDUCTOR_UI_STUB_STATUS_PORT" not in {e["name"] for e in container["env"]}
