"""What the workflow-migrator chart renders: a Helm hook Job, its definitions, its
credentials as files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.charts import Rendering, chart_process_folders, env_by_name, parse, render
from workflow_migrator._loader import process_folders

MIGRATOR_CASES = ("migrator-defaults", "migrator-production", "migrator-existing",
                  "stack-defaults", "stack-production")


def _job(rendering: Rendering) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    job = rendering.one("Job", "workflow-migrator")
    pod = job["spec"]["template"]["spec"]
    return job, pod, pod["containers"][0]


@pytest.mark.parametrize("case_id", MIGRATOR_CASES)
def test_job_is_a_post_install_and_post_upgrade_hook(case_id: str,
                                                     renderings: dict[str, Rendering]) -> None:
    job, pod, container = _job(renderings[case_id])
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "post-install,post-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == (
        "before-hook-creation,hook-succeeded,hook-failed")
    assert annotations["helm.sh/hook-weight"] == "0"
    spec = job["spec"]
    assert spec["backoffLimit"] == 2
    assert spec["activeDeadlineSeconds"] == 900
    assert spec["ttlSecondsAfterFinished"] == 86400
    assert pod["restartPolicy"] == "Never"
    assert container["command"] == ["workflow-migrator"]
    args = container["args"]
    assert args[:3] == ["deploy", "--config-dir", "/etc/config/workflow-migrator"]
    # It waits for the server itself: the hook may start before the server is ready.
    assert args[args.index("--wait-timeout") + 1] == "300"
    assert int(args[args.index("--wait-timeout") + 1]) < spec["activeDeadlineSeconds"]


def test_defaults_deploy_the_image_definitions(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["migrator-defaults"]
    _, pod, container = _job(rendering)
    assert container["image"] == "docker.io/btechlabs/workflow-migrator:0.1.0"
    env = env_by_name(container)
    assert env["CONDUCTOR_BASE_URL"]["value"] == (
        "http://conductor-server.conductor.svc.cluster.local:8080")
    assert env["APP_ENV"]["value"] == "conductor"  # the namespace, unless appEnv is set
    assert "CONDUCTOR_SECRETS_DIR" not in env
    assert [m["mountPath"] for m in container["volumeMounts"]] == ["/tmp"]
    assert rendering.find("ConfigMap") == [] and rendering.find("Secret") == []
    policy = rendering.one("NetworkPolicy")
    assert policy["spec"]["ingress"] == [] and policy["spec"]["policyTypes"] == ["Ingress"]


def test_values_definitions_are_mounted_as_directories(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["migrator-production"]
    job, pod, container = _job(rendering)
    configmap = rendering.one("ConfigMap", "processes")
    assert sorted(configmap["data"]) == ["environments__production.yaml",
                                        "tasks__ol_example_task.json",
                                        "workflows__ol_example_flow.yaml"]
    task = yaml.safe_load(configmap["data"]["tasks__ol_example_task.json"])
    assert task["name"] == "ol_example_task" and task["retryCount"] == 3
    volume = next(v for v in pod["volumes"] if v["name"] == "processes")
    assert volume["configMap"]["name"] == configmap["metadata"]["name"]
    assert {i["key"]: i["path"] for i in volume["configMap"]["items"]} == {
        "tasks__ol_example_task.json": "tasks/ol_example_task.json",
        "workflows__ol_example_flow.yaml": "workflows/ol_example_flow.yaml",
        "environments__production.yaml": "environments/production.yaml",
    }
    mount = next(m for m in container["volumeMounts"] if m["name"] == "processes")
    assert mount == {"name": "processes", "mountPath": "/etc/config/workflow-migrator",
                     "readOnly": True}
    annotations = job["spec"]["template"]["metadata"]["annotations"]
    assert annotations["checksum/processes"] and annotations["checksum/secret"]
    assert container["args"][-3:] == ["--prune", "--keep", "legacy_*"]


def test_credentials_are_files_not_variables(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["migrator-production"]
    _, pod, container = _job(rendering)
    env = env_by_name(container)
    assert env["CONDUCTOR_SECRETS_DIR"]["value"] == "/etc/secrets/workflow-migrator"
    assert not any("CONDUCTOR_AUTH" in name for name in env)
    secret = rendering.one("Secret")
    assert sorted(secret["data"]) == ["CONDUCTOR_AUTH_TOKEN"]
    volume = next(v for v in pod["volumes"] if v["name"] == "auth")
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]


def test_existing_configmaps_and_secret(renderings: dict[str, Rendering]) -> None:
    _, pod, container = _job(renderings["migrator-existing"])
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/etc/config/workflow-migrator"]]
    assert volumes[mounts["/etc/config/workflow-migrator/tasks"]]["configMap"]["name"] == (
        "conductor-tasks")
    assert volumes[mounts["/etc/config/workflow-migrator/workflows"]]["configMap"]["name"] == (
        "conductor-workflows")
    auth = volumes["auth"]["secret"]
    assert auth["secretName"] == "conductor-migrator-auth" and auth["optional"] is True
    assert [i["path"] for i in auth["items"]] == [
        "CONDUCTOR_AUTH_TOKEN", "CONDUCTOR_AUTH_KEY", "CONDUCTOR_AUTH_SECRET"]


def test_helm_test_plans_with_the_jobs_settings(renderings: dict[str, Rendering]) -> None:
    rendering = renderings["migrator-production"]
    _, job_pod, job_container = _job(rendering)
    pod = rendering.one("Pod", "test")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    (container,) = pod["spec"]["containers"]
    assert container["args"][:4] == ["plan", "--config-dir", "/etc/config/workflow-migrator",
                                     "--detailed-exitcode"]
    assert container["env"] == job_container["env"]
    assert container["volumeMounts"] == job_container["volumeMounts"]


def _job_pod(charts_dir: Path, processes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    objects = parse(render(charts_dir, "workflow-migrator", {
        "conductorBaseUrl": "http://conductor-server:8080", "processes": processes}))
    (job,) = [o for o in objects if o["kind"] == "Job"]
    pod = job["spec"]["template"]["spec"]
    return pod, pod["containers"][0]


def test_every_folder_the_migrator_reads_travels_through_the_chart(charts_dir: Path) -> None:
    """Each folder of a config directory (one per kind of the field table, and the
    environments) can be shipped through values and through existing ConfigMaps."""
    files = {folder: {f"x_{i}.yaml": {"name": f"x_{i}"}}
             for i, folder in enumerate(process_folders())}
    pod, _ = _job_pod(charts_dir, {"source": "values", **files})
    volume = next(v for v in pod["volumes"] if v["name"] == "processes")
    assert {i["path"] for i in volume["configMap"]["items"]} == {
        f"{folder}/{name}" for folder, named in files.items() for name in named}
    existing = {folder: f"cm-{i}" for i, folder in enumerate(process_folders())}
    pod, container = _job_pod(charts_dir, {"source": "existingConfigMaps",
                                           "existingConfigMaps": existing})
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert {folder: volumes[mounts[f"/etc/config/workflow-migrator/{folder}"]]["configMap"]["name"]
            for folder in process_folders()} == existing


def test_the_chart_states_exactly_the_folders_a_deploy_reads(charts_dir: Path) -> None:
    """The chart's list of folders (its values and their schema) is the field table's
    kinds of definition and the environments: a kind added to the table fails this until
    the chart ships its folder too."""
    expected = frozenset(process_folders())
    assert chart_process_folders(charts_dir) == dict.fromkeys(chart_process_folders(charts_dir),
                                                              expected)
