"""Rendering the charts with the real Helm engine, and reading what they render."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

from tests.support.paths import REPO_ROOT

CHARTS_DIR = REPO_ROOT / "charts"
VALUES_DIR = REPO_ROOT / "tests" / "charts" / "values"

#: The Kubernetes version whose schemas the rendered objects must satisfy (strict mode).
KUBERNETES_VERSION = "1.33.0"
RELEASE = "conductor"
NAMESPACE = "conductor"

CHARTS = ("conductor-server", "conductor-ui", "workflow-migrator", "conductor-stack")
POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "Pod", "CronJob"}


@dataclasses.dataclass(frozen=True)
class Case:
    """One chart rendered with one values file: a name in tests/charts/values/, or a path
    into the repository (the charts' own ci/*-values.yaml files)."""

    chart: str
    values_file: str

    @property
    def path(self) -> Path:
        if "/" in self.values_file:
            return REPO_ROOT / self.values_file
        return VALUES_DIR / self.values_file

    @property
    def id(self) -> str:
        if "/" in self.values_file:
            return f"{self.chart}-ci-{self.path.name.removesuffix('-values.yaml')}"
        return self.values_file.removesuffix(".yaml")

    @property
    def values(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load(self.path.read_text())
        return loaded


#: Every chart's ci/*-values.yaml, which CI lints: each must render as it is.
CI_CASES = tuple(Case(path.parent.parent.name, str(path.relative_to(REPO_ROOT)))
                 for path in sorted(CHARTS_DIR.glob("*/ci/*-values.yaml")))

CASES = CI_CASES + (
    Case("conductor-server", "server-defaults.yaml"),
    Case("conductor-server", "server-production.yaml"),
    Case("conductor-ui", "ui-defaults.yaml"),
    Case("conductor-ui", "ui-production.yaml"),
    Case("workflow-migrator", "migrator-defaults.yaml"),
    Case("workflow-migrator", "migrator-production.yaml"),
    Case("workflow-migrator", "migrator-existing.yaml"),
    Case("conductor-stack", "stack-defaults.yaml"),
    Case("conductor-stack", "stack-production.yaml"),
)


@dataclasses.dataclass
class Rendering:
    """What Helm rendered for a case: template path -> text, and the objects."""

    case: Case
    files: dict[str, str]
    objects: list[dict[str, Any]]

    @property
    def notes(self) -> str:
        return "".join(text for path, text in self.files.items()
                       if path.endswith("NOTES.txt"))

    def find(self, kind: str, name_part: str = "") -> list[dict[str, Any]]:
        return [o for o in self.objects
                if o["kind"] == kind and name_part in o["metadata"]["name"]]

    def one(self, kind: str, name_part: str = "") -> dict[str, Any]:
        found = self.find(kind, name_part)
        assert len(found) == 1, f"expected one {kind} named *{name_part}*, got {len(found)}"
        return found[0]


def local_dependencies(chart_dir: Path) -> list[str]:
    """Names of the charts next to this one that it depends on (file://../<name>)."""
    chart = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    return [dep["repository"].removeprefix("file://../")
            for dep in chart.get("dependencies") or []
            if dep.get("repository", "").startswith("file://../")]


def build_dependencies(charts_dir: Path, chart: str, built: set[str] | None = None) -> None:
    """`helm dependency build` of a chart, its own file:// dependencies first: Helm copies a
    file:// dependency as it is, so its charts/ must already hold what it depends on."""
    built = set() if built is None else built
    if chart in built:
        return
    for dependency in local_dependencies(charts_dir / chart):
        build_dependencies(charts_dir, dependency, built)
    if local_dependencies(charts_dir / chart):
        helm.dependency_build(charts_dir / chart)
    built.add(chart)


def prepare_charts(destination: Path) -> Path:
    """Copies charts/ (without any built charts/ folders) and builds every chart's file://
    dependencies from its Chart.lock, offline."""
    target = destination / "charts"
    shutil.copytree(CHARTS_DIR, target,
                    ignore=lambda folder, names: ["charts"] if Path(folder).parent == CHARTS_DIR
                    else [])
    built: set[str] = set()
    for chart_yaml in sorted(target.glob("*/Chart.yaml")):
        build_dependencies(target, chart_yaml.parent.name, built)
    return target


def render(charts_dir: Path, chart: str, values: dict[str, Any]) -> dict[str, str]:
    with helm.Chart.load(charts_dir / chart) as loaded:
        return loaded.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)


def parse(files: dict[str, str]) -> list[dict[str, Any]]:
    objects = []
    for path, text in sorted(files.items()):
        if path.endswith("NOTES.txt"):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                objects.append(document)
    return objects


def pod_specs(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any],
                                                              dict[str, Any]]]:
    """(kind/name, pod metadata, pod spec) of every object that makes pods."""
    for obj in objects:
        if obj["kind"] not in POD_KINDS:
            continue
        label = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] == "Pod":
            yield label, obj["metadata"], obj["spec"]
        elif obj["kind"] == "CronJob":
            template = obj["spec"]["jobTemplate"]["spec"]["template"]
            yield label, template["metadata"], template["spec"]
        else:
            template = obj["spec"]["template"]
            yield label, template["metadata"], template["spec"]


def env_by_name(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def secret_data(objects: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Secret name -> decoded data of every rendered Secret."""
    out: dict[str, dict[str, str]] = {}
    for obj in objects:
        if obj["kind"] != "Secret":
            continue
        data = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
        data.update(obj.get("stringData") or {})
        out[obj["metadata"]["name"]] = data
    return out


_DEPENDENT = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def resolve_env(container: dict[str, Any], secrets: dict[str, dict[str, str]]) -> dict[str, str]:
    """The environment Kubernetes gives the container: secretKeyRef values read from the
    given Secrets, and $(VAR) references expanded from the variables defined before them
    (an undefined reference stays as it is; $$ is a literal $)."""
    env: dict[str, str] = {}
    for item in container.get("env", []):
        if "value" in item:
            def expand(match: re.Match[str]) -> str:
                if match.group(0) == "$$":
                    return "$"
                return env.get(match.group(1), match.group(0))
            env[item["name"]] = _DEPENDENT.sub(expand, str(item["value"]))
        elif "secretKeyRef" in item.get("valueFrom", {}):
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secrets[ref["name"]][ref["key"]]
        else:
            raise AssertionError(f"cannot resolve {item['name']}: {item}")
    return env


def chart_process_folders(charts_dir: Path = CHARTS_DIR) -> dict[str, frozenset[str]]:
    """The folders of a config directory the workflow-migrator chart can ship, as each
    place that states them says: the keys of ``processes.existingConfigMaps`` in
    values.yaml (the templates' list), the file maps beside them, and the values schema's
    keys of both. A Helm template cannot ask Python for the field table's kinds, so a
    test compares each of these with the folders a deploy reads."""
    chart = charts_dir / "workflow-migrator"
    values = yaml.safe_load((chart / "values.yaml").read_text())["processes"]
    schema = json.loads((chart / "values.schema.src.json").read_text())
    properties = schema["properties"]["processes"]["properties"]
    settings = {"source", "configDir", "existingConfigMaps"}
    return {
        "values.yaml existingConfigMaps": frozenset(values["existingConfigMaps"]),
        "values.yaml file maps": frozenset(values) - settings,
        "schema existingConfigMaps": frozenset(
            properties["existingConfigMaps"]["properties"]),
        "schema file maps": frozenset(properties) - settings,
    }
