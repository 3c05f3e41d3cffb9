"""The workflow-migrator chart's optional drift check: a read-only CronJob that plans
with the deploy Job's image, configuration and credentials, under its own identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.charts import Rendering, parse, render


def test_drift_is_off_by_default(renderings: dict[str, Rendering]) -> None:
    for case_id in ("migrator-defaults", "migrator-existing", "stack-defaults"):
        assert renderings[case_id].find("CronJob") == []
        assert not [sa for sa in renderings[case_id].find("ServiceAccount")
                    if sa["metadata"]["name"].endswith("-drift")]


def test_the_check_plans_like_the_deploy_job_and_never_writes(
        renderings: dict[str, Rendering]) -> None:
    rendering = renderings["migrator-production"]
    job = rendering.one("Job", "workflow-migrator")
    cron = rendering.one("CronJob", "drift")
    assert cron["spec"]["schedule"] == "*/15 * * * *"
    assert cron["spec"]["timeZone"] == "Europe/Berlin"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["jobTemplate"]["spec"]["backoffLimit"] == 0
    job_pod = job["spec"]["template"]["spec"]
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (deploy,), (check,) = job_pod["containers"], pod["containers"]
    args = check["args"]
    assert args[:4] == ["plan", "--config-dir", "/etc/config/workflow-migrator",
                        "--detailed-exitcode"]
    assert "deploy" not in args
    assert args[args.index("--pushgateway-url") + 1] == (
        "http://prometheus-pushgateway.monitoring.svc.cluster.local:9091")
    assert args[-3:] == deploy["args"][-3:] == ["--prune", "--keep", "legacy_*"]
    # same image, environment, definitions and credentials as the deploy Job
    for key in ("image", "env", "volumeMounts", "securityContext", "command"):
        assert check[key] == deploy[key], key
    assert pod["volumes"] == job_pod["volumes"]
    assert pod["securityContext"] == job_pod["securityContext"]


def test_the_check_has_its_own_identity_without_a_token_or_rights(
        renderings: dict[str, Rendering]) -> None:
    rendering = renderings["migrator-production"]
    cron = rendering.one("CronJob", "drift")
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    account = rendering.one("ServiceAccount", "drift")
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert account["metadata"]["name"] == "conductor-workflow-migrator-drift"
    deploy_pod = rendering.one("Job", "workflow-migrator")["spec"]["template"]["spec"]
    assert deploy_pod["serviceAccountName"] != pod["serviceAccountName"]
    assert account["automountServiceAccountToken"] is False
    assert pod["automountServiceAccountToken"] is False
    for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"):
        assert rendering.find(kind) == []


def _render_migrator(charts_dir: Path, **drift: object) -> list[dict[str, Any]]:
    values = {"conductorBaseUrl": "http://conductor:8080", "drift": {"enabled": True, **drift}}
    return parse(render(charts_dir, "workflow-migrator", values))


def test_a_check_that_cannot_outlast_its_wait_is_refused(charts_dir: Path) -> None:
    with pytest.raises(Exception, match=r"drift\.activeDeadlineSeconds \(30\) must be longer"):
        _render_migrator(charts_dir, waitTimeoutSeconds=60, activeDeadlineSeconds=30)


@pytest.mark.parametrize("drift", [{"schedule": "often"}, {"pushgatewayUrl": "pushgateway:9091"},
                                   {"enabled": "yes"}, {"typo": 1}])
def test_bad_drift_values_are_refused_by_the_schema(charts_dir: Path,
                                                    drift: dict[str, object]) -> None:
    with pytest.raises(Exception, match="drift"):
        _render_migrator(charts_dir, **drift)


def test_no_pushgateway_by_default(charts_dir: Path) -> None:
    (cron,) = [o for o in _render_migrator(charts_dir) if o["kind"] == "CronJob"]
    args = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--pushgateway-url" not in args
    assert cron["spec"]["schedule"] == "*/30 * * * *"
