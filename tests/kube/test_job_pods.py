"""The migrator chart's pods as the API server stores them, run for real: the deploy Job's pod
(post-install hook) and the drift CronJob's pod, each laid out on disk from its spec and run
as a process against a real Conductor server. They deploy, and then check, exactly the
processes the release carries: the chart's wiring of command, args, env, ConfigMap and Secret
works end to end, not just its YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.kube.conftest import NamespaceFactory
from tests.support.configs import copy_config, unique_prefix
from tests.support.kube import Api, Helm
from tests.support.podrun import lay_out, venv_path
from tests.support.stacks import Server
from tests.support.watcher import watching

pytestmark = [pytest.mark.kube, pytest.mark.server]

RELEASE = "migrator"
DEFINITION_DIRS = ("tasks", "workflows")


def definitions(config: Path, folder: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted((config / folder).iterdir()):
        loaded = yaml.safe_load(path.read_text())
        found += loaded if isinstance(loaded, list) else [loaded]
    return found


def release_values(config: Path, base_url: str) -> dict[str, Any]:
    """The processes as chart values (a ConfigMap), credentials as a Secret, drift on."""
    processes: dict[str, Any] = {"source": "values"}
    for folder in DEFINITION_DIRS:
        processes[folder] = {path.name: path.read_text()
                             for path in sorted((config / folder).iterdir())}
    return {"conductorBaseUrl": base_url, "appEnv": "test", "logFormat": "text",
            "waitTimeoutSeconds": 60, "auth": {"token": "kube-test-token"},
            "processes": processes, "drift": {"enabled": True, "waitTimeoutSeconds": 60}}


def on_server(base_url: str, kind: str, name: str) -> bool:
    path = "taskdefs" if kind == "tasks" else "workflow"
    return httpx.get(f"{base_url}/api/metadata/{path}/{name}", timeout=30).status_code == 200


def test_job_and_drift_pods_run_as_stored(server: Server, helm_v4: Helm, charts_dir: Path,
                                          admin: Api, new_namespace: NamespaceFactory,
                                          tmp_path: Path) -> None:
    config = copy_config(tmp_path / "config", unique_prefix())
    names = {folder: [d["name"] for d in definitions(config, folder)]
             for folder in DEFINITION_DIRS}
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(release_values(config, server.base_url)))
    namespace = new_namespace("job-pod")
    with watching(admin, namespace.name) as watch:
        helm_v4.run(namespace, "install", RELEASE, str(charts_dir / "workflow-migrator"),
                    "-f", str(values), "--wait", "--timeout", "20m")
    [job] = watch.jobs_named(RELEASE)
    # No container ran on the fake nodes: nothing of the release is on the server yet.
    assert not any(on_server(server.base_url, kind, name)
                   for kind, found in names.items() for name in found)

    pod = lay_out(admin, namespace.name, job["spec"]["template"], tmp_path / "job-root",
                  venv_path())
    assert (pod.mounts["/etc/secrets/workflow-migrator"] / "CONDUCTOR_AUTH_TOKEN").read_text() \
        == "kube-test-token"
    assert pod.env["CONDUCTOR_SECRETS_DIR"] == str(pod.mounts["/etc/secrets/workflow-migrator"])
    deployed = pod.run()
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    missing = [name for kind, found in names.items() for name in found
               if not on_server(server.base_url, kind, name)]
    assert not missing, deployed.stdout

    [cronjob] = admin.items(f"/apis/batch/v1/namespaces/{namespace.name}/cronjobs")
    drift_template = cronjob["spec"]["jobTemplate"]["spec"]["template"]
    drift = lay_out(admin, namespace.name, drift_template, tmp_path / "drift-root", venv_path())
    assert drift.argv[1] == "plan"
    clean = drift.run()
    assert clean.returncode == 0, clean.stdout + clean.stderr

    # Someone changes a workflow on the server by hand: the drift pod finds it (exit 2).
    workflow = names["workflows"][0]
    live = httpx.get(f"{server.base_url}/api/metadata/workflow/{workflow}", timeout=30).json()
    live["description"] = "changed by hand"
    httpx.put(f"{server.base_url}/api/metadata/workflow", json=[live],
              timeout=30).raise_for_status()
    drifted = drift.run()
    assert drifted.returncode == 2, drifted.stdout + drifted.stderr
    assert workflow in drifted.stdout + drifted.stderr
