"""Runs a pod's container, as the API server stores its spec, as a local process.

No container runs on the control plane's fake nodes; what the charts' wiring does end to
end is shown by taking the stored pod spec (command, args, env, the ConfigMap and Secret
volumes at their mount paths), resolving every reference through the API, laying the mounted
files out under a folder that stands for the container's root, and running the command with
that environment. Paths under a mount point, in args and env values, are moved under that
folder; the command is looked up on the test's PATH (the installed migrator).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.kube import Api


@dataclasses.dataclass(frozen=True)
class LocalPod:
    """A container laid out on disk: what to run, with which environment."""

    root: Path
    argv: list[str]
    env: dict[str, str]
    mounts: dict[str, Path]

    def run(self, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv, env=self.env, cwd=self.root, capture_output=True,
                              text=True, timeout=timeout, check=False)


def _volume_files(api: Api, namespace: str, volume: dict[str, Any]) -> dict[str, str] | None:
    """Path inside the volume -> content, for a ConfigMap or Secret volume; None for others."""
    if "configMap" in volume:
        source, data = volume["configMap"], api.config_map_data
        name = source["name"]
    elif "secret" in volume:
        source, data = volume["secret"], api.secret_data
        name = source["secretName"]
    else:
        return None
    try:
        values = data(namespace, name)
    except Exception:
        if source.get("optional"):
            return {}
        raise
    items = source.get("items")
    if not items:
        return dict(values)
    return {item["path"]: values[item["key"]] for item in items
            if item["key"] in values or not source.get("optional")}


def _env_value(api: Api, namespace: str, pod: dict[str, Any], entry: dict[str, Any]) -> str | None:
    if "value" in entry:
        return str(entry["value"])
    source = entry["valueFrom"]
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"]
        return api.secret_data(namespace, ref["name"]).get(ref["key"])
    if "configMapKeyRef" in source:
        ref = source["configMapKeyRef"]
        return api.config_map_data(namespace, ref["name"]).get(ref["key"])
    if "fieldRef" in source:
        value: Any = {"metadata": {**pod.get("metadata", {}), "namespace": namespace}}
        for part in source["fieldRef"]["fieldPath"].split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        return str(value)
    raise AssertionError(f"env {entry['name']}: unsupported source {sorted(source)}")


def lay_out(api: Api, namespace: str, template: dict[str, Any], root: Path,
            path_env: str) -> LocalPod:
    """The first container of a pod template, laid out under `root`."""
    spec = template["spec"]
    container = spec["containers"][0]
    volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
    mounts: dict[str, Path] = {}
    for mount in container.get("volumeMounts", []):
        target = root / mount["mountPath"].lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        mounts[mount["mountPath"]] = target
        files = _volume_files(api, namespace, volumes[mount["name"]])
        for relative, content in (files or {}).items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)

    def moved(text: str) -> str:
        for mount_path in sorted(mounts, key=len, reverse=True):
            if text == mount_path or text.startswith(mount_path.rstrip("/") + "/"):
                return str(mounts[mount_path]) + text[len(mount_path):]
        return text

    env = {"PATH": path_env, "HOME": str(root / "home"), "LANG": "C.UTF-8"}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(api.config_map_data(namespace, source["configMapRef"]["name"]))
        if "secretRef" in source:
            env.update(api.secret_data(namespace, source["secretRef"]["name"]))
    for entry in container.get("env", []):
        value = _env_value(api, namespace, template, entry)
        if value is not None:
            env[entry["name"]] = moved(value)
    command = [*container.get("command", []), *container.get("args", [])]
    executable = shutil.which(command[0], path=path_env)
    assert executable, f"{command[0]} is not on {path_env}"
    (root / "home").mkdir(exist_ok=True)
    return LocalPod(root, [executable, *(moved(arg) for arg in command[1:])], env, mounts)


def venv_path() -> str:
    """The test's virtualenv first, so that the pod's command is the installed migrator."""
    return os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
