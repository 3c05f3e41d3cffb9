"""The GitHub Actions workflows: real linters, then their triggers, filters and build logic."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.delivery import WORKFLOWS, load_yaml, workflow
from tests.support.paths import REPO_ROOT
from tests.support.tools import tool

IMAGE_WORKFLOWS = {
    # workflow: (component, image, the paths its image is built from)
    "conductor-server": ("server", "btechlabs/conductor-server", ["docker/server/**"]),
    "conductor-ui": ("ui", "btechlabs/conductor-ui", ["docker/ui/**"]),
    "workflow-migrator": (
        "migrator", "btechlabs/workflow-migrator",
        ["Dockerfile", "config/**", "src/**", "pyproject.toml", "scripts/install-migrator"],
    ),
}
ALL_WORKFLOWS = sorted(p.stem for p in WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)


# ------------------------------------------------------------------------------ linters


def test_actionlint_reports_nothing() -> None:
    result = _run(tool("actionlint"), "-no-color")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_zizmor_reports_nothing() -> None:
    result = _run(tool("zizmor"), "--offline", "--no-progress", ".github/workflows",
                  ".github/dependabot.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


@pytest.mark.parametrize(("schema", "files"), [
    ("vendor.github-workflows", [str(p) for p in sorted(WORKFLOWS.glob("*.yml"))]),
    ("vendor.dependabot", [".github/dependabot.yml"]),
])
def test_files_match_their_schemas(schema: str, files: list[str]) -> None:
    result = _run(tool("check-jsonschema"), "--builtin-schema", schema, *files)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------------------ all workflows


@pytest.mark.parametrize("name", ALL_WORKFLOWS)
def test_every_action_is_pinned_to_a_full_sha_with_its_version(name: str) -> None:
    for line in (WORKFLOWS / f"{name}.yml").read_text().splitlines():
        if re.match(r"^\s*(-\s+)?uses:", line) and "uses: ./" not in line:
            assert PINNED.match(line), line


@pytest.mark.parametrize("name", ALL_WORKFLOWS)
def test_permissions_are_denied_by_default_and_granted_per_job(name: str) -> None:
    data = workflow(name)
    assert data["permissions"] == {}
    text = (WORKFLOWS / f"{name}.yml").read_text()
    for job_name, job in data["jobs"].items():
        assert "permissions" in job, f"{name}: job {job_name} has no permissions"
        for scope, level in job["permissions"].items():
            assert level in ("read", "write")
            # each grant says why, on its own line
            assert re.search(rf"^\s+{scope}: {level} # \S", text, re.M), (name, scope)
    assert "contents: write" not in text


@pytest.mark.parametrize("name", ALL_WORKFLOWS)
def test_checkouts_do_not_keep_credentials(name: str) -> None:
    for job in workflow(name)["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


# ------------------------------------------------------------------------------ image workflows


@pytest.mark.parametrize("name", sorted(IMAGE_WORKFLOWS))
def test_image_workflow_runs_only_on_its_own_paths(name: str) -> None:
    _, _, image_paths = IMAGE_WORKFLOWS[name]
    on = workflow(name)["on"]
    assert set(on) == {"push", "pull_request", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    for event in ("push", "pull_request"):
        paths = on[event]["paths"]
        assert set(image_paths) <= set(paths)
        assert f".github/workflows/{name}.yml" in paths
        # nothing that belongs to another image
        others = {p for other, (_, _, ps) in IMAGE_WORKFLOWS.items() if other != name for p in ps}
        assert not (others - {"scripts/install-migrator"}) & set(paths)
    assert on["push"]["paths"] == on["pull_request"]["paths"]


def test_server_workflow_ignores_the_local_server_configuration() -> None:
    paths = workflow("conductor-server")["on"]["push"]["paths"]
    assert paths.index("!docker/server/config/**") > paths.index("docker/server/**")


@pytest.mark.parametrize("name", sorted(IMAGE_WORKFLOWS))
def test_image_workflow_calls_the_shared_build_and_pushes_only_from_main(name: str) -> None:
    component, image, _ = IMAGE_WORKFLOWS[name]
    (job,) = workflow(name)["jobs"].values()
    assert job["uses"] == "./.github/workflows/build-image.yml"
    assert job["with"]["component"] == component
    assert job["with"]["image"] == image
    assert job["with"]["push"] == (
        "${{ github.event_name != 'pull_request' && github.ref == 'refs/heads/main' }}"
    )
    assert job["secrets"] == {
        "DOCKERHUB_USERNAME": "${{ secrets.DOCKERHUB_USERNAME }}",
        "DOCKERHUB_TOKEN": "${{ secrets.DOCKERHUB_TOKEN }}",
    }
    assert job["permissions"] == {"contents": "read"}


def _steps_by_action(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {step["uses"].split("@")[0]: step for step in steps if "uses" in step}


def test_build_workflow_tags_builds_and_caches_per_image() -> None:
    data = workflow("build-image")
    assert set(data["on"]) == {"workflow_call"}
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    steps = job["steps"]
    by_action = _steps_by_action(steps)

    (version_step,) = [s for s in steps if s.get("id") == "version"]
    assert 'scripts/image-tag "$COMPONENT"' in version_step["run"]
    assert version_step["env"]["COMPONENT"] == "${{ inputs.component }}"

    meta = by_action["docker/metadata-action"]["with"]
    assert meta["tags"].splitlines() == [
        "type=raw,value=${{ steps.version.outputs.tag }}", "type=sha,format=long",
    ]
    assert meta["flavor"] == "latest=false"

    login = by_action["docker/login-action"]
    assert login["if"] == "${{ inputs.push }}"
    assert login["with"] == {"username": "${{ secrets.DOCKERHUB_USERNAME }}",
                             "password": "${{ secrets.DOCKERHUB_TOKEN }}"}

    build = by_action["docker/build-push-action"]["with"]
    assert build["push"] == "${{ inputs.push }}"
    assert build["platforms"] == "linux/amd64,linux/arm64"
    assert build["provenance"] == "mode=max"
    assert build["sbom"] is True
    assert build["cache-from"] == "type=gha,scope=${{ inputs.component }}"
    assert build["cache-to"] == "type=gha,mode=max,scope=${{ inputs.component }}"
    for output in ("tags", "labels", "annotations"):
        assert build[output] == f"${{{{ steps.meta.outputs.{output} }}}}"
    assert "docker/setup-qemu-action" in by_action
    assert "docker/setup-buildx-action" in by_action


# ------------------------------------------------------------------------------ test and charts


def test_test_workflow_runs_ci_run_on_every_push_and_pull_request() -> None:
    data = workflow("test")
    assert {"push", "pull_request"} <= set(data["on"])
    assert not (data["on"]["push"] or {}).get("paths")
    assert not (data["on"]["pull_request"] or {}).get("paths")
    (job,) = data["jobs"].values()
    assert [s["run"] for s in job["steps"] if "run" in s] == [".ci/run"]
    # .ci/run is the one definition of the tests: what developers run, nothing else
    ci_run = (REPO_ROOT / ".ci" / "run").read_text()
    assert [line for line in ci_run.splitlines() if line and not line.startswith("#")][-1] \
        == "make test"


def test_make_test_runs_the_static_checks_before_the_suite() -> None:
    # So CI (.ci/run, above) runs scripts/check too, and a finding fails before any server starts.
    dry_run = _run("make", "--dry-run", "--always-make", "test").stdout.splitlines()
    check = next(i for i, line in enumerate(dry_run) if line.endswith("scripts/check"))
    pytest_run = next(i for i, line in enumerate(dry_run) if line.endswith("-m pytest"))
    assert check < pytest_run, dry_run


def test_charts_workflow_lints_on_change_and_publishes_on_release() -> None:
    data = workflow("charts")
    on = data["on"]
    assert on["release"] == {"types": ["published"]}
    for event in ("push", "pull_request"):
        assert "charts/**" in on[event]["paths"]
    lint, publish = data["jobs"]["lint"], data["jobs"]["publish"]
    lint_run = " ".join(s.get("run", "") for s in lint["steps"])
    assert "helm lint --strict" in lint_run and "helm package" in lint_run
    assert lint["permissions"] == {"contents": "read"}
    assert publish["if"] == "${{ github.event_name == 'release' }}"
    assert publish["needs"] == "lint"
    assert publish["permissions"] == {"contents": "read", "packages": "write"}
    publish_run = " ".join(s.get("run", "") for s in publish["steps"])
    assert 'helm push "dist/${name}-${version}.tgz" "$repository"' in publish_run
    assert "already published" in publish_run


def test_charts_workflow_builds_dependencies_before_linting_and_packaging() -> None:
    data = workflow("charts")
    for event in ("push", "pull_request"):
        assert {"scripts/chart-dependencies", "scripts/chart-schemas"} <= \
            set(data["on"][event]["paths"])
    lint_runs = [s.get("run", "") for s in data["jobs"]["lint"]["steps"]]
    assert "python3 scripts/chart-schemas --check" in lint_runs
    for job in ("lint", "publish"):
        runs = [s.get("run", "") for s in data["jobs"][job]["steps"]]
        build = runs.index("scripts/chart-dependencies")
        package = next(i for i, run in enumerate(runs) if "helm package" in run)
        assert build < package, job


def test_chart_dependencies_are_built_dependencies_first(tmp_path: Path) -> None:
    """scripts/chart-dependencies with a stand-in `helm` that records its calls."""
    log = tmp_path / "helm.log"
    fake = tmp_path / "bin" / "helm"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    fake.chmod(0o755)
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "chart-dependencies")], cwd=REPO_ROOT,
        env={**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    built = [line.removeprefix("dependency build charts/")
             for line in log.read_text().splitlines()]
    with_dependencies = {p.parent.name for p in (REPO_ROOT / "charts").glob("*/Chart.yaml")
                         if "file://../" in p.read_text()}
    assert sorted(built) == sorted(with_dependencies)
    assert built[-1] == "conductor-stack"


def test_dependabot_keeps_actions_and_base_images_current() -> None:
    updates = {u["package-ecosystem"]: u for u in load_yaml(REPO_ROOT / ".github/dependabot.yml")
               ["updates"]}
    assert updates["github-actions"]["directory"] == "/"
    assert set(updates["docker"]["directories"]) == {"/", "/docker/server", "/docker/ui"}
    for update in updates.values():
        assert update["cooldown"]["default-days"] >= 1
