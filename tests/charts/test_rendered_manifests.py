"""Every chart, with every values file: rendered by the real Helm engine, linted, valid
against Kubernetes' schemas (strict), clean under checkov, hardened, and leak-free."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.support.charts import (
    CASES,
    CHARTS_DIR,
    KUBERNETES_VERSION,
    NAMESPACE,
    Case,
    Rendering,
    pod_specs,
    secret_data,
)

CASE_IDS = [case.id for case in CASES]

#: Custom resources kubernetes-validate has no schema for: apiVersion/kind -> our schema of
#: the fields the charts render (tests/charts/schemas/).
CUSTOM_RESOURCE_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-v1.json",
}
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"


def _validate(obj: dict[str, Any]) -> str | None:
    """The first problem with the object, or None."""
    custom = CUSTOM_RESOURCE_SCHEMAS.get((obj["apiVersion"], obj["kind"]))
    if custom:
        schema = json.loads((SCHEMAS_DIR / custom).read_text())
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft7Validator(schema).iter_errors(obj))
        return None if error is None else f"{error.json_path}: {error.message}"
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return str(exc.message)
    return None


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_lint_reports_no_error_or_warning(case: Case, charts_dir: Path) -> None:
    report = helm.lint(charts_dir / case.chart, case.values, namespace=NAMESPACE,
                       with_subcharts=True, kube_version=f"v{KUBERNETES_VERSION}")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert report["errors"] == [] and problems == [], report


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_object_is_valid_for_kubernetes_strict(case_id: str,
                                                     renderings: dict[str, Rendering]) -> None:
    objects = renderings[case_id].objects
    assert objects
    errors = [f"{obj['kind']}/{obj['metadata']['name']}: {problem}"
              for obj in objects if (problem := _validate(obj))]
    assert errors == []


def test_the_servicemonitor_schema_refuses_what_prometheus_operator_would_not_take() -> None:
    """The hand-written schema can fail: a misspelt field and a bad duration are refused."""
    good: dict[str, Any] = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": "conductor"},
            "spec": {"selector": {"matchLabels": {"a": "b"}},
                     "endpoints": [{"port": "http", "interval": "30s"}]}}
    assert _validate(good) is None
    typo = {**good, "spec": {**good["spec"], "endpoints": [{"port": "http", "intervall": "30s"}]}}
    assert "intervall" in str(_validate(typo))
    bad_duration = {**good, "spec": {**good["spec"], "endpoints": [{"interval": "30 s"}]}}
    assert "30 s" in str(_validate(bad_duration))


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_object_is_namespaced_and_labelled(case_id: str,
                                                 renderings: dict[str, Rendering]) -> None:
    for obj in renderings[case_id].objects:
        meta = obj["metadata"]
        assert meta.get("namespace") == NAMESPACE, meta["name"]
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "Helm", meta["name"]
        assert meta["labels"]["app.kubernetes.io/instance"] == "conductor", meta["name"]


def test_checkov_finds_no_failed_check(checkov_report: dict[str, Any]) -> None:
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})"
              for c in checkov_report["results"]["failed_checks"]]
    assert failed == []
    assert checkov_report["summary"]["passed"] > 0


def test_every_checkov_skip_states_its_reason(checkov_report: dict[str, Any]) -> None:
    skipped = checkov_report["results"]["skipped_checks"]
    assert skipped, "the charts annotate their skips; checkov should report them"
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason) > 20, f"{check['check_id']} on {check['resource']}: no reason"


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_pod_runs_restricted(case_id: str, renderings: dict[str, Rendering]) -> None:
    for label, _, spec in pod_specs(renderings[case_id].objects):
        assert spec["automountServiceAccountToken"] is False, label
        assert spec["enableServiceLinks"] is False, label
        pod_sc = spec.get("securityContext", {})
        assert pod_sc.get("runAsNonRoot") is True, label
        assert pod_sc["seccompProfile"]["type"] == "RuntimeDefault", label
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["runAsNonRoot"] is True, label
            assert sc["runAsUser"] >= 10000, label
            assert sc["readOnlyRootFilesystem"] is True, label
            assert sc["allowPrivilegeEscalation"] is False, label
            assert sc["capabilities"]["drop"] == ["ALL"], label
            assert sc["seccompProfile"]["type"] == "RuntimeDefault", label
            assert container["resources"]["limits"]["memory"], label
            assert container["resources"]["requests"]["cpu"], label
            if "busybox" in container["image"]:
                continue
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{label}: /tmp is not an emptyDir"


def _needles(rendering: Rendering) -> set[str]:
    """Every secret value of the case: those of the rendered Secrets, and the values file's
    passwords and tokens, each also base64-encoded."""
    values: set[str] = set()
    for data in secret_data(rendering.objects).values():
        values.update(v for v in data.values() if v)

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, str) and key in {"password", "token", "secret"} and node:
            values.add(node)

    walk(rendering.case.values)
    return values | {base64.b64encode(v.encode()).decode() for v in values}


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_no_secret_value_outside_a_secret(case_id: str, renderings: dict[str, Rendering]) -> None:
    rendering = renderings[case_id]
    needles = _needles(rendering)
    outside = [o for o in rendering.objects if o["kind"] != "Secret"]
    texts = [json.dumps(o) for o in outside] + [yaml.safe_dump_all(outside), rendering.notes]
    leaks = sorted({n for n in needles for text in texts if n in text})
    assert leaks == []


def test_the_secret_cases_do_create_secrets(renderings: dict[str, Rendering]) -> None:
    """The leak test above is only meaningful if some cases carry secrets."""
    with_secrets = [i for i, r in renderings.items() if secret_data(r.objects)]
    assert {"server-defaults", "migrator-production", "stack-defaults"} <= set(with_secrets)


def test_every_ci_values_file_is_a_rendered_case(renderings: dict[str, Rendering]) -> None:
    """Each chart's ci/*.yaml is installed as it is; the checks above run on each."""
    shipped = {p.resolve() for p in CHARTS_DIR.glob("*/ci/*.yaml")}
    from_ci = [r for r in renderings.values() if r.case.path.parent.name == "ci"]
    assert shipped and {r.case.path.resolve() for r in from_ci} == shipped
    assert all(r.objects for r in from_ci)
