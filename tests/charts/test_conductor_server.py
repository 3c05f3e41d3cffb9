"""What the conductor-server chart renders: the image's five variables with secrets only by
reference, the probes, the one-at-a-time rollout, and what a production install adds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.charts import Rendering, env_by_name, render, resolve_env, secret_data

SEED_VARIABLES = ("CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS", "CONDUCTOR_REDIS_HOSTS",
                  "SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME",
                  "SPRING_DATASOURCE_PASSWORD")
SERVER_CASES = ("server-defaults", "server-production", "stack-defaults", "stack-production")


def _server(rendering: Rendering) -> tuple[dict[str, Any], dict[str, Any]]:
    deployment = rendering.one("Deployment", "conductor-server")
    return deployment, deployment["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("case_id", SERVER_CASES)
def test_rollout_brings_up_one_new_pod_at_a_time(case_id: str,
                                                 renderings: dict[str, Rendering]) -> None:
    deployment, _ = _server(renderings[case_id])
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


@pytest.mark.parametrize("case_id", SERVER_CASES)
def test_the_seed_variables_are_set_and_passwords_come_from_secrets(
        case_id: str, renderings: dict[str, Rendering]) -> None:
    _, container = _server(renderings[case_id])
    env = env_by_name(container)
    assert set(SEED_VARIABLES) <= set(env)
    assert "secretKeyRef" in env["SPRING_DATASOURCE_PASSWORD"]["valueFrom"]
    assert "envFrom" not in container  # nothing unlisted, no ConfigMap holding secrets


def test_defaults_wire_a_chart_secret_and_plain_urls(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["server-defaults"]
    _, container = _server(rendering)
    env = resolve_env(container, secret_data(rendering.objects))
    assert env["SPRING_DATASOURCE_URL"] == ("jdbc:postgresql://postgresql.databases.svc.cluster"
                                            ".local:5432/conductor?currentSchema=conductor")
    assert env["SPRING_DATASOURCE_USERNAME"] == "conductor"
    assert env["SPRING_DATASOURCE_PASSWORD"] == "pg-Secret-defaults-7c1"
    assert env["CONDUCTOR_REDIS_HOSTS"] == "redis-master.databases.svc.cluster.local:6379:default"
    assert env["CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS"] == (
        "redis://redis-master.databases.svc.cluster.local:6379")
    assert "REDIS_PASSWORD" not in env


def test_a_redis_password_enters_the_hosts_value_only_by_reference(
        renderings: dict[str, Rendering]) -> None:
    rendering = renderings["stack-defaults"]
    _, container = _server(rendering)
    env = env_by_name(container)
    names = [e["name"] for e in container["env"]]
    # Kubernetes expands $(VAR) only from variables defined earlier in the list.
    assert names.index("REDIS_PASSWORD") < names.index("CONDUCTOR_REDIS_HOSTS")
    assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "redis-password"
    assert env["CONDUCTOR_REDIS_HOSTS"]["value"].endswith(":default:$(REDIS_PASSWORD)")
    resolved = resolve_env(container, secret_data(rendering.objects))
    assert resolved["CONDUCTOR_REDIS_HOSTS"] == (
        "redis-master.databases.svc.cluster.local:6379:default:redis-Secret-stack-0e2")
    assert resolved["CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD"] == "redis-Secret-stack-0e2"


def test_production_reads_existing_secrets_and_creates_none(
        renderings: dict[str, Rendering]) -> None:
    rendering = renderings["server-production"]
    assert rendering.find("Secret") == []
    deployment, container = _server(rendering)
    env = env_by_name(container)
    assert env["SPRING_DATASOURCE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "conductor-db-credentials", "key": "password"}
    assert env["SPRING_DATASOURCE_USERNAME"]["valueFrom"]["secretKeyRef"] == {
        "name": "conductor-db-credentials", "key": "username"}
    assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "conductor-redis-credentials", "key": "password"}
    assert env["SPRING_DATASOURCE_URL"]["value"] == (
        "jdbc:postgresql://conductor-db.example.internal:5433/conductor_prod"
        "?currentSchema=conductor&sslmode=require")
    assert "checksum/secret" not in deployment["spec"]["template"]["metadata"]["annotations"]
    assert "rollout restart" in rendering.notes  # says how to apply a rotated Secret


def test_production_adds_autoscaler_ingress_and_pinned_image(
        renderings: dict[str, Rendering]) -> None:
    rendering = renderings["server-production"]
    deployment, container = _server(rendering)
    assert "replicas" not in deployment["spec"]  # the autoscaler owns it
    hpa = rendering.one("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 8)
    assert {m["resource"]["name"] for m in hpa["spec"]["metrics"]} == {"cpu", "memory"}
    ingress = rendering.one("Ingress")
    assert ingress["spec"]["tls"][0]["hosts"] == ["conductor-api.example.com"]
    assert container["image"] == (
        "docker.io/btechlabs/conductor-server:v1.1.12@sha256:"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    policy = rendering.one("NetworkPolicy")
    namespaces = [p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                  for p in policy["spec"]["ingress"][0]["from"] if "namespaceSelector" in p]
    assert namespaces == ["ingress-nginx", "monitoring"]
    assert rendering.one("PodDisruptionBudget")["spec"]["minAvailable"] == 1


def test_defaults_image_probes_and_shutdown(renderings: dict[str, Rendering]) -> None:
    deployment, container = _server(renderings["server-defaults"])
    assert container["image"] == "docker.io/btechlabs/conductor-server:v1.1.12"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600  # first migration
    assert container["livenessProbe"]["httpGet"]["path"] == "/actuator/health/liveness"
    assert container["readinessProbe"]["httpGet"]["path"] == "/actuator/health/readiness"
    env = env_by_name(container)
    assert env["MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED"]["value"] == "true"
    assert env["SERVER_SHUTDOWN"]["value"] == "graceful"
    pod = deployment["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 60
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == 10
    assert deployment["spec"]["replicas"] == 1
    assert renderings["server-defaults"].one("ServiceAccount")["automountServiceAccountToken"] \
        is False


def test_a_password_change_rolls_the_pods(charts_dir: Path,
                                          renderings: dict[str, Rendering]) -> None:
    def checksum(files: dict[str, str]) -> str:
        text = files["conductor-server/templates/deployment.yaml"]
        return next(line.split(":", 1)[1].strip() for line in text.splitlines()
                    if "checksum/secret" in line)

    before = checksum(renderings["server-defaults"].files)
    values = renderings["server-defaults"].case.values
    changed = {**values, "externalDatabase": {**values["externalDatabase"], "password": "other"}}
    assert checksum(render(charts_dir, "conductor-server", changed)) != before


def test_network_policy_admits_only_named_clients(renderings: dict[str, Rendering]) -> None:
    policy = renderings["server-defaults"].one("NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    names = sorted(p["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                   for p in rule["from"])
    assert names == ["conductor-server", "conductor-ui", "workflow-migrator"]
    for peer in rule["from"]:
        assert peer["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "conductor"


def test_helm_test_pod_checks_the_service(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["server-defaults"]
    pod = rendering.one("Pod", "test")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    service = rendering.one("Service")
    assert pod["spec"]["containers"][0]["args"][-1] == (
        f"http://{service['metadata']['name']}:8080/health")
    # The test pod does not match the Service's selector.
    selector = service["spec"]["selector"]
    labels = pod["metadata"]["labels"]
    assert any(labels.get(k) != v for k, v in selector.items())
