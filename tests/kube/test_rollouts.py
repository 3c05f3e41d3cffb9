"""What the server's and the UI's Deployments promise while they change: a rolling update
never leaves fewer available pods than replicas (the figures are printed), an eviction that
would break the PodDisruptionBudget is refused, and the umbrella chart's migrator Job starts
only once the server is available."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.kube.conftest import NamespaceFactory
from tests.support.kube import Api, Helm
from tests.support.paths import REPO_ROOT
from tests.support.watcher import watching

pytestmark = pytest.mark.kube

RELEASE = "conductor"
SERVER_VALUES = REPO_ROOT / "charts" / "conductor-server" / "ci" / "existing-secret-values.yaml"
UI_VALUES = REPO_ROOT / "charts" / "conductor-ui" / "ci" / "default-values.yaml"
STACK_VALUES = REPO_ROOT / "charts" / "conductor-stack" / "ci" / "existing-secret-values.yaml"


def deployment(api: Api, namespace: str) -> dict[str, Any]:
    [found] = api.items(f"/apis/apps/v1/namespaces/{namespace}/deployments")
    return found


@pytest.mark.parametrize(("chart", "values", "tag"), [
    ("conductor-server", SERVER_VALUES, "v1.1.13"),
    ("conductor-ui", UI_VALUES, "v1.0.1"),
], ids=["server", "ui"])
def test_rolling_update_keeps_every_replica_available(
        chart: str, values: Path, tag: str, helm_v4: Helm, charts_dir: Path, admin: Api,
        new_namespace: NamespaceFactory) -> None:
    replicas = 3
    namespace = new_namespace(f"roll-{chart.removeprefix('conductor-')}")
    common = [RELEASE, str(charts_dir / chart), "-f", str(values),
              "--set", f"replicaCount={replicas}", "--wait", "--timeout", "20m"]
    helm_v4.run(namespace, "install", *common)
    selector = deployment(admin, namespace.name)["spec"]["selector"]["matchLabels"]
    with watching(admin, namespace.name, track=selector, interval=0.05) as watch:
        helm_v4.run(namespace, "upgrade", *common, "--set", f"image.tag={tag}")
    rolled = deployment(admin, namespace.name)
    print(f"\n{chart} rolling update of {replicas} replicas: {len(watch.samples)} samples, "
          f"available min {watch.available_min}, peak {watch.available_peak}; "
          f"pods peak {watch.pods_peak}")
    assert rolled["spec"]["template"]["spec"]["containers"][0]["image"].endswith(f":{tag}")
    assert rolled["status"]["updatedReplicas"] == replicas
    # The update really happened while we watched: pods of two templates were seen.
    assert len(watch.revisions - {""}) >= 2, watch.revisions
    assert not watch.errors, watch.errors
    assert watch.available_min >= replicas


def evict(api: Api, namespace: str, pod: str) -> tuple[int, str]:
    """What `kubectl drain` does for each pod of a node: the cluster operator's Eviction (the
    release manager may not evict)."""
    response = api.request("POST", f"/api/v1/namespaces/{namespace}/pods/{pod}/eviction", {
        "apiVersion": "policy/v1", "kind": "Eviction",
        "metadata": {"name": pod, "namespace": namespace}})
    return response.status_code, response.text


def test_eviction_honours_the_disruption_budget(helm_v4: Helm, charts_dir: Path, admin: Api,
                                                new_namespace: NamespaceFactory) -> None:
    namespace = new_namespace("pdb")
    ns = namespace.name
    common = [RELEASE, str(charts_dir / "conductor-server"), "-f", str(SERVER_VALUES),
              "--set", "replicaCount=2", "--wait", "--timeout", "20m"]
    # Every replica required: the budget allows no disruption, so an eviction is refused.
    helm_v4.run(namespace, "install", *common, "--set", "pdb.minAvailable=2")
    [pdb] = admin.items(f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets")
    pods = [p["metadata"]["name"] for p in admin.items(f"/api/v1/namespaces/{ns}/pods")]
    assert len(pods) == 2
    status, body = evict(admin, ns, pods[0])
    assert status == 429, body
    assert "disruption budget" in body
    assert pods[0] in [p["metadata"]["name"] for p in admin.items(f"/api/v1/namespaces/{ns}/pods")]
    # The chart's default budget (one pod at a time): the same eviction is allowed.
    helm_v4.run(namespace, "upgrade", *common)
    [pdb] = admin.items(f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets")
    assert pdb["spec"] == {**pdb["spec"], "maxUnavailable": 1}
    status, body = evict(admin, ns, pods[0])
    assert status == 201, body


def test_umbrella_migrator_runs_after_the_server_is_available(
        helm_v4: Helm, charts_dir: Path, admin: Api, new_namespace: NamespaceFactory) -> None:
    namespace = new_namespace("order")
    with watching(admin, namespace.name) as watch:
        helm_v4.run(namespace, "install", RELEASE, str(charts_dir / "conductor-stack"),
                    "-f", str(STACK_VALUES), "--wait", "--timeout", "20m")
    [job_uid] = watch.jobs
    server = next(name for name in watch.deployment_available if "server" in name)
    print(f"\nserver available {watch.deployment_available[server]:.2f}, "
          f"migrator Job created {watch.job_seen[job_uid]:.2f} (monotonic seconds)")
    assert watch.deployment_available[server] <= watch.job_seen[job_uid]
