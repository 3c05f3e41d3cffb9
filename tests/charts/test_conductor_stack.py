"""The umbrella chart: one release, the three charts wired to each other."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.charts import NAMESPACE, Rendering, env_by_name, pod_specs

STACK_CASES = ("stack-defaults", "stack-production")


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("case_id", STACK_CASES)
def test_ui_and_migrator_point_at_the_servers_service(case_id: str,
                                                      renderings: dict[str, Rendering]) -> None:
    rendering = renderings[case_id]
    service = rendering.one("Service", "conductor-server")
    expected = (f"{service['metadata']['name']}.{NAMESPACE}.svc.cluster.local",
                service["spec"]["ports"][0]["port"])
    ui = rendering.one("Deployment", "conductor-ui")["spec"]["template"]["spec"]["containers"][0]
    job = rendering.one("Job", "workflow-migrator")["spec"]["template"]["spec"]["containers"][0]
    for container in (ui, job):
        url = urlsplit(env_by_name(container)["CONDUCTOR_BASE_URL"]["value"])
        assert (url.scheme, (url.hostname, url.port), url.path) == ("http", expected, "")
    # The server Service really selects the server pods.
    server = rendering.one("Deployment", "conductor-server")
    assert _matches(service["spec"]["selector"], server["spec"]["template"]["metadata"]["labels"])


@pytest.mark.parametrize("case_id", STACK_CASES)
def test_server_network_policy_admits_the_ui_and_the_migrator(
        case_id: str, renderings: dict[str, Rendering]) -> None:
    rendering = renderings[case_id]
    policy = rendering.one("NetworkPolicy", "conductor-server")
    peers: list[dict[str, Any]] = policy["spec"]["ingress"][0]["from"]
    pod_selectors = [p["podSelector"]["matchLabels"] for p in peers if "podSelector" in p]

    def admitted(labels: dict[str, str]) -> bool:
        return any(_matches(selector, labels) for selector in pod_selectors)

    pods = {label: meta["labels"] for label, meta, _ in pod_specs(rendering.objects)}
    for label, labels in pods.items():
        if labels["app.kubernetes.io/name"] == "conductor-ui" and "test" not in label:
            assert admitted(labels), label
        if labels["app.kubernetes.io/name"] in {"workflow-migrator", "conductor-server"}:
            assert admitted(labels) or labels.get("app.kubernetes.io/component") == "server", label
    # Nothing else: every selector names one of the release's own components.
    for selector in pod_selectors:
        assert selector["app.kubernetes.io/instance"] == "conductor"
        assert selector["app.kubernetes.io/name"] in {"conductor-server", "conductor-ui",
                                                      "workflow-migrator"}


def test_all_three_components_and_their_tests(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["stack-defaults"]
    names = {o["metadata"]["name"] for o in rendering.objects if o["kind"] in
             {"Deployment", "Job"}}
    assert names == {"conductor-conductor-server", "conductor-conductor-ui",
                     "conductor-workflow-migrator"}
    tests = [o for o in rendering.find("Pod")
             if o["metadata"]["annotations"].get("helm.sh/hook") == "test"]
    assert len(tests) == 3
    assert "conductor-conductor-server.conductor.svc.cluster.local:8080" in rendering.notes


def test_global_pull_secrets_reach_every_pod(renderings: dict[str, Rendering]) -> None:
    for label, _, spec in pod_specs(renderings["stack-production"].objects):
        assert {"name": "registry-credentials"} in spec.get("imagePullSecrets", []), label
