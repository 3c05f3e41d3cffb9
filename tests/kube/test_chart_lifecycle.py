"""Every chart, with every values file of its ci/ folder, through a release's whole life on a
real API server, under the restricted Pod Security level and a least-privilege deployer:
install (waiting for readiness), helm test, an upgrade to a new image tag (and a changed
migrator configuration, so the hook Job runs again), a rollback, and an uninstall that leaves
nothing of the release behind. Once with each Helm major."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.kube.conftest import NamespaceFactory
from tests.support.charts import CI_CASES, Case
from tests.support.kube import Api, Helm, Namespace, inventory
from tests.support.stacks import wait_for
from tests.support.watcher import watching

pytestmark = pytest.mark.kube

RELEASE = "conductor"
TIMEOUT = "20m"

#: What each chart's upgrade changes: a new image tag and, for the migrator, a new
#: configuration (its wait timeout), so its Job must run again with it (the README's).
UPGRADES = {
    "conductor-server": ["--set", "image.tag=v1.1.13"],
    "conductor-ui": ["--set", "image.tag=v1.0.1"],
    "workflow-migrator": ["--set", "image.tag=0.1.1", "--set", "waitTimeoutSeconds=240"],
    "conductor-stack": ["--set", "conductor-server.image.tag=v1.1.13",
                        "--set", "workflow-migrator.waitTimeoutSeconds=240"],
}
#: The Deployments (by a part of their name) whose image the upgrade changes, and to what.
NEW_IMAGES = {
    "conductor-server": {"server": ":v1.1.13"},
    "conductor-ui": {"ui": ":v1.0.1"},
    "workflow-migrator": {},
    "conductor-stack": {"server": ":v1.1.13"},
}


def images(api: Api, namespace: str) -> dict[str, list[str]]:
    """Deployment name -> the images of its pod template's containers."""
    return {d["metadata"]["name"]: [c["image"] for c in d["spec"]["template"]["spec"]["containers"]]
            for d in api.items(f"/apis/apps/v1/namespaces/{namespace}/deployments")}


def job_images(job: dict[str, Any]) -> list[str]:
    return [c["image"] for c in job["spec"]["template"]["spec"]["containers"]]


def released(namespace: Namespace, helm: Helm, *args: str) -> str:
    return helm.run(namespace, *args).stdout


@pytest.mark.parametrize("case", CI_CASES, ids=[case.id for case in CI_CASES])
def test_release_lifecycle(case: Case, helm: Helm, charts_dir: Path, admin: Api,
                           new_namespace: NamespaceFactory) -> None:
    namespace = new_namespace(case.chart.removeprefix("conductor-")[:12])
    ns = namespace.name
    before = inventory(admin, ns)
    chart = str(charts_dir / case.chart)
    values = ["-f", str(case.path)]
    migrator = case.chart in ("workflow-migrator", "conductor-stack")

    with watching(admin, ns) as installed:
        released(namespace, helm, "install", RELEASE, chart, *values, "--wait",
                 "--timeout", TIMEOUT)
    original = images(admin, ns)
    assert all(d["status"].get("availableReplicas", 0) == d["spec"]["replicas"]
               for d in admin.items(f"/apis/apps/v1/namespaces/{ns}/deployments"))
    if migrator:
        assert installed.jobs_named(RELEASE), "the migrator's post-install Job never ran"

    test = released(namespace, helm, "test", RELEASE, "--timeout", TIMEOUT)
    phases = re.findall(r"^Phase:\s+(\w+)", test, re.MULTILINE)
    assert phases and set(phases) == {"Succeeded"}, test

    with watching(admin, ns) as upgraded:
        released(namespace, helm, "upgrade", RELEASE, chart, *values, *UPGRADES[case.chart],
                 "--wait", "--timeout", TIMEOUT)
    after_upgrade = images(admin, ns)
    assert after_upgrade.keys() == original.keys()
    for name, container_images in after_upgrade.items():
        tag = next((tag for part, tag in NEW_IMAGES[case.chart].items() if part in name), None)
        if tag is None:
            assert container_images == original[name]
        else:
            assert container_images[0].endswith(tag), (name, container_images)
    assert any(after_upgrade[name] != original[name] for name in original) == bool(
        NEW_IMAGES[case.chart])
    if migrator:
        new_jobs = [job for uid, job in upgraded.jobs.items() if uid not in installed.jobs]
        assert new_jobs, "no migrator Job ran on the upgrade"
        job = new_jobs[-1]
        if case.chart == "workflow-migrator":
            assert job_images(job)[0].endswith(":0.1.1")
        assert "240" in job["spec"]["template"]["spec"]["containers"][0]["args"]
    # A successful hook Job is deleted (hook-succeeded): none is left between releases.
    assert not admin.items(f"/apis/batch/v1/namespaces/{ns}/jobs")

    released(namespace, helm, "rollback", RELEASE, "1", "--wait", "--timeout", TIMEOUT)
    assert images(admin, ns) == original

    released(namespace, helm, "uninstall", RELEASE, "--wait", "--timeout", TIMEOUT)
    # Garbage collection (ReplicaSets, pods, endpoint slices) finishes after Helm returns.
    wait_for(lambda: inventory(admin, ns) == before, timeout=60, interval=0.5)
    assert inventory(admin, ns) - before == set()


def test_failed_hook_job_is_not_left_behind(helm: Helm, charts_dir: Path, admin: Api,
                                            new_namespace: NamespaceFactory,
                                            tmp_path: Path) -> None:
    """A migrator Job that fails (here: its pod outlives the Job's deadline) fails the
    release, and `helm uninstall` still leaves nothing: a hook is no part of the release's
    manifest, so only its delete policy removes it."""
    namespace = new_namespace("failed-hook")
    ns = namespace.name
    before = inventory(admin, ns)
    values = tmp_path / "failing.yaml"
    values.write_text(yaml.safe_dump({
        "waitTimeoutSeconds": 0, "job": {"activeDeadlineSeconds": 3, "backoffLimit": 0},
        "podAnnotations": {"pod-complete.stage.kwok.x-k8s.io/delay": "600s"}}))
    chart = str(charts_dir / "workflow-migrator")
    ci_values = str(charts_dir / "workflow-migrator" / "ci" / "default-values.yaml")
    failed = helm.run(namespace, "install", RELEASE, chart, "-f", ci_values, "-f", str(values),
                      "--wait", "--timeout", TIMEOUT, check=False)
    assert failed.returncode != 0
    assert "DeadlineExceeded" in failed.stderr or "failed" in failed.stderr, failed.stderr

    released(namespace, helm, "uninstall", RELEASE, "--wait", "--timeout", TIMEOUT)
    wait_for(lambda: inventory(admin, ns) == before, timeout=60, interval=0.5)
    assert inventory(admin, ns) - before == set()
